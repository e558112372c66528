"""The census over an HTTP log API that lists records in pages.

An API cannot group for us, so records are listed page by page — up to
``audit.source.max_records`` — and counted by the streaming census as they arrive. When the
bound stops the listing before the store ran out, the census is marked partial: its counts
describe the records read, not the window.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import jmespath

from pytest_tagsmoke.audit.config import iso
from pytest_tagsmoke.audit.source_types import AuditStoreError, ReadNotes
from pytest_tagsmoke.audit.stream_census import StreamCensus
from pytest_tagsmoke.safety.redaction import redact_url

if TYPE_CHECKING:
    from pytest_tagsmoke.audit.census import Group
    from pytest_tagsmoke.audit.config import SourceConfig
    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.source_types import Reading

TIMEOUT = 30.0


class HttpCensus:
    def __init__(self, config: SourceConfig, reading: Reading, endpoint: str) -> None:
        self.notes = ReadNotes(engine="http")
        self._config = config
        self._census = StreamCensus(
            config, reading.window, reading.seed, reading.production, reading.pool_size
        )
        fill = {
            "{endpoint}": endpoint.rstrip("/"),
            "{since}": iso(reading.window.since),
            "{until}": iso(reading.window.until),
        }

        def template(text: str) -> str:
            for key, value in fill.items():
                text = text.replace(key, value)
            return text

        self._url = template(config.url or "")
        self._query = {k: template(v) for k, v in config.query.items()}
        headers = dict(config.headers)
        if "bearer" in config.auth:
            headers["Authorization"] = f"Bearer {config.auth['bearer']}"
        self._client = httpx.Client(headers=headers, timeout=TIMEOUT)
        self._record_path = jmespath.compile(config.record_path) if config.record_path else None
        self._read = False

    def _get(self, query: dict[str, str]) -> Any:
        shown = redact_url(self._url)  # no password, no query value
        try:
            # The query added to the URL's own (httpx 0.28's ``params`` would replace it,
            # even when empty: ``url: .../api?token=...&since={since}`` lost both).
            response = self._client.get(httpx.URL(self._url).copy_merge_params(query))
        except httpx.TransportError as exc:
            raise AuditStoreError(
                f"log API at {shown} is unreachable: {type(exc).__name__}"
            ) from None
        if response.status_code >= 400:
            raise AuditStoreError(f"log API at {shown} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise AuditStoreError(
                f"log API at {shown} answered with something that is not JSON"
            ) from None

    def _records(self, document: Any) -> list[Any]:
        if self._record_path is not None and document is not None:
            document = self._record_path.search(document)
        if document is None:
            return []
        if not isinstance(document, list):
            raise AuditStoreError(
                "the log API's answer is not a list of records (check audit.source.record_path)"
            )
        return document

    def _list(self) -> None:
        config = self._config
        pages = config.pages
        bound = config.max_records
        read = 0
        if not pages:
            records = self._records(self._get(self._query))
            self.notes.rows_fetched += len(records)
            if self._take(records, bound) < len(records):
                self._partial(bound)
            return
        page = int(pages.get("start", 1))
        size = pages.get("size")
        while True:
            query = {**self._query, pages["param"]: str(page)}
            if size and pages.get("size_param"):
                query[pages["size_param"]] = str(size)
            records = self._records(self._get(query))
            self.notes.rows_fetched += len(records)
            if not records:
                return
            if read >= bound:  # a page beyond the bound holds records: the census is partial
                self._partial(bound)
                return
            taken = self._take(records, bound - read)
            read += taken
            if taken < len(records):
                self._partial(bound)
                return
            if size and len(records) < size:
                return
            page += 1

    def _partial(self, bound: int) -> None:
        self.notes.partial = True
        self.notes.partial_reason = (
            f"the listing was stopped at audit.source.max_records = {bound} records; "
            "the store holds more"
        )

    def _take(self, records: list[Any], room: int) -> int:
        add = self._census.add_document
        for record in records[:room]:
            if isinstance(record, dict):
                add(record)
            else:
                self.notes.malformed += 1
                if len(self.notes.malformed_examples) < 5:
                    self.notes.malformed_examples.append(
                        f"a listed record is not a JSON object: {type(record).__name__}"
                    )
        return min(len(records), room)

    def groups(self) -> list[Group]:
        if not self._read:
            self._list()
            self._read = True
        groups = self._census.groups()
        self.notes.census_rows = len(groups)
        return groups

    def candidates(self, stratum: Stratum, limit: int) -> list[dict[str, Any]]:
        return self._census.candidates(stratum, limit)

    def close(self) -> None:
        self._client.close()
