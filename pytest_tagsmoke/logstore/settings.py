"""The log store's settings (``log_store:`` in the profile): one typed class per kind.

The profile reads ``log_store:`` into one of these with :func:`settings_from`; the
adapters read only their own kind's settings. There is no default store: a profile names
one, or takes it from a preset (``preset: reference`` for the bundled reference gateway).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pytest_tagsmoke.logstore.bounded import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from pytest_tagsmoke.logstore.mapping import FieldSpec
from pytest_tagsmoke.safety.redaction import basic_credential, url_secrets, userinfo_secrets

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Fields every store maps unless its profile says otherwise: the harness's own names for a
#: record's bucket and follow-up, read from keys of the same name.
HARNESS_FIELDS: Mapping[str, FieldSpec] = {
    "bucket": FieldSpec("bucket"),
    "source_record": FieldSpec("source_record"),
    "follow_up": FieldSpec("follow_up"),
}

#: The order a record's fields are shown in, where the store maps them.
SHOWN_FIRST = (
    "owner",
    "environment",
    "use_case",
    "bucket",
    "timestamp",
    "source_record",
    "follow_up",
)


@dataclass(frozen=True)
class StoreSettings:
    """What every kind has: the field mapping, the id field, bucket names, answer bounds."""

    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    #: JMESPath to a record's correlation id (records are then matched by it).
    id_field: str | None = None
    #: The gateway's bucket names -> the harness's (``{unallocated: untagged}``).
    bucket_names: Mapping[str, str] = field(default_factory=dict)
    #: Bounds on what one answer (or one JSONL line) may hold.
    max_answer_bytes: int = DEFAULT_MAX_BYTES
    max_answer_depth: int = DEFAULT_MAX_DEPTH

    def secrets(self, public_query_params: tuple[str, ...] = ()) -> list[str]:
        """Values that must never be shown."""
        return []


@dataclass(frozen=True)
class HttpSettings(StoreSettings):
    """A JSON HTTP API: URL, query and body templates, auth, record path, pages, counts."""

    kind: Literal["http"] = "http"
    record_url: str | None = None
    method: str = "GET"
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    auth: Mapping[str, str] = field(default_factory=dict, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    record_path: str | None = None
    id_separator: str = ","
    pages: Mapping[str, Any] | None = None
    counts_url: str | None = None
    counts_path: str | None = None

    def secrets(self, public_query_params: tuple[str, ...] = ()) -> list[str]:
        """Auth (and its Basic form and parts), headers, and every query value of its URLs
        and query not marked public."""
        found = [*self.auth.values(), *self.headers.values()]
        basic = self.auth.get("basic")
        if basic:
            user, _, password = basic.partition(":")
            found += [user, password, basic_credential(user, password)]
        for url in (self.record_url, self.counts_url):
            if url:
                found += url_secrets(url, public_query_params)
        public = {p.casefold() for p in public_query_params}
        found += [
            v
            for k, v in self.query.items()
            if isinstance(v, str) and k.casefold() not in public and "{" not in v
        ]
        return [v for v in found if v]


@dataclass(frozen=True)
class JsonlSettings(StoreSettings):
    """Files a gateway or log shipper appends to (a path or glob, relative to the profile)."""

    kind: Literal["jsonl"] = "jsonl"
    path: str | None = None


@dataclass(frozen=True)
class SqlSettings(StoreSettings):
    """SQLite or PostgreSQL: the URL, the query by ``:correlation_id``, the counts query."""

    kind: Literal["sql"] = "sql"
    url: str | None = field(default=None, repr=False)
    query: str | None = None
    counts_query: str | None = None

    def secrets(self, public_query_params: tuple[str, ...] = ()) -> list[str]:
        """The URL whole when it holds credentials, its userinfo and every piece of its
        password (an unencoded ``@`` in it: the driver may quote a piece), and what its
        query carries."""
        if not self.url:
            return []
        found = [self.url, *userinfo_secrets(self.url)] if "@" in self.url else []
        return [v for v in found + url_secrets(self.url, public_query_params) if v]


@dataclass(frozen=True)
class NoLogStore(StoreSettings):
    """A profile (and its preset) that names no log store: fine for an audit or for
    ``tagsmoke validate``; a smoke run refuses to start without one."""

    kind: Literal["none"] = "none"


NO_LOG_STORE = NoLogStore()
LogStoreSettings: TypeAlias = HttpSettings | JsonlSettings | SqlSettings | NoLogStore

_COMMON = ("id_field", "max_answer_bytes", "max_answer_depth")
_PLAIN = {
    "http": (
        "record_url",
        "method",
        "body",
        "record_path",
        "id_separator",
        "counts_url",
        "counts_path",
    ),
    "jsonl": ("path",),
    "sql": ("url", "counts_query"),
}


def settings_from(values: Mapping[str, Any]) -> LogStoreSettings:
    """The typed settings of a validated ``log_store:`` section (``kind`` defaults to
    ``http``). Keys of another kind are ignored: a preset may name its SQL query for a
    profile that switches ``kind``."""
    kind = values.get("kind", "http")
    given = {k: FieldSpec.parse(v) for k, v in values.get("fields", {}).items()}
    merged = {**HARNESS_FIELDS, **given}
    # The harness's own names first, in one order (records are shown in it), then the rest.
    fields = {k: merged[k] for k in SHOWN_FIRST if k in merged}
    fields.update((k, spec) for k, spec in merged.items() if k not in fields)
    kwargs: dict[str, Any] = {k: values[k] for k in (*_COMMON, *_PLAIN[kind]) if k in values}
    if isinstance(values.get("bucket_names"), dict):
        kwargs["bucket_names"] = dict(values["bucket_names"])
    query = values.get("query")
    if kind == "sql":
        if isinstance(query, str):
            kwargs["query"] = query
        return SqlSettings(fields=fields, **kwargs)
    if kind == "jsonl":
        return JsonlSettings(fields=fields, **kwargs)
    for key in ("auth", "headers", "query", "pages"):
        if isinstance(values.get(key), dict):
            kwargs[key] = dict(values[key])
    return HttpSettings(fields=fields, **kwargs)
