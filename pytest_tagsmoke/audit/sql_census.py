"""The census pushed down to a SQL store: SQLite (standard library) or PostgreSQL (psycopg).

Fields are SQL expressions in the store's dialect (``json_extract(tags, '$.owner')`` in
SQLite, ``tags ->> 'owner'`` in PostgreSQL); the queries are rendered by sqlglot. Values
reach SQL only as literals sqlglot quotes; the connection is read-only where the engine
allows it.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from pytest_tagsmoke.audit.groups import Group
from pytest_tagsmoke.audit.source_config import read_dimensions
from pytest_tagsmoke.audit.source_types import AuditStoreError, ReadNotes
from pytest_tagsmoke.audit.sql_query import (
    CensusQuery,
    QueryError,
    parse_fields,
    table_expression,
)
from pytest_tagsmoke.audit.sqlite_census import read_census
from pytest_tagsmoke.logstore.sql_connect import (
    PostgresConnection,
    SqlConnectError,
    SqliteConnection,
    sqlite_path,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.source_config import SourceConfig
    from pytest_tagsmoke.audit.window import Window


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
        self._sqlite_path: Path | None = None
        try:
            if url.startswith("sqlite:///"):
                path = sqlite_path(url, base_dir)
                if not path.is_file():
                    raise AuditStoreError(f"SQLite log store {path}: no such file")
                self._db: SqliteConnection | PostgresConnection = SqliteConnection(
                    path, eager=True, prepare=_prepare_sqlite
                )
                self._sqlite_path = path
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
        if self._sqlite_path is not None and self.dialect == "sqlite":
            # SQLite groups by sorting: count the raw columns' groups without a sort.
            try:
                rows, queries, fetched = read_census(self._sqlite_path, query)
            except sqlite3.Error as exc:
                raise AuditStoreError(f"SQLite log store {self._sqlite_path}: {exc}") from None
            self.notes.queries += queries
            self.notes.rows_fetched += fetched
        elif self.dialect == "postgres":
            rows = self._with_settings(POSTGRES_CENSUS_SETTINGS, query.groups())
        else:
            rows = self._rows(query.groups().sql(dialect=self.dialect))
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

    def _with_settings(self, settings: Mapping[str, str], select: exp.Select) -> list[Any]:
        """The query's rows with the session's settings changed for it, then restored."""
        names = list(settings)
        restore = self._rows(
            "SELECT " + ", ".join(f"current_setting({_quoted(name)})" for name in names)
        )[0]
        self._rows(_set_config(settings))
        try:
            return self._rows(select.sql(dialect=self.dialect))
        finally:
            self._rows(_set_config(dict(zip(names, restore, strict=False))))

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


#: PostgreSQL's planner cannot estimate how few groups the census has (its keys are
#: expressions), so it sorts a million records to group them and spills the sort to disk;
#: a hash aggregate keeps one entry per group. JIT compiling the query costs more than
#: it saves on a one-off scan. With the same wrong estimate, the planner prices sending a
#: million rows from parallel workers above scanning alone: free parallel set-up and rows
#: let the scan and the filter run on the workers the server allows
#: (``max_parallel_workers_per_gather``; 1.9 -> 1.4 s for a million records here).
POSTGRES_CENSUS_SETTINGS = {
    "enable_sort": "off",
    "jit": "off",
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
}


def _quoted(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="postgres")


def _set_config(settings: Mapping[str, str]) -> str:
    return "SELECT " + ", ".join(
        f"set_config({_quoted(name)}, {_quoted(value)}, false)" for name, value in settings.items()
    )
