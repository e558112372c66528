"""The store an audit reads (``audit.source``): its kind, where it is, how its records'
fields are read, and the checks that it names what its kind needs.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from pytest_tagsmoke.errors import Problem
from pytest_tagsmoke.files.yaml_loader import locate
from pytest_tagsmoke.safety.redaction import url_secrets, userinfo_secrets

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from pathlib import Path

SourceKind = Literal["sql", "jsonl", "csv", "parquet", "http"]
Engine = Literal["auto", "duckdb", "streaming"]
#: Audit fields beside the dimensions: record identity, time, grouping and usage.
TRACE_FIELDS = ("id", "timestamp", "source_record")
GROUP_FIELDS = ("service", "request_class")
TOKEN_FIELD = "tokens"

# Defaults read the reference gateway's request_log (SQL) and its JSONL copy.
# ``service``, ``request_class`` and ``tokens`` are read only where mapped: without a
# service, a record's owner stands for it.
DEFAULT_SQL_FIELDS = {
    "id": "correlation_id",
    "timestamp": "received_at",
    "source_record": "'request_log:' || id",
}
DEFAULT_FILE_FIELDS = {
    "id": "correlation_id",
    "timestamp": "received_at",
    "source_record": "source_record",
}


@dataclass(frozen=True)
class SourceConfig:
    """The store the census reads; ``fields`` maps audit fields to the store's expressions."""

    kind: SourceKind
    fields: Mapping[str, str]
    url: str | None = field(default=None, repr=False)
    table: str | None = None
    dialect: str | None = None
    path: str | None = None
    engine: Engine = "auto"
    record_path: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    auth: Mapping[str, str] = field(default_factory=dict, repr=False)
    pages: Mapping[str, Any] | None = None
    max_records: int = 100_000

    def secrets(self, public_query_params: Collection[str] = ()) -> list[str]:
        """Values that must never be shown: headers, auth, the URL (whole when it carries
        userinfo), its password (alone and as a Basic credential) and every query value,
        in the URL or in ``query``, of a parameter not marked public."""
        found = [*self.headers.values(), *self.auth.values()]
        if self.url:
            if "@" in self.url:
                found += [self.url, *userinfo_secrets(self.url)]
            found += url_secrets(self.url, public_query_params)
        if self.query:
            found += url_secrets("http://query/?" + urlencode(self.query), public_query_params)
        return [v for v in found if v]


def read_dimensions(source: SourceConfig) -> list[str]:
    """The dimensions a store reads: every mapped field but identity, grouping and usage."""
    skip = {*TRACE_FIELDS, *GROUP_FIELDS, TOKEN_FIELD}
    return [name for name in source.fields if name not in skip]


_NEEDS = {
    "sql": ("url", "table"),
    "jsonl": ("path",),
    "csv": ("path",),
    "parquet": ("path",),
    "http": ("url",),
}


def check_source(source: SourceConfig, path: Path, document: Any, problems: list[Problem]) -> None:
    for key in _NEEDS[source.kind]:
        if getattr(source, key) is None:
            line, column = locate(document, ["audit", "source"])
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    "audit.source",
                    f"a {source.kind} source needs {key}",
                    f"add audit.source.{key}",
                )
            )
    if (
        source.kind == "sql"
        and source.url
        and not source.url.startswith(("sqlite:///", "postgresql://", "postgres://"))
        and source.dialect is None
    ):
        line, column = locate(document, ["audit", "source", "url"])
        problems.append(
            Problem(
                path,
                line,
                column,
                "audit.source.url",
                "the census runs on sqlite:/// and postgresql:// URLs",
                "for another engine, render the query with `tagsmoke audit --print-sql DIALECT`",
            )
        )
