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

A primary key column of a ``WITHOUT ROWID`` table cannot hold NULL, and it holds ``1``
and ``1.0`` as one key, where the field expressions tell them apart (``'1'``, ``'1.0'``).
So each key column holds ``coalesce(value, 0)``, and one more key column, ``flags``,
records per value whether it was NULL and whether it was a real number (bit 0 is
``traced``): the groups are exactly the plain GROUP BY's, and :func:`_restored` gives
the NULLs back before the second step.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from sqlglot import exp

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


def _upsert(query: CensusQuery) -> str:
    """One statement: every record in the window counted into its group."""
    raw = query.raw_columns()
    flags: exp.Expr = query.traced()
    for index, value in enumerate(raw):
        null = exp.Is(this=value.copy(), expression=exp.Null())
        real = exp.EQ(this=exp.func("typeof", value.copy()), expression=exp.Literal.string("real"))
        flags = exp.Add(this=flags, expression=_flag(null, _null_bit(index)))
        flags = exp.Add(this=flags, expression=_flag(real, _null_bit(index) << 1))
    # The day is text or NULL: 0 stands for NULL without a flag.
    keys = [_or_zero(value) for value in [*raw, query.day()]]
    selected: list[exp.Expr] = [*keys, flags, exp.Literal.number(1)]
    counted = ["records"]
    if query.tokens_mapped:
        selected.append(query.raw_values()[-1])
        counted.append("tokens")
    scan = exp.select(*selected).from_(query.table.copy()).where(query.in_window())
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
    keys = [*_key_names(query), FLAGS]
    columns = [*keys, "records", *(["tokens"] if query.tokens_mapped else [])]
    quoted = [exp.to_identifier(n, quoted=True).sql(dialect="sqlite") for n in columns]
    table = exp.to_identifier(RAW_TABLE, quoted=True).sql(dialect="sqlite")
    return (
        f"CREATE TEMP TABLE {table} ({', '.join(quoted)}, "
        f"PRIMARY KEY ({', '.join(quoted[: len(keys)])})) WITHOUT ROWID"
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
    day = exp.Nullif(this=_column(day_key), expression=exp.Literal.number(0))
    columns.append(exp.alias_(day, "day", quoted=True))
    traced = exp.BitwiseAnd(this=_column(FLAGS), expression=exp.Literal.number(1))
    columns.append(exp.alias_(traced, "traced", quoted=True))
    columns += [_column(n) for n in names[len(columns) :]]
    return exp.select(*columns).from_(exp.to_table(RAW_TABLE, quoted=True)).subquery("raw_groups")


def sqlite_census_rows(path: Path, query: CensusQuery) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The census query's rows (as :meth:`CensusQuery.groups` returns them) and the SQL
    run to get them; a failure raises :class:`sqlite3.Error`."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(_create(query))
        upsert = _upsert(query)
        conn.execute(upsert)
        regroup = query.regroup(_restored(query)).sql(dialect="sqlite")
        return conn.execute(regroup).fetchall(), [upsert, regroup]
    finally:
        conn.close()
