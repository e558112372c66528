"""SQL log store: SQLite (standard library) or PostgreSQL (psycopg, the ``postgres`` extra).

Queries are parameterized only: write ``:correlation_id`` (named parameters) in the query;
values never become SQL text.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.logstore.base import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.matching import IdMatcher
from pytest_tagsmoke.logstore.sql_connect import (
    PostgresConnection,
    SqlConnectError,
    SqliteConnection,
    is_sqlite_url,
    sqlite_path,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pytest_tagsmoke.logstore.base import OnFound, TimeWindow
    from pytest_tagsmoke.logstore.mapping import FieldMapper
    from pytest_tagsmoke.logstore.settings import SqlSettings
    from pytest_tagsmoke.logstore.sql_connect import SqlConnection

IDS = ":correlation_ids"
BATCH = 500  # ids per query, well under SQLite's limit on parameters


class SqlLogStore:
    def __init__(self, settings: SqlSettings, base_dir: Path, mapper: FieldMapper) -> None:
        if not settings.url or not settings.query:
            raise LogStoreError("the sql log store needs log_store.url and log_store.query")
        self._query = settings.query
        self._counts_query = settings.counts_query
        self._matcher = IdMatcher(mapper, settings.id_field)
        # Rows asked for one id belong to it, whatever id field they carry.
        self._one_id = IdMatcher(mapper, None)
        self._batched = IDS in self._query and self._matcher.by_field
        if is_sqlite_url(settings.url):
            self._db: SqlConnection = SqliteConnection(sqlite_path(settings.url, base_dir))
        elif settings.url.startswith(("postgresql://", "postgres://")):
            try:
                self._db = PostgresConnection(settings.url)
            except SqlConnectError as exc:
                raise LogStoreError(str(exc)) from None
        else:
            raise LogStoreError("log_store.url must start with sqlite:/// or postgresql://")

    def _rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return self._db.dict_rows(query, params)
        except SqlConnectError as exc:
            raise LogStoreError(str(exc)) from None

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        if self._batched:
            return self._fetch_batched(correlation_ids)
        found: dict[str, LogRecord] = {}
        for correlation_id in correlation_ids:
            rows = self._rows(self._query, {"correlation_id": correlation_id})
            self._one_id.match(rows, [correlation_id], found)
        return found

    def _fetch_batched(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """One query for many ids: ``:correlation_ids`` becomes ``:id0, :id1, …`` (still
        parameters, never SQL text); rows are matched to ids by ``id_field``."""
        found: dict[str, LogRecord] = {}
        for start in range(0, len(correlation_ids), BATCH):
            chunk = correlation_ids[start : start + BATCH]
            names = {f"id{i}": value for i, value in enumerate(chunk)}
            query = self._query.replace(IDS, ", ".join(f":{name}" for name in names))
            self._matcher.match(self._rows(query, names), found=found)
        return found

    def probe(
        self, correlation_ids: Sequence[str], on_found: OnFound | None = None
    ) -> dict[str, LogRecord]:
        """A tick asks for every id: one read answers them all (returned; ``on_found``
        has nothing to hear before)."""
        return self.fetch_many(correlation_ids)

    def bucket_counts(self) -> dict[str, int] | None:
        if not self._counts_query:
            return None
        counts: dict[str, int] = {}
        for row in self._rows(self._counts_query, {}):
            bucket, count = list(row.values())[:2]
            counts[str(bucket)] = int(count)
        return counts

    def list_records(self) -> None:
        """A table is queried by ids (and counted by ``counts_query``), never read whole."""

    def records_in(self, window: TimeWindow) -> None:
        """A window is the audit's to scan (``audit.source``), with its own queries."""

    def close(self) -> None:
        self._db.close()
