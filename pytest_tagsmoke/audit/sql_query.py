"""The census and sample queries, built once with sqlglot's expression builder and rendered
for each engine (SQLite, PostgreSQL, DuckDB; ClickHouse, BigQuery, Trino and the rest of
sqlglot's dialects for a user's own warehouse).

The census query groups by the distinct values of the mapped fields plus the day and
whether the record is traceable, and returns a count and a token sum per group: what
crosses the wire grows with tag cardinality, not with traffic. It never judges a record;
:func:`pytest_tagsmoke.policy.tag_policy.classify` does, in Python, once per group.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from pytest_tagsmoke.audit.groups import NO_SERVICE
from pytest_tagsmoke.audit.source_config import TOKEN_FIELD
from pytest_tagsmoke.audit.window import iso

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.window import Window

#: Grouped text fields, in the order the census query returns them (then day, traced).
GROUP_TEXT = ("service", "request_class")
RECORD_FIELDS = ("id", "timestamp", "source_record")


class QueryError(ValueError):
    """A field expression that is not SQL in the source's dialect."""


def parse_fields(fields: Mapping[str, str], dialect: str) -> dict[str, exp.Expr]:
    """Each field's expression, parsed in the dialect the profile writes it in."""
    parsed: dict[str, exp.Expr] = {}
    for name, text in fields.items():
        try:
            parsed[name] = sqlglot.parse_one(text, read=dialect)
        except sqlglot.errors.ParseError as exc:
            raise QueryError(
                f"audit.source.fields.{name}: {text!r} is not a {dialect} SQL expression "
                f"({str(exc).splitlines()[0]})"
            ) from None
        if parsed[name].find(exp.Select) is not None:
            raise QueryError(f"audit.source.fields.{name}: a field is an expression, not a query")
    return parsed


def _text(expression: exp.Expr) -> exp.Expr:
    """The value as text; an empty string is no value (as the smoke test's mapping says)."""
    return exp.Nullif(
        this=exp.cast(expression.copy(), exp.DataType.Type.TEXT), expression=exp.Literal.string("")
    )


