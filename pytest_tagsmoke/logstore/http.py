"""HTTP JSON log-store adapter: templates, auth, record paths, id matching, pages, batches."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import jmespath

from pytest_tagsmoke._redact import join_url, redact_url
from pytest_tagsmoke.logstore import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.bounded import AnswerTooLarge, loads, too_large
from pytest_tagsmoke.logstore.mapping import scalar

if TYPE_CHECKING:
    from pytest_tagsmoke.logstore.mapping import FieldMapper
    from pytest_tagsmoke.profile import LogStoreConfig

IDS = "{correlation_ids}"
MAX_PAGES = 20
REASON_BYTES = 4096  # of an error answer, read for the store's reason
REASON_CHARS = 200
# Where JSON APIs put the reason of an error (LiteLLM, FastAPI, most others).
REASON_PATH = jmespath.compile("error.message || error || detail || message")


class HttpLogStore:
    """Reads records from a JSON HTTP API; 404, ``null``, ``[]`` and ``{}`` mean "not yet".

    Templates (URL, query values, body strings) may use ``{endpoint}``, ``{correlation_id}``
    and, to ask for several records in one request, ``{correlation_ids}`` (joined by
    ``id_separator``; records are then matched by ``id_field``).
    """

    def __init__(
        self, config: LogStoreConfig, endpoint: str, client: httpx.Client, mapper: FieldMapper
    ) -> None:
        if not config.record_url:
            raise LogStoreError("the http log store needs log_store.record_url")
        self._config = config
        self._endpoint = endpoint
        self._client = client
        self._mapper = mapper
        self._headers = dict(config.headers)
        self._auth: httpx.Auth | None = None
        if "bearer" in config.auth:
            self._headers["Authorization"] = f"Bearer {config.auth['bearer']}"
        elif "basic" in config.auth:
            user, _, password = config.auth["basic"].partition(":")
            self._auth = httpx.BasicAuth(user, password)
        self._record_path = jmespath.compile(config.record_path) if config.record_path else None
        self._id_field = jmespath.compile(config.id_field) if config.id_field else None
        self._counts_path = jmespath.compile(config.counts_path) if config.counts_path else None
        templates = json.dumps([config.record_url, config.query, config.body])
        self._batched = IDS in templates and self._id_field is not None

    # -- templates ------------------------------------------------------------------------
    def _fill(self, value: Any, ids: Sequence[str], *, url: bool = False) -> Any:
        if url and isinstance(value, str) and value.startswith("{endpoint}"):
            # Keep the endpoint's own query string (and credentials) where a URL wants them.
            return join_url(self._endpoint, self._fill(value[len("{endpoint}") :], ids, url=True))
        if isinstance(value, str):
            first = ids[0] if ids else ""
            joined = self._config.id_separator.join(ids)
            if url:
                first, joined = quote(first, safe=""), quote(joined, safe=",")
            return (
                value.replace("{endpoint}", self._endpoint)
                .replace("{correlation_id}", first)
                .replace(IDS, joined)
            )
        if isinstance(value, dict):
            return {k: self._fill(v, ids) for k, v in value.items()}
        if isinstance(value, list):
            return [self._fill(v, ids) for v in value]
        return value

    # -- requests -------------------------------------------------------------------------
    def _send(
        self,
        url: str,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        method: str = "GET",
    ) -> Any:
        shown = redact_url(url)
        request = self._client.build_request(
            method,
            url,
            params=query or None,
            json=body if method == "POST" else None,
            headers=self._headers,
        )
        limit = self._config.max_answer_bytes
        try:
            response = self._client.send(
                request, auth=self._auth or httpx.USE_CLIENT_DEFAULT, stream=True
            )
            try:
                if response.status_code == 404:
                    return None
                if response.status_code >= 400:
                    raise LogStoreError(
                        f"log store at {shown} answered HTTP {response.status_code}"
                        + _error_reason(response)
                    )
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise LogStoreError(f"log store at {shown}: {too_large(limit)}")
            finally:
                response.close()
        except httpx.TransportError as exc:
            raise LogStoreError(
                f"log store at {shown} is unreachable: {type(exc).__name__}: {exc}"
            ) from None
        try:
            return loads(bytes(data), self._config.max_answer_depth)
        except AnswerTooLarge as exc:
            raise LogStoreError(f"log store at {shown}: {exc}") from None
        except ValueError:
            raise LogStoreError(
                f"log store at {shown} answered with something that is not JSON"
            ) from None

    def _records(self, document: Any) -> list[Mapping[str, Any]]:
        if self._record_path is not None and document is not None:
            document = self._record_path.search(document)
        if not document:
            return []
        items = document if isinstance(document, list) else [document]
        if not all(isinstance(item, Mapping) for item in items):
            raise LogStoreError(
                "the log store's answer holds a record that is not a JSON "
                "object (check log_store.record_path)"
            )
        return items

    def _query(self, ids: Sequence[str]) -> list[Mapping[str, Any]]:
        config = self._config
        url = self._fill(config.record_url, ids, url=True)
        query = dict(self._fill(dict(config.query), ids))
        body = self._fill(config.body, ids)
        pages = config.pages
        if not pages:
            return self._records(self._send(url, query, body, config.method))
        found: list[Mapping[str, Any]] = []
        page = int(pages.get("start", 1))
        for _ in range(int(pages.get("max", MAX_PAGES))):
            query[pages["param"]] = str(page)
            document = self._send(url, query, body, config.method)
            records = self._records(document)
            found += records
            total = (
                jmespath.search(pages["total_path"], document)
                if pages.get("total_path") and document is not None
                else None
            )
            if not records or (total is not None and page >= int(total)):
                break
            if self._id_field is not None and set(ids) <= self._ids_in(found):
                break
            page += 1
        return found

    def _ids_in(self, records: Sequence[Mapping[str, Any]]) -> set[str]:
        assert self._id_field is not None
        return {scalar(self._id_field.search(r)) or "" for r in records}

    def _match(
        self, ids: Sequence[str], records: Sequence[Mapping[str, Any]]
    ) -> dict[str, LogRecord]:
        if self._id_field is None:
            # The query was for one id: everything it answered is that id's.
            if not records:
                return {}
            return {ids[0]: LogRecord(self._mapper.map(records[0]), count=len(records))}
        wanted = set(ids)
        matched: dict[str, list[Mapping[str, Any]]] = {}
        for record in records:
            key = scalar(self._id_field.search(record))
            if key in wanted and key is not None:
                matched.setdefault(key, []).append(record)
        return {
            key: LogRecord(self._mapper.map(rs[0]), count=len(rs)) for key, rs in matched.items()
        }

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        if self._batched and len(correlation_ids) > 1:
            return self._match(correlation_ids, self._query(correlation_ids))
        found: dict[str, LogRecord] = {}
        for correlation_id in correlation_ids:
            found.update(self._match([correlation_id], self._query([correlation_id])))
        return found

    def bucket_counts(self) -> dict[str, int] | None:
        if not self._config.counts_url:
            return None
        document = self._send(self._fill(self._config.counts_url, [], url=True))
        if self._counts_path is not None and document is not None:
            document = self._counts_path.search(document)
        if not isinstance(document, Mapping):
            raise LogStoreError("the log store's bucket counts are not a JSON object")
        try:
            return {str(k): int(v) for k, v in document.items()}
        except (TypeError, ValueError):
            raise LogStoreError("the log store's bucket counts are not numbers") from None

    def list_records(self) -> None:
        """An HTTP store is asked for ids, never listed whole."""

    def close(self) -> None:
        """The HTTP client belongs to the run; nothing of the store's own to release."""


def _error_reason(response: httpx.Response) -> str:
    """The store's own words for an error answer, cut short: ``": Database not connected…"``
    from a JSON body's ``error.message`` (LiteLLM), ``error``, ``detail`` or ``message``, or
    a plain-text body's first line; ``""`` when there are none. Reads at most 4 KiB."""
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= REASON_BYTES:
            break
    text = bytes(data[:REASON_BYTES]).decode("utf-8", errors="replace")
    try:
        found = REASON_PATH.search(loads(text))
    except ValueError:  # not JSON (or cut at 4 KiB), or too deep
        found = None
        if response.headers.get("content-type", "").startswith("text/plain"):
            found = text.strip().split("\n", 1)[0]
    reason = " ".join(found.split())[:REASON_CHARS] if isinstance(found, str) else ""
    return f": {reason}" if reason else ""
