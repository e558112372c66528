"""The census pushed down to a SQL store: SQLite (standard library) or PostgreSQL (psycopg).

Fields are SQL expressions in the store's dialect (``json_extract(tags, '$.owner')`` in
SQLite, ``tags ->> 'owner'`` in PostgreSQL); the queries are rendered by sqlglot. Values
reach SQL only as literals sqlglot quotes; the connection is read-only where the engine
allows it.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.audit.census import Group
from pytest_tagsmoke.audit.config import read_dimensions
from pytest_tagsmoke.audit.source import AuditStoreError, ReadNotes
from pytest_tagsmoke.audit.sql_query import (
    CensusQuery,
    QueryError,
    parse_fields,
    table_expression,
)
from pytest_tagsmoke.logstore.sql_connect import (
    PostgresConnection,
    SqlConnectError,
    SqliteConnection,
    sqlite_path,
)

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence
    from pathlib import Path

    from pytest_tagsmoke.audit.config import SourceConfig, Window
    from pytest_tagsmoke.audit.sample import Stratum


def dialect_of(config: SourceConfig) -> str:
    if config.dialect:
        return config.dialect
    url = config.url or ""
    return "sqlite" if url.startswith("sqlite:") else "postgres"


def build_query(
    config: SourceConfig, window: Window, seed: int, dimensions: Sequence[str]
) -> CensusQuery:
    dialect = dialect_of(config)
    try:
        fields = parse_fields(config.fields, dialect)
        table = table_expression(config.table or "", dialect)
    except QueryError as exc:
        raise AuditStoreError(str(exc)) from None
    return CensusQuery(fields, table, window, seed, dimensions)


def _md5(text: str | None) -> str | None:
    if text is None:
        return None
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class SqlCensus:
    def __init__(
        self,
        config: SourceConfig,
        window: Window,
        seed: int,
        base_dir: Path,
        dimensions: Sequence[str] = (),
    ) -> None:
        self.dialect = dialect_of(config)
        self.query = build_query(config, window, seed, dimensions or read_dimensions(config))
        self.notes = ReadNotes(engine=self.dialect)
        url = config.url or ""
        try:
            if url.startswith("sqlite:///"):
                path = sqlite_path(url, base_dir)
                if not path.is_file():
                    raise AuditStoreError(f"SQLite log store {path}: no such file")
                self._db: SqliteConnection | PostgresConnection = SqliteConnection(
                    path, eager=True, prepare=_prepare_sqlite
                )
            else:
                self._db = PostgresConnection(url, eager=True, label="store")
        except SqlConnectError as exc:
            raise AuditStoreError(str(exc)) from None

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        self.notes.queries.append(sql)
        try:
            rows = self._db.rows(sql)
        except SqlConnectError as exc:
            raise AuditStoreError(str(exc)) from None
        self.notes.rows_fetched += len(rows)
        return rows

    def groups(self) -> list[Group]:
        query = self.query
        # SQLite groups by sorting: group the raw columns first (see groups_in_two_steps).
        select = query.groups_in_two_steps() if self.dialect == "sqlite" else query.groups()
        rows = self._rows(select.sql(dialect=self.dialect))
        self.notes.census_rows = len(rows)
        count = len(query.text_fields)
        groups = []
        for row in rows:
            values = dict(zip(query.text_fields, row[:count], strict=False))
            tokens = row[count + 3] if query.tokens_mapped else None
            groups.append(
                Group(
                    values=values,
                    day=row[count],
                    traced=bool(row[count + 1]),
                    records=int(row[count + 2]),
                    tokens=int(tokens or 0) if query.tokens_mapped else None,
                )
            )
        return groups

    def candidates(self, stratum: Stratum, limit: int) -> list[dict[str, Any]]:
        select = self.query.candidates(stratum, limit)
        names = [e.alias_or_name for e in select.expressions]
        return [
            dict(zip(names, row, strict=False))
            for row in self._rows(select.sql(dialect=self.dialect))
        ]

    def close(self) -> None:
        self._db.close()


def _prepare_sqlite(connection: sqlite3.Connection) -> None:
    # The sample key is an MD5, as in PostgreSQL and the analytical engines.
    connection.create_function("md5", 1, _md5, deterministic=True)
    # GROUP BY sorts in SQLite (it has no hash aggregate): let the sorter use two cores.
    connection.execute("PRAGMA threads = 2")
