"""SQLite's census on two cores: the table's rowid range in two halves, each counted on its
own read-only connection in its own thread (the sqlite3 module lets go of the GIL while a
statement runs), and the two halves' census rows added up.

The halves are ``rowid < middle`` and ``rowid >= middle``: a rowid is a non-NULL integer,
so every record is in exactly one. The census rows add up exactly: a group's records are
summed, and its tokens as SQL's SUM does (NULL only where both halves have NULL). Where
there is no rowid to split on (a ``WITHOUT ROWID`` table, a view, a table whose columns
take all three of the rowid's names) or the table is small, one connection reads it all.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlglot import exp

from pytest_tagsmoke.audit.split_threshold import split_threshold

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

#: Tables spanning fewer rowids than this are read on one connection (the environment
#: variable ``TAGSMOKE_SQLITE_SPLIT_FROM`` changes it: 1 always splits).
SPLIT_FROM = 100_000
SPLIT_FROM_VARIABLE = "TAGSMOKE_SQLITE_SPLIT_FROM"
ROWID_NAMES = ("rowid", "_rowid_", "oid")

Row = tuple[Any, ...]


class CensusRead(NamedTuple):
    rows: list[Row]
    queries: list[str]
    rows_fetched: int


def split_from() -> int:
    """The rowid span from which a table is read in two halves."""
    return split_threshold(SPLIT_FROM_VARIABLE, SPLIT_FROM, "rowids")


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection whose temporary tables stay in memory."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def census_on_own_connection(path: Path, statements: Sequence[str]) -> list[Row]:
    """Run the statements on a new connection; the last one's rows."""
    with closing(connect(path)) as conn:
        for sql in statements[:-1]:
            conn.execute(sql)
        return conn.execute(statements[-1]).fetchall()


def _rowid_name(conn: sqlite3.Connection, table: exp.Table) -> str | None:
    """A name that means the table's rowid: one no declared column takes."""
    arguments = [table.name, *([table.db] if table.db else [])]
    marks = ", ".join("?" * len(arguments))
    columns = {
        str(name).lower()
        for (name,) in conn.execute(f"SELECT name FROM pragma_table_xinfo({marks})", arguments)
    }
    return next((name for name in ROWID_NAMES if name not in columns), None)


def rowid_halves(path: Path, table: exp.Expr, split_from: int) -> list[exp.Expr] | None:
    """The two conditions splitting the table's rowid range in the middle, or None where
    one connection reads it (no rowid, fewer than ``split_from`` rowids)."""
    if not isinstance(table, exp.Table):
        return None
    with closing(connect(path)) as conn:
        name = _rowid_name(conn, table)
        if name is None:
            return None
        rowid = exp.column(name)
        span = exp.select(exp.Min(this=rowid.copy()), exp.Max(this=rowid.copy())).from_(table)
        try:
            low, high = conn.execute(span.sql(dialect="sqlite")).fetchone()
        except sqlite3.OperationalError:  # no such column: a WITHOUT ROWID table
            return None
    # A view's rowid is NULL; an empty table has none.
    if not isinstance(low, int) or not isinstance(high, int) or high - low + 1 < split_from:
        return None
    middle = exp.Literal.number(low + (high - low + 1) // 2)
    return [
        exp.LT(this=rowid.copy(), expression=middle),
        exp.GTE(this=rowid.copy(), expression=middle.copy()),
    ]


def in_threads(path: Path, parts: Sequence[Sequence[str]]) -> list[list[Row]]:
    """Each part's statements on its own connection, all parts at once."""
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        futures = [pool.submit(census_on_own_connection, path, part) for part in parts]
        return [future.result() for future in futures]


def add_up(results: Sequence[Sequence[Row]], records_at: int, *, tokens: bool) -> list[Row]:
    """Census rows with equal keys (the values before ``records_at``) added up: records
    summed, tokens as SQL's SUM adds them (NULLs skipped, NULL where all are)."""
    totals: dict[Row, list[Any]] = {}
    for rows in results:
        for row in rows:
            key = row[:records_at]
            total = totals.get(key)
            if total is None:
                totals[key] = list(row[records_at:])
                continue
            total[0] += row[records_at]
            if tokens and row[records_at + 1] is not None:
                total[1] = row[records_at + 1] + (total[1] or 0)
    return [(*key, *total) for key, total in totals.items()]