class CensusQuery:
    """The audit's queries over one table (or table function) and one window."""

    def __init__(
        self,
        fields: Mapping[str, exp.Expr],
        table: exp.Expr,
        window: Window,
        seed: int,
        dimensions: Sequence[str],
    ) -> None:
        self.fields = fields
        self.table = table
        self.window = window
        self.seed = seed
        self.text_fields = [*dimensions, *(f for f in GROUP_TEXT if f in fields)]
        self.tokens_mapped = TOKEN_FIELD in fields
        #: Columns grouped after ``traced`` (DuckDB's "malformed line" flag).
        self.extra: list[tuple[str, exp.Expr]] = []

    def text(self, name: str) -> exp.Expr:
        return _text(self.fields[name])

    def in_window(self) -> exp.Expr:
        """Inside [since, until), or without a timestamp (counted as missing_trace)."""
        stamp = self.fields["timestamp"]
        inside = exp.and_(
            exp.GTE(this=stamp.copy(), expression=exp.Literal.string(iso(self.window.since))),
            exp.LT(this=stamp.copy(), expression=exp.Literal.string(iso(self.window.until))),
        )
        return exp.or_(exp.Is(this=self.text("timestamp"), expression=exp.Null()), inside)

    def traced(self) -> exp.Expr:
        missing = exp.or_(
            exp.Is(this=self.text("id"), expression=exp.Null()),
            exp.Is(this=self.text("timestamp"), expression=exp.Null()),
        )
        return exp.Case(ifs=[exp.If(this=missing, true=exp.Literal.number(0))]).else_(
            exp.Literal.number(1)
        )

    def day(self) -> exp.Expr:
        return exp.Substring(
            this=self.text("timestamp"), start=exp.Literal.number(1), length=exp.Literal.number(10)
        )

    def groups(self) -> exp.Select:
        keys = [self.text(name) for name in self.text_fields] + [self.day(), self.traced()]
        keys += [expression for _, expression in self.extra]
        names = [*self.text_fields, "day", "traced", *(name for name, _ in self.extra)]
        columns: list[exp.Expr] = [
            exp.alias_(key, name, quoted=True) for key, name in zip(keys, names, strict=False)
        ]
        columns.append(exp.alias_(exp.Count(this=exp.Star()), "records", quoted=True))
        if self.tokens_mapped:
            columns.append(exp.alias_(exp.Sum(this=self._tokens()), "tokens", quoted=True))
        return (
            exp.select(*columns)
            .from_(self.table.copy())
            .where(self.in_window())
            .group_by(*[key.copy() for key in keys])
        )

    def _tokens(self) -> exp.Expr:
        return exp.TryCast(this=self.fields[TOKEN_FIELD].copy(), to=exp.DataType.build("bigint"))

    def raw_columns(self) -> list[exp.Column]:
        """The columns the grouped fields read (few distinct values: a tags column, a
        service column), each once."""
        raw: dict[str, exp.Column] = {}
        for name in self.text_fields:
            for column in self.fields[name].find_all(exp.Column):
                raw.setdefault(column.name, exp.column(column.name, quoted=True))
        return list(raw.values())

    def raw_values(self) -> list[exp.Expr]:
        """Per record, what the first step groups by (raw columns, day, traced) and then,
        where tokens are mapped, the record's tokens."""
        values: list[exp.Expr] = [*self.raw_columns(), self.day(), self.traced()]
        return values + ([self._tokens()] if self.tokens_mapped else [])

    def raw_names(self) -> list[str]:
        """Column names of the first step's groups, as :meth:`regroup` reads them."""
        names = [c.name for c in self.raw_columns()] + ["day", "traced", "records"]
        return names + (["tokens"] if self.tokens_mapped else [])

    def groups_in_two_steps(self) -> exp.Select:
        """The same result, for engines that sort to group: first group by the raw
        columns the fields read, then evaluate the field expressions once per group and
        add the groups up. Each record then costs a sort, not a JSON extraction per
        field."""
        keys: list[exp.Expr] = [*self.raw_columns(), self.day(), self.traced()]
        columns: list[exp.Expr] = [
            exp.alias_(value, name, quoted=True)
            for value, name in zip(keys, self.raw_names(), strict=False)
        ]
        columns.append(exp.alias_(exp.Count(this=exp.Star()), "records", quoted=True))
        if self.tokens_mapped:
            columns.append(exp.alias_(exp.Sum(this=self._tokens()), "tokens", quoted=True))
        inner = (
            exp.select(*columns)
            .from_(self.table.copy())
            .where(self.in_window())
            .group_by(*[key.copy() for key in keys])
        )
        return self.regroup(inner.subquery("raw_groups"))

    def regroup(self, raw_groups: exp.Expr) -> exp.Select:
        """The census from groups of raw columns (named as :meth:`raw_names` says): the
        field expressions evaluated once per group, the groups added up."""

        def unqualified(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column):
                return exp.column(node.name, quoted=True)
            return node

        outer_keys = [
            _text(self.fields[name].copy().transform(unqualified)) for name in self.text_fields
        ]
        day, traced = exp.column("day", quoted=True), exp.column("traced", quoted=True)
        outer_columns: list[exp.Expr] = [
            exp.alias_(key, name, quoted=True)
            for key, name in zip(outer_keys, self.text_fields, strict=False)
        ]
        outer_columns += [
            exp.alias_(day.copy(), "day", quoted=True),
            exp.alias_(traced.copy(), "traced", quoted=True),
            exp.alias_(exp.Sum(this=exp.column("records", quoted=True)), "records", quoted=True),
        ]
        if self.tokens_mapped:
            outer_columns.append(
                exp.alias_(exp.Sum(this=exp.column("tokens", quoted=True)), "tokens", quoted=True)
            )
        return (
            exp.select(*outer_columns)
            .from_(raw_groups)
            .group_by(*[k.copy() for k in outer_keys], day.copy(), traced.copy())
        )

    def sample_key(self) -> exp.Expr:
        parts: list[exp.Expr] = [exp.Literal.string(str(self.seed))]
        for name in RECORD_FIELDS:
            parts.append(exp.Literal.string("|"))
            value = self.text(name) if name in self.fields else exp.Null()
            parts.append(exp.Coalesce(this=value, expressions=[exp.Literal.string("")]))
        return exp.MD5(this=exp.DPipe(this=_chain(parts[:-1]), expression=parts[-1], safe=True))

    def service(self) -> exp.Expr:
        values = [self.text(n) for n in ("service", "owner") if n in self.fields]
        return exp.Coalesce(
            this=values[0], expressions=[*values[1:], exp.Literal.string(NO_SERVICE)]
        )

    def stratum_condition(self, stratum: Stratum) -> exp.Expr:
        if stratum.kind in ("production", "non_production"):
            environment = self.text("environment")
            inside = exp.In(
                this=environment, expressions=[exp.Literal.string(v) for v in stratum.values]
            )
            if stratum.kind == "production":
                return inside
            return exp.or_(
                exp.Is(this=environment.copy(), expression=exp.Null()), exp.Not(this=inside)
            )
        if stratum.kind == "service":
            return exp.EQ(this=self.service(), expression=exp.Literal.string(stratum.values[0]))
        value: exp.Expr = (
            exp.Coalesce(
                this=self.text("request_class"), expressions=[exp.Literal.string(NO_SERVICE)]
            )
            if "request_class" in self.fields
            else exp.Literal.string(NO_SERVICE)
        )
        return exp.EQ(this=value, expression=exp.Literal.string(stratum.values[0]))

    def candidates(self, stratum: Stratum, limit: int) -> exp.Select:
        names = [*dict.fromkeys((*RECORD_FIELDS, *self.text_fields))]
        columns: list[exp.Expr] = [
            exp.alias_(self.text(n) if n in self.fields else exp.Null(), n, quoted=True)
            for n in names
        ]
        key = self.sample_key()
        columns.append(exp.alias_(key, "key", quoted=True))
        return (
            exp.select(*columns)
            .from_(self.table.copy())
            .where(exp.and_(self.in_window(), self.stratum_condition(stratum)))
            .order_by(exp.Ordered(this=key.copy()))
            .limit(limit)
        )


def _chain(parts: Sequence[exp.Expr]) -> exp.Expr:
    result = parts[0]
    for part in parts[1:]:
        result = exp.DPipe(this=result, expression=part, safe=True)
    return result


def table_expression(name: str, dialect: str) -> exp.Expr:
    """A table name (schema-qualified allowed) in the source's dialect."""
    try:
        return exp.to_table(name, dialect=dialect)
    except sqlglot.errors.ParseError as exc:
        raise QueryError(f"audit.source.table: {name!r} is not a table name ({exc})") from None
