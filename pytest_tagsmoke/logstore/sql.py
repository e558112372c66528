"""SQL log store: SQLite (standard library) or PostgreSQL (psycopg, the ``postgres`` extra).

Queries are parameterized only: write ``:correlation_id`` (named parameters) in the query;
values never become SQL text.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jmespath

from pytest_tagsmoke.logstore import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.mapping import scalar

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pytest_tagsmoke.logstore.mapping import FieldMapper
    from pytest_tagsmoke.profile import LogStoreConfig

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
IDS = ":correlation_ids"
BATCH = 500  # ids per query, well under SQLite's limit on parameters


class SqlLogStore:
    def __init__(self, config: LogStoreConfig, base_dir: Path, mapper: FieldMapper) -> None:
        if not config.url or not config.query_sql:
            raise LogStoreError("the sql log store needs log_store.url and log_store.query")
        self._mapper = mapper
        self._query = config.query_sql
        self._counts_query = config.counts_query
        self._id_field = jmespath.compile(config.id_field) if config.id_field else None
        self._batched = IDS in self._query and self._id_field is not None
        if config.url.startswith("sqlite:///"):
            path = Path(config.url[len("sqlite:///") :])
            self._db: _Database = _SQLite(path if path.is_absolute() else base_dir / path)
        elif config.url.startswith(("postgresql://", "postgres://")):
            self._db = _Postgres(config.url)
        else:
            raise LogStoreError("log_store.url must start with sqlite:/// or postgresql://")

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        if self._batched:
            return self._fetch_batched(correlation_ids)
        found: dict[str, LogRecord] = {}
        for correlation_id in correlation_ids:
            rows = self._db.rows(self._query, {"correlation_id": correlation_id})
            if rows:
                found[correlation_id] = LogRecord(self._mapper.map(rows[0]), count=len(rows))
        return found

    def _fetch_batched(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """One query for many ids: ``:correlation_ids`` becomes ``:id0, :id1, …`` (still
        parameters, never SQL text); rows are matched to ids by ``id_field``."""
        assert self._id_field is not None
        matched: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(correlation_ids), BATCH):
            chunk = correlation_ids[start : start + BATCH]
            names = {f"id{i}": value for i, value in enumerate(chunk)}
            query = self._query.replace(IDS, ", ".join(f":{name}" for name in names))
            for row in self._db.rows(query, names):
                key = scalar(self._id_field.search(row))
                if key is not None:
                    matched.setdefault(key, []).append(row)
        return {
            key: LogRecord(self._mapper.map(rows[0]), count=len(rows))
            for key, rows in matched.items()
        }

    def probe(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """A tick asks for every id: one read answers them all."""
        return self.fetch_many(correlation_ids)

    def bucket_counts(self) -> dict[str, int] | None:
        if not self._counts_query:
            return None
        counts: dict[str, int] = {}
        for row in self._db.rows(self._counts_query, {}):
            bucket, count = list(row.values())[:2]
            counts[str(bucket)] = int(count)
        return counts

    def list_records(self) -> None:
        """A table is queried by ids (and counted by ``counts_query``), never read whole."""

    def close(self) -> None:
        self._db.close()


class _Database:
    def rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _SQLite(_Database):
    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            if self._conn is None:
                # Read-only: the harness never writes to a gateway's log store.
                self._conn = sqlite3.connect(
                    f"file:{self._path}?mode=ro", uri=True, check_same_thread=False
                )
                self._conn.row_factory = sqlite3.Row
            return [dict(row) for row in self._conn.execute(query, params).fetchall()]
        except sqlite3.Error as exc:
            raise LogStoreError(f"SQLite log store {self._path}: {exc}") from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class _Postgres(_Database):
    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise LogStoreError(
                "a postgresql:// log store needs psycopg: pip install 'pytest-tagsmoke[postgres]'"
            ) from None
        self._psycopg = psycopg
        self._url = url
        self._conn: Any = None

    def rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        try:
            if self._conn is None:
                self._conn = self._psycopg.connect(
                    self._url, autocommit=True, row_factory=dict_row, connect_timeout=5
                )
            with self._conn.cursor() as cursor:
                cursor.execute(_NAMED.sub(r"%(\1)s", query.replace("%", "%%")), params)
                result: Iterable[dict[str, Any]] = cursor.fetchall()
                return list(result)
        except self._psycopg.Error as exc:
            # The message may quote the URL: say only what kind of error it was.
            raise LogStoreError(
                f"PostgreSQL log store: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}"
            ) from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
