"""The census query's first step inside SQLite, without a sort and without Python per record.

SQLite groups by sorting (it has no hash aggregate), and sorting a million records costs
several times the scan. Here one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` (an upsert)
scans the window and adds each record to a temporary table keyed by the raw columns the
fields read (a tags column, a service column; few distinct values), the day and whether
the record is traceable: a B-tree lookup among a few thousand groups per record, all in
C. The census query's second step (:meth:`CensusQuery.regroup`) then evaluates the field
expressions once per group, in SQL, as before. Nothing reaches the log store itself: the
connection is read-only, and the temporary table lives in the connection's own temporary
database.

A UNIQUE key holds NULLs apart and holds ``1`` and ``1.0`` as one key, where the field
expressions tell them apart (``'1'``, ``'1.0'``). So each raw key column holds
``coalesce(value, 0)``, the day key '' for no day, and one more key column, ``flags``,
records per value whether it was NULL and whether it was a real number (bit 0 is
``traced``): the groups are exactly the plain GROUP BY's, and :func:`_restored` gives
the NULLs back before the second step. Per record the scan avoids function calls where
it can (``NULLIF`` copies its argument; ``typeof`` only runs for values that are not
text): about 10,600 instructions per record against 14,800 (callgrind, 100,000 records).
A large table is read in two halves at once (:mod:`.sqlite_halves`).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from pytest_tagsmoke.audit.sqlite_halves import (
    CensusRead,
    add_up,
    census_on_own_connection,
    in_threads,
    rowid_halves,
    split_from,
)
from pytest_tagsmoke.audit.window import iso

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.audit.sql_query import CensusQuery

RAW_TABLE = "tagsmoke_raw_groups"
FLAGS = "flags"


def _column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _flag(condition: exp.Expr, bit: int) -> exp.Expr:
    """``bit`` when the condition holds, else 0 (a comparison is 0 or 1 in SQLite)."""
    return exp.Mul(this=exp.Literal.number(bit), expression=exp.Paren(this=condition))


def _null_bit(index: int) -> int:
    """The flag bit saying the ``index``-th raw column is NULL (the next bit: a real)."""
    return 2 << (2 * index)


def _or_zero(value: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=value.copy(), expressions=[exp.Literal.number(0)])


def _is_set(bit: int) -> exp.Expr:
    return exp.NEQ(
        this=exp.BitwiseAnd(this=_column(FLAGS), expression=exp.Literal.number(bit)),
        expression=exp.Literal.number(0),
    )


def _key_names(query: CensusQuery) -> list[str]:
    """The group values (raw columns, then the day) under names no field can collide with."""
    return [f"k{index}" for index in range(len(query.raw_columns()) + 1)]


def _missing(value: exp.Expr) -> exp.Expr:
    """1 where the value as text is NULL or empty, else 0: ``NULLIF(CAST(v AS TEXT), '')
    IS NULL`` (same collation) without a function call, which copies the value."""
    empty = exp.EQ(
        this=exp.cast(value.copy(), exp.DataType.Type.TEXT), expression=exp.Literal.string("")
    )
    return exp.Coalesce(this=empty, expressions=[exp.Literal.number(1)])


def _scan_values(query: CensusQuery) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
    """The window condition, the day key and the traced flag, each equal to the census
    query's own (:meth:`CensusQuery.in_window`, ``day``, ``traced``) without its NULLIF
    calls; the day key is '' where the day is NULL (a text key: the temporary table's
    UNIQUE key holds NULLs apart)."""
    stamp = query.fields["timestamp"]
    missing = _missing(stamp)
    inside = exp.and_(
        exp.GTE(this=stamp.copy(), expression=exp.Literal.string(iso(query.window.since))),
        exp.LT(this=stamp.copy(), expression=exp.Literal.string(iso(query.window.until))),
    )
    day = exp.Substring(
        this=exp.cast(stamp.copy(), exp.DataType.Type.TEXT),
        start=exp.Literal.number(1),
        length=exp.Literal.number(10),
    )
    day_key = exp.Case(ifs=[exp.If(this=missing.copy(), true=exp.Literal.string(""))]).else_(day)
    untraced = exp.or_(_missing(query.fields["id"]), missing.copy())
    traced = exp.Case(ifs=[exp.If(this=untraced, true=exp.Literal.number(0))]).else_(
        exp.Literal.number(1)
    )
    return exp.or_(inside, missing), day_key, traced


def _flags(query: CensusQuery, traced: exp.Expr) -> exp.Expr:
    """``traced`` plus, per raw column, whether its value is NULL and whether it is a real.

    Most values are text: ``COALESCE(v, NULL) >= ''`` holds exactly for text and blobs
    (COALESCE takes the column's affinity away, so a number is never compared as text),
    and then no ``typeof`` call is needed."""
    raw = query.raw_columns()
    kinds: exp.Expr = exp.Literal.number(0)
    for index, value in enumerate(raw):
        null = exp.Is(this=value.copy(), expression=exp.Null())
        real = exp.EQ(this=exp.func("typeof", value.copy()), expression=exp.Literal.string("real"))
        kinds = exp.Add(this=kinds, expression=_flag(null, _null_bit(index)))
        kinds = exp.Add(this=kinds, expression=_flag(real, _null_bit(index) << 1))
    plain = exp.and_(
        *[
            exp.GTE(
                this=exp.Coalesce(this=value.copy(), expressions=[exp.Null()]),
                expression=exp.Literal.string(""),
            )
            for value in raw
        ]
    )
    if not raw:
        return traced
    kinds = exp.Case(ifs=[exp.If(this=plain, true=exp.Literal.number(0))]).else_(kinds)
    return exp.Add(this=traced, expression=kinds)


def upsert_sql(query: CensusQuery, part: exp.Expr | None = None) -> str:
    """One statement: every record in the window (and in ``part``, a rowid range, if
    given) counted into its group."""
    raw = query.raw_columns()
    window, day_key, traced = _scan_values(query)
    keys = [_or_zero(value) for value in raw] + [day_key]
    selected: list[exp.Expr] = [*keys, _flags(query, traced), exp.Literal.number(1)]
    counted = ["records"]
    if query.tokens_mapped:
        selected.append(query.raw_values()[-1])
        counted.append("tokens")
    condition = window if part is None else exp.and_(exp.Paren(this=window), part)
    scan = exp.select(*selected).from_(query.table.copy()).where(condition)
    names = [*_key_names(query), FLAGS, *counted]
    # SUM's meaning for tokens: NULLs skipped, a group with none stays NULL.
    updates = [
        exp.EQ(
            this=_column("records"),
            expression=exp.Add(this=_column("records"), expression=exp.Literal.number(1)),
        )
    ]
    if query.tokens_mapped:
        added = exp.column("tokens", table="excluded", quoted=True)
        total = exp.Coalesce(
            this=exp.Add(this=_column("tokens"), expression=added),
            expressions=[_column("tokens"), added.copy()],
        )
        updates.append(exp.EQ(this=_column("tokens"), expression=total))
    insert = exp.Insert(
        this=exp.Schema(
            this=exp.to_table(RAW_TABLE, quoted=True), expressions=[_column(n) for n in names]
        ),
        expression=scan,
        conflict=exp.OnConflict(action=exp.var("DO UPDATE"), expressions=updates),
    )
    return insert.sql(dialect="sqlite")


def _create(query: CensusQuery) -> str:
    # A rowid table with a UNIQUE key: a record of a known group then costs a key lookup
    # and a rewrite of the group's row, where a WITHOUT ROWID table deletes and re-inserts.
    keys = [*_key_names(query), FLAGS]
    columns = [*keys, "records", *(["tokens"] if query.tokens_mapped else [])]
    quoted = [exp.to_identifier(n, quoted=True).sql(dialect="sqlite") for n in columns]
    table = exp.to_identifier(RAW_TABLE, quoted=True).sql(dialect="sqlite")
    return (
        f"CREATE TEMP TABLE {table} ({', '.join(quoted)}, "
        f"UNIQUE ({', '.join(quoted[: len(keys)])}))"
    )


def _restored(query: CensusQuery) -> exp.Expr:
    """The groups as :meth:`CensusQuery.regroup` reads them: NULLs back, named by
    :meth:`CensusQuery.raw_names`."""
    names = query.raw_names()
    columns: list[exp.Expr] = []
    *raw_keys, day_key = _key_names(query)
    for index, key in enumerate(raw_keys):
        value = exp.Case(ifs=[exp.If(this=_is_set(_null_bit(index)), true=exp.Null())]).else_(
            _column(key)
        )
        columns.append(exp.alias_(value, names[index], quoted=True))
    day = exp.Nullif(this=_column(day_key), expression=exp.Literal.string(""))
    columns.append(exp.alias_(day, "day", quoted=True))
    traced = exp.BitwiseAnd(this=_column(FLAGS), expression=exp.Literal.number(1))
    columns.append(exp.alias_(traced, "traced", quoted=True))
    columns += [_column(n) for n in names[len(columns) :]]
    return exp.select(*columns).from_(exp.to_table(RAW_TABLE, quoted=True)).subquery("raw_groups")


def census_statements(query: CensusQuery, part: exp.Expr | None = None) -> list[str]:
    """The statements one connection runs: create the groups table, count the records
    (of ``part`` only, if given) into it, read the census rows from it (the last)."""
    regroup = query.regroup(_restored(query)).sql(dialect="sqlite")
    return [_create(query), upsert_sql(query, part), regroup]


def sqlite_census_rows(
    path: Path, query: CensusQuery, split: int | None = None
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The census query's rows (as :meth:`CensusQuery.groups` returns them) and the SQL
    run to get them; a failure raises :class:`sqlite3.Error`."""
    rows, queries, _fetched = read_census(path, query, split)
    return rows, queries


def read_census(path: Path, query: CensusQuery, split: int | None = None) -> CensusRead:
    """The census rows, the SQL run and how many rows were fetched. A table spanning at
    least ``split`` rowids (default: :func:`.sqlite_halves.split_from`) is read in two
    halves of its rowid range at once, each on its own connection and thread; the halves'
    rows are added up."""
    halves = rowid_halves(path, query.table, split_from() if split is None else split)
    if halves is None:
        statements = census_statements(query)
        rows = census_on_own_connection(path, statements)
        return CensusRead(rows, statements[1:], len(rows))
    parts = [census_statements(query, half) for half in halves]
    results = in_threads(path, parts)
    records_at = len(query.text_fields) + 2
    rows = add_up(results, records_at, tokens=query.tokens_mapped)
    queries = [sql for statements in parts for sql in statements[1:]]
    return CensusRead(rows, queries, sum(len(result) for result in results))
