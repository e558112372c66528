"""The census query's first step inside SQLite, without a sort.

SQLite groups by sorting (it has no hash aggregate), and sorting a million records costs
several times the scan. Here the scan feeds an aggregate function registered on the
connection, which adds each record to a table of counts keyed by the raw columns the
fields read (a tags column, a service column; few distinct values), the day and whether
the record is traceable. Those groups go to a temporary table and the census query's
second step (:meth:`CensusQuery.regroup`) evaluates the field expressions once per group,
in SQL, as before. Nothing reaches the log store itself: the connection is read-only, and
the temporary table lives in the connection's own temporary database.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from sqlglot import exp

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.audit.sql_query import CensusQuery

AGGREGATE = "tagsmoke_raw_groups"
RAW_TABLE = "tagsmoke_raw_groups"


def _counter(counts: dict[tuple[Any, ...], list[Any]], tokens_mapped: bool) -> type:
    """The aggregate's class: SQLite makes one per query and calls ``step`` per record."""
    if tokens_mapped:

        class WithTokens:
            def step(self, *row: Any) -> None:
                key = row[:-1]
                entry = counts.get(key)
                if entry is None:
                    counts[key] = [1, row[-1]]
                    return
                entry[0] += 1
                tokens = row[-1]
                if tokens is not None:  # SUM skips NULL; all NULL stays NULL
                    entry[1] = tokens if entry[1] is None else entry[1] + tokens

            def finalize(self) -> int:
                return len(counts)

        return WithTokens

    class Records:
        def step(self, *key: Any) -> None:
            entry = counts.get(key)
            if entry is None:
                counts[key] = [1]
            else:
                entry[0] += 1

        def finalize(self) -> int:
            return len(counts)

    return Records


def sqlite_census_rows(path: Path, query: CensusQuery) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The census query's rows (as :meth:`CensusQuery.groups` returns them) and the SQL
    run to get them; a failure raises :class:`sqlite3.Error`."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts: dict[tuple[Any, ...], list[Any]] = {}
    try:
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.create_aggregate(AGGREGATE, -1, _counter(counts, query.tokens_mapped))
        scan = (
            exp.select(exp.Anonymous(this=AGGREGATE, expressions=query.raw_values()))
            .from_(query.table.copy())
            .where(query.in_window())
            .sql(dialect="sqlite")
        )
        conn.execute(scan).fetchall()
        names = query.raw_names()
        table = exp.to_identifier(RAW_TABLE, quoted=True).sql(dialect="sqlite")
        quoted = [exp.to_identifier(n, quoted=True).sql(dialect="sqlite") for n in names]
        conn.execute(f"CREATE TEMP TABLE {table} ({', '.join(quoted)})")
        conn.executemany(
            f"INSERT INTO {table} VALUES ({', '.join('?' * len(names))})",
            ((*key, *figures) for key, figures in counts.items()),
        )
        regroup = query.regroup(exp.to_table(RAW_TABLE, quoted=True)).sql(dialect="sqlite")
        return conn.execute(regroup).fetchall(), [scan, regroup]
    finally:
        conn.close()
