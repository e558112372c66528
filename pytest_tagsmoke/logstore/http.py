"""HTTP JSON log-store adapter: templates, auth, record paths, id matching, pages, batches.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import jmespath

from pytest_tagsmoke.logstore.base import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.bounded import AnswerTooLarge, loads, too_large
from pytest_tagsmoke.logstore.matching import IdMatcher
from pytest_tagsmoke.safety.redaction import join_url, redact_url
from pytest_tagsmoke.sending import fast_lane

if TYPE_CHECKING:
    from pytest_tagsmoke.logstore.base import OnFound, TimeWindow
    from pytest_tagsmoke.logstore.mapping import FieldMapper
    from pytest_tagsmoke.logstore.settings import HttpSettings

IDS = "{correlation_ids}"
MAX_PAGES = 20
#: Ids asked for in one batched query at most.
MAX_BATCH_IDS = 200
#: Characters of a batched query's URL at most: well under httpx's 65,536 and under the
#: 8 KiB request line many servers accept.
MAX_URL_LENGTH = 7000
#: Queries in flight at once by default (``poll.concurrency``).
DEFAULT_CONCURRENCY = 16
REASON_BYTES = 4096  # of an error answer, read for the store's reason
REASON_CHARS = 200
# Where JSON APIs put the reason of an error (LiteLLM, FastAPI, most others).
REASON_PATH = jmespath.compile("error.message || error || detail || message")


class HttpLogStore:
    """Reads records from a JSON HTTP API; 404, ``null``, ``[]`` and ``{}`` mean "not yet".

    Templates (URL, query values, body strings) may use ``{endpoint}``, ``{correlation_id}``
    and, to ask for several records in one request, ``{correlation_ids}`` (joined by
    ``id_separator``; records are then matched by ``id_field``). A batch is split so that
    no query asks for more than :data:`MAX_BATCH_IDS` ids or has a URL longer than
    :data:`MAX_URL_LENGTH`; the queries of one poll tick (batches, or one per id for a store
    without a batch endpoint) run ``concurrency`` at a time on the run's client.
    """

    def __init__(
        self,
        config: HttpSettings,
        endpoint: str,
        client: httpx.Client,
        mapper: FieldMapper,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if not config.record_url:
            raise LogStoreError("the http log store needs log_store.record_url")
        self._config = config
        self._endpoint = endpoint
        self._client = client
        self._matcher = IdMatcher(mapper, config.id_field)
        self._headers = dict(config.headers)
        self._auth: httpx.Auth | None = None
        if "bearer" in config.auth:
            self._headers["Authorization"] = f"Bearer {config.auth['bearer']}"
        elif "basic" in config.auth:
            user, _, password = config.auth["basic"].partition(":")
            self._auth = httpx.BasicAuth(user, password)
        self._record_path = jmespath.compile(config.record_path) if config.record_path else None
        self._counts_path = jmespath.compile(config.counts_path) if config.counts_path else None
        templates = json.dumps([config.record_url, config.query, config.body])
        self._batched = IDS in templates and self._matcher.by_field
        self._concurrency = max(1, concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._cursor = 0  # where :meth:`probe`'s rotating window starts

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
        if query:
            # Added to the URL's own query (httpx 0.28's ``params`` would replace it:
            # ``record_url: .../logs?api-version=...`` lost its api-version).
            url = str(httpx.URL(url).copy_merge_params(query))
        limit = self._config.max_answer_bytes
        try:
            # build_request + send(stream=True), past httpx.Client's layers when they add
            # nothing (sending/fast_lane.py).
            response = fast_lane.request(
                self._client,
                method,
                url,
                json=body if method == "POST" else None,
                headers=self._headers,
                auth=self._auth,
                stream=True,
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

    def _url_length(self, ids: Sequence[str]) -> int:
        """The length of the URL a query for ``ids`` is sent to (its query string too)."""
        url = self._fill(self._config.record_url, ids, url=True)
        query = self._fill(dict(self._config.query), ids)
        full = httpx.URL(url)
        return len(str(full.copy_merge_params(query) if query else full))

    def batches(self, ids: Sequence[str]) -> list[Sequence[str]]:
        """``ids`` cut into queries of at most :data:`MAX_BATCH_IDS` ids whose URL stays
        within :data:`MAX_URL_LENGTH` characters (halved until it fits; one id alone is
        asked for whatever its length: the server judges it)."""
        pending = [ids[i : i + MAX_BATCH_IDS] for i in range(0, len(ids), MAX_BATCH_IDS)]
        fitted: list[Sequence[str]] = []
        while pending:
            chunk = pending.pop(0)
            if len(chunk) > 1 and self._url_length(chunk) > MAX_URL_LENGTH:
                half = len(chunk) // 2
                pending[:0] = [chunk[:half], chunk[half:]]
            else:
                fitted.append(chunk)
        return fitted

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
            if self._matcher.by_field and set(ids) <= {self._matcher.id_of(r) for r in found}:
                break
            page += 1
        return found

    def _fetch(self, ids: Sequence[str]) -> dict[str, LogRecord]:
        return self._matcher.match(self._query(ids), ids)

    def _run(self, queries: Sequence[Sequence[str]]) -> dict[str, LogRecord]:
        """Every query, ``concurrency`` at a time; a store error in any of them is raised
        once all have ended."""
        found: dict[str, LogRecord] = {}
        if len(queries) <= 1 or self._concurrency == 1:
            for ids in queries:
                found.update(self._fetch(ids))
            return found
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self._concurrency, thread_name_prefix="tagsmoke-poll"
            )
        futures = [self._pool.submit(self._fetch, ids) for ids in queries]
        error: LogStoreError | None = None
        for future in futures:
            try:
                found.update(future.result())
            except LogStoreError as exc:
                error = error or exc
        if error is not None:
            raise error
        return found

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """Every id asked for: in batches, or one query per id, ``concurrency`` at a time."""
        if self._batched and len(correlation_ids) > 1:
            return self._run(self.batches(correlation_ids))
        return self._run([[correlation_id] for correlation_id in correlation_ids])

    def _sweep(self, ids: Sequence[str], on_found: OnFound | None) -> dict[str, LogRecord]:
        """``ids`` one window of ``concurrency`` queries after another, while a window
        finds at least half of its ids (records show up about in the order they were
        sent: a window that finds less holds where they stop). ``on_found`` hears each
        window's records as it ends: a sweep that follows records as they come may last
        as long as the sending did."""
        found: dict[str, LogRecord] = {}
        width = self._concurrency
        for start in range(0, len(ids), width):
            window = ids[start : start + width]
            got = self._run([[i] for i in window])
            found.update(got)
            if got and on_found is not None:
                on_found(got)
            if 2 * len(got) < len(window):
                break
        return found

    def probe(
        self, correlation_ids: Sequence[str], on_found: OnFound | None = None
    ) -> dict[str, LogRecord]:
        """One sweep. A batched store is asked for every id. A store asked one id per
        query is swept from the oldest id (records show up about in the order they were
        sent), window by window while windows find records; a sweep that finds nothing
        there asks a window that rotates through the rest (a record that never comes
        cannot hold the others back): a sweep before the ingestion lag costs two windows,
        not one query per scenario. An id this skips is asked at the deadline all the same
        (``wait_for_records``)."""
        if self._batched:
            return self.fetch_many(correlation_ids)
        found = self._sweep(correlation_ids, on_found)
        # The sweep always asked the first window: the rotating one looks elsewhere.
        rest = list(correlation_ids[self._concurrency :])
        if rest and not found:
            start = self._cursor % len(rest)
            self._cursor = start + self._concurrency
            found.update(self._sweep(rest[start:] + rest[:start], on_found))
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

    def records_in(self, window: TimeWindow) -> None:
        """A window is the audit's to scan (``audit.source``: pages of a listing API)."""

    def close(self) -> None:
        """Stop the polling threads; the HTTP client belongs to the run."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


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
