"""The file census run by DuckDB (the ``audit-duckdb`` extra): the same sqlglot-built census
and sample queries as SQL stores, over a view of the files.

JSONL is read as one text column per line, so a malformed line is counted, never fatal;
each valid line is parsed once into the list of mapped values.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from pytest_tagsmoke.audit.groups import NO_SERVICE, Group
from pytest_tagsmoke.audit.jsonl_lines import MALFORMED_EXAMPLES, malformed_jsonl_examples
from pytest_tagsmoke.audit.source_config import read_dimensions
from pytest_tagsmoke.audit.source_types import AuditStoreError, ReadNotes
from pytest_tagsmoke.audit.sql_query import RECORD_FIELDS, CensusQuery

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.source_config import SourceConfig
    from pytest_tagsmoke.audit.source_types import Reading

DIALECT = "duckdb"
DUCKDB_MEMORY_LIMIT = "256MB"


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql(dialect=DIALECT)


def _csv_columns(path: Path) -> str:
    """Every column of the header as text (values are compared as text, as elsewhere)."""
    with path.open(newline="", encoding="utf-8") as stream:
        header = next(csv.reader(stream), [])
    return "{" + ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in header) + "}"


def _file_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(_literal(str(p)) for p in paths) + "]"


class DuckDBCensus:
    def __init__(self, config: SourceConfig, reading: Reading, paths: Sequence[Path]) -> None:
        self.notes = ReadNotes(engine="duckdb")
        self._paths = paths
        self._kind = config.kind
        self._production = reading.production
        self._pool_size = reading.pool_size
        self._pools: dict[tuple[str, Any], dict[str, dict[str, Any]]] | None = None
        self._conn = duckdb.connect(
            config={
                "threads": min(2, os.cpu_count() or 1),
                "memory_limit": DUCKDB_MEMORY_LIMIT,
                "preserve_insertion_order": False,
            }
        )
        self._conn.execute("SET enable_progress_bar = false")
        # Pushing the window filter below the view would copy the JSON extraction into the
        # filter, once per reference to the timestamp: every line parsed four times.
        self._conn.execute("SET disabled_optimizers = 'filter_pushdown'")
        names = list(config.fields)
        files = _file_list(paths)
        try:
            if config.kind == "jsonl":
                self._conn.execute(
                    "CREATE VIEW raw AS SELECT line FROM read_csv("
                    f"{files}, columns = {{'line': 'VARCHAR'}}, header = false, "
                    "delim = chr(1), quote = '', escape = '', auto_detect = false)"
                )
                json_paths = ", ".join(_literal("$." + config.fields[name]) for name in names)
                # One parse per line: TRY turns a malformed line's error into NULL, and a
                # line that does not start with "{" is not an object. The cheap test comes
                # first: trimming copies the line, so only lines not starting with "{" are.
                self._conn.execute(
                    "CREATE VIEW src AS SELECT v, CASE WHEN left(line, 1) = '{' THEN v IS NULL "
                    "ELSE left(ltrim(line), 1) <> '{' OR v IS NULL END AS malformed "
                    f"FROM (SELECT line, try(json_extract_string(line, [{json_paths}])) AS v "
                    "FROM raw WHERE line IS NOT NULL AND (left(line, 1) = '{' OR trim(line) <> ''))"
                )
                # sqlglot indexes from 0 and renders DuckDB's 1-based index itself.
                fields: dict[str, exp.Expr] = {
                    name: exp.Bracket(this=exp.column("v"), expressions=[exp.Literal.number(i)])
                    for i, name in enumerate(names)
                }
            else:
                reader = (
                    f"read_csv({files}, header = true, auto_detect = false, delim = ',', "
                    f"quote = '\"', escape = '\"', columns = {_csv_columns(paths[0])}, "
                    "store_rejects = true)"
                    if config.kind == "csv"
                    else f"read_parquet({files})"
                )
                self._conn.execute(f"CREATE VIEW src AS SELECT * FROM {reader}")
                fields = {
                    name: exp.column(column, quoted=True) for name, column in config.fields.items()
                }
        except duckdb.Error as exc:
            raise AuditStoreError(f"DuckDB cannot read {files}: {exc}") from None
        self.query = CensusQuery(
            fields, exp.to_table("src"), reading.window, reading.seed, read_dimensions(config)
        )
        if config.kind == "jsonl":
            self.query.extra.append(("malformed", exp.column("malformed")))

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        self.notes.queries.append(sql)
        try:
            rows = self._conn.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise AuditStoreError(f"DuckDB: {exc}") from None
        self.notes.rows_fetched += len(rows)
        return rows

    def groups(self) -> list[Group]:
        query = self.query
        rows = self._rows(query.groups().sql(dialect=DIALECT))
        self.notes.census_rows = len(rows)
        count = len(query.text_fields)
        extra = len(query.extra)
        groups = []
        for row in rows:
            if extra and row[count + 2]:  # malformed lines: counted, never judged
                self.notes.malformed += int(row[count + 2 + extra])
                continue
            groups.append(
                Group(
                    values=dict(zip(query.text_fields, row[:count], strict=False)),
                    day=row[count],
                    traced=bool(row[count + 1]),
                    records=int(row[count + 2 + extra]),
                    tokens=int(row[count + 3 + extra] or 0) if query.tokens_mapped else None,
                )
            )
        if self.notes.malformed:
            self.notes.malformed_examples = malformed_jsonl_examples(self._paths)
        if self._kind == "csv":
            self._csv_rejects()
        return groups

    def _csv_rejects(self) -> None:
        """Rows with a wrong number of fields: DuckDB set them aside while reading."""
        rows = self._conn.execute(
            "SELECT DISTINCT s.file_path, e.line FROM reject_errors e JOIN reject_scans s "
            "ON e.scan_id = s.scan_id AND e.file_id = s.file_id ORDER BY 1, 2"
        ).fetchall()
        self.notes.malformed = len(rows)
        self.notes.malformed_examples = [
            f"{path}:{line}: wrong number of fields" for path, line in rows[:MALFORMED_EXAMPLES]
        ]

    def candidates(self, stratum: Stratum, limit: int) -> list[dict[str, Any]]:
        if self._pools is None:
            self._pools = self._load_pools()
        if stratum.kind in ("production", "non_production"):
            key: tuple[str, Any] = ("production", stratum.kind == "production")
        else:
            key = (stratum.kind, stratum.values[0])
        return sorted(self._pools.get(key, {}).values(), key=lambda r: r["key"])[:limit]

    def _load_pools(self) -> dict[tuple[str, Any], dict[str, dict[str, Any]]]:
        """Every stratum's candidates in one scan: per production flag, service and request
        class, the records with the lowest sample keys (DuckDB's top-N ``arg_min``); a
        stratum's pool is the union of its combinations' lists."""
        query = self.query
        names = list(dict.fromkeys((*RECORD_FIELDS, *query.text_fields)))
        fields = ", ".join(
            f"{_literal(n)}: "
            + (query.text(n).sql(dialect=DIALECT) if n in query.fields else "NULL")
            for n in names
        )
        key = query.sample_key().sql(dialect=DIALECT)
        environment = (
            query.text("environment").sql(dialect=DIALECT)
            if "environment" in query.fields
            else "NULL"
        )
        production = ", ".join(_literal(v) for v in self._production)
        request_class = (
            query.text("request_class").sql(dialect=DIALECT)
            if "request_class" in query.fields
            else "NULL"
        )
        malformed = " AND NOT malformed" if query.extra else ""
        rows = self._rows(
            f"SELECT coalesce({environment} IN ({production}), false), "
            f"{query.service().sql(dialect=DIALECT)}, "
            f"coalesce({request_class}, {_literal(NO_SERVICE)}), "
            f"arg_min({{{fields}, 'key': {key}}}, {key}, {self._pool_size}) "
            f"FROM src WHERE ({query.in_window().sql(dialect=DIALECT)}){malformed} "
            "GROUP BY ALL"
        )
        pools: dict[tuple[str, Any], dict[str, dict[str, Any]]] = {}
        for is_production, service, request_class_value, records in rows:
            for pool_key in (
                ("production", bool(is_production)),
                ("service", service),
                ("request_class", request_class_value),
            ):
                pool = pools.setdefault(pool_key, {})
                for record in records:
                    pool[record["key"]] = dict(record)
        return pools

    def close(self) -> None:
        self._conn.close()
