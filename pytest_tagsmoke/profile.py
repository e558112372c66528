"""The profile (``tagsmoke.yaml``): endpoint, credential, attach rules, policy, log store.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke._rules import (
    PLACEHOLDER_CREDENTIAL,
    claim_problems,
    secret_problems,
    without_duplicates,
)
from pytest_tagsmoke._validate import schema_problems
from pytest_tagsmoke._yaml import YamlMap, decode, format_key_path, load_yaml, locate
from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.ledger import DEFAULT_REVIEW_MAX_AGE_DAYS, load_ledger
from pytest_tagsmoke.logstore.bounded import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from pytest_tagsmoke.logstore.mapping import FieldSpec
from pytest_tagsmoke.policy import (
    CORE_DIMENSIONS,
    DEFAULT_ALIASES,
    DEFAULT_ENVIRONMENTS,
    TagPolicy,
)
from pytest_tagsmoke.redaction import (
    SECRET_NAME,
    Redactor,
    basic_credential,
    is_secret_header,
    redact_url,
    url_secrets,
)
from pytest_tagsmoke.tag_lint import TagLint

if TYPE_CHECKING:
    from collections.abc import Mapping

PROFILE_FILENAME = "tagsmoke.yaml"
PRESETS = (
    "litellm",
    "litellm-tags",
    "litellm-logging-payload",
    "litellm-logging-payload-tags",
    "helicone",
    "langfuse",
    "cloudflare",
    "kong",
    "portkey",
    "openai-compatible",
    "reference",
)
_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


AttachKind = Literal["header", "metadata", "tags_header", "json_header"]


@dataclass(frozen=True)
class Attach:
    """How one dimension travels on the request.

    ``header``: its own header. ``metadata``: a key of the JSON body's ``metadata`` object
    (dots nest: ``spend_logs_metadata.team``). ``tags_header``: a ``key:value`` item of a
    comma-separated header (LiteLLM's ``x-litellm-tags``). ``json_header``: a key of a JSON
    object header (Cloudflare's ``cf-aig-metadata``). ``key`` is the key used inside a
    tags or JSON header (default: the dimension).
    """

    kind: AttachKind
    name: str
    key: str | None = None

    def describe(self) -> str:
        if self.kind == "header":
            return f"header {self.name}"
        if self.kind == "metadata":
            return f"metadata.{self.name}"
        return f"{self.kind.replace('_', ' ')} {self.name} ({self.key})"

    @classmethod
    def parse(cls, dimension: str, spec: Mapping[str, str]) -> Attach:
        kind = next(k for k in ("header", "metadata", "tags_header", "json_header") if k in spec)
        key = spec.get("key", dimension) if kind in ("tags_header", "json_header") else None
        return cls(kind, spec[kind], key)  # type: ignore[arg-type]


def default_attach(dimension: str) -> Attach:
    """The reference gateway's convention: header ``x-tag-<dimension>``."""
    return Attach("header", "x-tag-" + dimension.replace("_", "-"))


@dataclass(frozen=True)
class CorrelationConfig:
    """How the fresh correlation id is sent, and which id finds the record.

    ``source``: ``sent`` (the store is keyed by the id the harness sent), ``response_header``
    or ``response_body`` (the store is keyed by an id the gateway answers with, read from
    ``response_header`` or the JMESPath ``response_path``).
    """

    header: str | None = "x-correlation-id"
    metadata: str | None = None
    prefix: str = "tagsmoke-"
    format: Literal["hex", "uuid"] = "hex"
    source: Literal["sent", "response_header", "response_body"] = "sent"
    response_header: str | None = None
    response_path: str | None = None


@dataclass(frozen=True)
class LogStoreConfig:
    """Where records are found (by adapter ``kind``) and how their fields are mapped."""

    kind: Literal["http", "jsonl", "sql"] = "http"
    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    # http
    record_url: str | None = None
    method: str = "GET"
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    auth: Mapping[str, str] = field(default_factory=dict, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    record_path: str | None = None
    id_field: str | None = None
    id_separator: str = ","
    pages: Mapping[str, Any] | None = None
    counts_url: str | None = None
    counts_path: str | None = None
    # jsonl
    path: str | None = None
    # sql
    url: str | None = field(default=None, repr=False)
    query_sql: str | None = None
    counts_query: str | None = None
    #: The gateway's bucket names -> the harness's (``{unallocated: untagged}``).
    bucket_names: Mapping[str, str] = field(default_factory=dict)
    # every kind: bounds on what one answer (or one JSONL line) may hold
    max_answer_bytes: int = DEFAULT_MAX_BYTES
    max_answer_depth: int = DEFAULT_MAX_DEPTH

    def secrets(self, public_query_params: tuple[str, ...] = ()) -> list[str]:
        """Values that must never be shown: auth (and its Basic form and parts), headers,
        the SQL URL's password, and every query value of its URLs not marked public."""
        found = [*self.auth.values(), *self.headers.values()]
        basic = self.auth.get("basic")
        if basic:
            user, _, password = basic.partition(":")
            found += [user, password, basic_credential(user, password)]
        if self.url and "@" in self.url:
            found.append(self.url)
        for url in (self.url, self.record_url, self.counts_url):
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
class PollConfig:
    """How long and how often the log store is asked for a record."""

    timeout: float = 10.0
    interval: float = 0.05
    max_interval: float = 1.0
    store_errors: int = 3
    #: Log-store queries in flight at once (a store asked one id per query, or batches).
    concurrency: int = 16


DEFAULT_FIELDS: Mapping[str, FieldSpec] = {
    "owner": FieldSpec("tags.owner"),
    "environment": FieldSpec("tags.environment"),
    "use_case": FieldSpec("tags.use_case"),
    "bucket": FieldSpec("bucket"),
    "timestamp": FieldSpec("received_at"),
    "source_record": FieldSpec("source_record"),
    "follow_up": FieldSpec("follow_up"),
}
DEFAULT_LOG_STORE = LogStoreConfig(
    fields=DEFAULT_FIELDS,
    record_url="{endpoint}/logs/records/{correlation_id}",
    counts_url="{endpoint}/logs/buckets",
)


@dataclass(frozen=True)
class Profile:
    """A loaded, validated and interpolated profile."""

    path: Path
    endpoint: str
    credential: str = field(repr=False)
    credential_header: str = "Authorization"
    credential_scheme: str = "Bearer"
    request_timeout: float = 10.0
    correlation: CorrelationConfig = field(default_factory=CorrelationConfig)
    attach: Mapping[str, Attach] = field(default_factory=dict)
    policy: TagPolicy = field(default_factory=TagPolicy)
    log_store: LogStoreConfig = DEFAULT_LOG_STORE
    poll: PollConfig = field(default_factory=PollConfig)
    scenarios: tuple[str, ...] = ("scenarios/*.yaml", "scenarios/*.yml")
    artifacts: str = "tagsmoke-artifacts"
    preset: str | None = None
    production_hosts: tuple[str, ...] = ()
    #: Query parameters whose values are not secret (shown); every other value is redacted.
    public_query_params: tuple[str, ...] = ()
    #: Header names whose values are secret, besides names that look secret.
    secret_headers: tuple[str, ...] = ()
    #: The owner ledger file (``policy.ledger``), and the review age validate allows.
    ledger_path: Path | None = None
    ledger_review_max_age_days: int = DEFAULT_REVIEW_MAX_AGE_DAYS
    #: What ``tagsmoke validate`` warns about in tag values (``policy.tag_lint``).
    tag_lint: TagLint = field(default_factory=TagLint)
    #: Values of the environment variables the profile interpolates that hold secrets: a
    #: variable put in the credential or the log store's auth or headers, or whose name
    #: looks secret (``${TAGSMOKE_API_KEY}``, ``${LOG_TOKEN}``), wherever it is used.
    env_secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def attach_for(self, dimension: str) -> Attach:
        return self.attach.get(dimension) or default_attach(dimension)

    def with_endpoint(self, endpoint: str) -> Profile:
        return dataclasses.replace(self, endpoint=endpoint.rstrip("/"))

    def secrets(self) -> list[str]:
        """Every value that must never be shown: the credential (alone and as sent), the log
        store's auth, headers, SQL URL and query values, what the endpoint's URL carries
        (password, every query value not marked public) and :attr:`env_secrets`."""
        credential = [self.credential, self.authorization_value()]
        if self.credential == PLACEHOLDER_CREDENTIAL:
            credential = []
        return [
            *credential,
            *self.env_secrets,
            *self.log_store.secrets(self.public_query_params),
            *url_secrets(self.endpoint, self.public_query_params),
        ]

    def redactor(self) -> Redactor:
        """Scrubs every secret of :meth:`secrets` from text."""
        return Redactor(self.secrets())

    def shown_endpoint(self) -> str:
        """The endpoint as outputs show it: password and non-public query values hidden, and
        a public parameter's value too when it is (or holds) a known secret."""
        return redact_url(self.endpoint, self.public_query_params, self.secrets())

    def is_secret_header(self, name: str) -> bool:
        """Whether a request header's value is a secret (looks secret, or is listed)."""
        return is_secret_header(name, self.secret_headers)

    def authorization_value(self, credential: str | None = None) -> str:
        """The credential header's value: the profile's credential, or ``credential`` (a
        scenario's own), after the profile's scheme."""
        credential = self.credential if credential is None else credential
        scheme = self.credential_scheme.strip()
        return f"{scheme} {credential}" if scheme else credential


def load_profile(
    path: Path, environ: Mapping[str, str] | None = None, *, require_env: bool = True
) -> Profile:
    """Load ``path`` (``tagsmoke.yaml``, or ``[tool.tagsmoke]`` of a ``pyproject.toml``).

    Every problem found is raised together as :class:`TagsmokeFileError`. With
    ``require_env=False`` (``tagsmoke validate``), unset ``${VAR}`` references are not
    problems: a pull-request job checks files without the run's environment.
    """
    env = os.environ if environ is None else environ
    if path.suffix == ".toml":
        document: Any = _load_pyproject_table(path)
    else:
        document = load_yaml(path)
    if document is None:
        document = YamlMap()
    rule_problems = secret_problems(document, path) + claim_problems(
        document, path, [["log_store", "fields"]]
    )
    preset = document.get("preset") if isinstance(document, dict) else None
    if preset in PRESETS:
        # A profile over a preset may be partial: what must hold is the merged profile.
        document = _with_preset(document, path)
    problems = without_duplicates(
        rule_problems, schema_problems(document, "profile.schema.json", path)
    )
    if problems:
        raise TagsmokeFileError(problems)
    ctx = InterpolationContext(path, document, env, problems)
    values = _interpolate(document, [], ctx)
    if problems and require_env:
        raise TagsmokeFileError(problems)
    problems = check_sent_values(values, ctx) + _lint_pattern_problems(values, ctx)
    if problems:
        raise TagsmokeFileError(problems)
    profile = dataclasses.replace(_build(path, values), env_secrets=_env_secrets(ctx))
    return _with_ledger(profile, document, values)


# Where a variable's value is a secret whatever the variable's name.
_SECRET_VALUES = (
    ("credential",),
    ("log_store", "auth", "*"),
    ("log_store", "headers", "*"),
)


def _env_secrets(ctx: InterpolationContext) -> tuple[str, ...]:
    """The values (as set, and stripped) of the variables interpolated into a secret place
    or named like a secret: such a value stays hidden wherever else the profile puts it,
    a query parameter marked public included."""
    names = {
        name
        for key_path, used in ctx.sources.items()
        for name in used
        if SECRET_NAME.search(name) or any(_matches(key_path, p) for p in _SECRET_VALUES)
    }
    values = {
        form for name in names for form in (ctx.env.get(name, ""), ctx.env.get(name, "").strip())
    }
    return tuple(sorted(v for v in values if v))


def _lint_pattern_problems(values: Mapping[str, Any], ctx: InterpolationContext) -> list[Problem]:
    pattern = values.get("policy", {}).get("tag_lint", {}).get("pattern")
    if pattern is None:
        return []
    try:
        re.compile(pattern)
    except re.error as exc:
        line, column = locate(ctx.document, ["policy", "tag_lint", "pattern"])
        return [
            Problem(
                ctx.path,
                line,
                column,
                "policy.tag_lint.pattern",
                f"not a regular expression: {exc}",
                "write a Python regular expression, e.g. ^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
            )
        ]
    return []


def _with_ledger(profile: Profile, document: Any, values: Mapping[str, Any]) -> Profile:
    """The profile with its owner ledger read (``policy.ledger``), if it names one."""
    policy_values = values.get("policy", {})
    name = policy_values.get("ledger")
    if not name:
        return profile
    ledger_path = profile.base_dir / name
    if not ledger_path.is_file():
        line, column = locate(document, ["policy", "ledger"])
        raise TagsmokeFileError(
            [
                Problem(
                    profile.path,
                    line,
                    column,
                    "policy.ledger",
                    f"the owner ledger {name!r} does not exist (looked for {ledger_path})",
                    "create it (see docs/ledger.md) or fix the path, relative to the profile",
                )
            ]
        )
    entries = load_ledger(ledger_path)
    policy = dataclasses.replace(profile.policy, ledger=entries, ledger_source=ledger_path.name)
    return dataclasses.replace(
        profile,
        policy=policy,
        ledger_path=ledger_path,
        ledger_review_max_age_days=policy_values.get(
            "ledger_review_max_age_days", DEFAULT_REVIEW_MAX_AGE_DAYS
        ),
    )


# Values that travel in a header (ASCII only) or a URL; each is stripped of surrounding
# whitespace (``export KEY=$(cat keyfile)`` keeps the file's newline) and then checked.
_HEADER_VALUES = (
    ("credential",),
    ("credential_scheme",),
    ("log_store", "auth", "*"),
    ("log_store", "headers", "*"),
)
_URL_VALUES = (
    ("endpoint",),
    ("log_store", "record_url"),
    ("log_store", "counts_url"),
    ("log_store", "url"),
)


def _matches(key_path: tuple[str | int, ...], pattern: tuple[str, ...]) -> bool:
    return len(key_path) == len(pattern) and all(
        p == "*" or p == k for k, p in zip(key_path, pattern, strict=True)
    )


def _bad_character(text: str, *, header: bool) -> tuple[int, str] | None:
    """(1-based position, what) of the first character a header or URL cannot carry."""
    for index, char in enumerate(text):
        if char in "\r\n":
            return index + 1, "a line break"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return index + 1, f"a control character (U+{ord(char):04X})"
        if header and ord(char) > 0x7E:
            return index + 1, f"a non-ASCII character (U+{ord(char):04X})"
        if char.isspace() and not header:
            return index + 1, "a space"
    return None


def check_sent_values(values: dict[str, Any], ctx: InterpolationContext) -> list[Problem]:
    """Strip the credential, auth and URL values; a character a header or URL cannot carry
    is a problem naming the environment variable it came from, never showing the value."""
    problems: list[Problem] = []

    def visit(node: Any, key_path: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    checked = _check_one(value, (*key_path, key), ctx, problems)
                    node[key] = checked
                elif isinstance(value, dict):
                    visit(value, (*key_path, key))

    visit(values, ())
    return problems


def _check_one(
    value: str, key_path: tuple[str | int, ...], ctx: InterpolationContext, problems: list[Problem]
) -> str:
    header = any(_matches(key_path, p) for p in _HEADER_VALUES)
    if not header and not any(_matches(key_path, p) for p in _URL_VALUES):
        return value
    names = ctx.sources.get(key_path, [])
    stripped = value.strip()
    # Check each variable's own value, so the position points into what the user exported.
    for name in names:
        found = _bad_character(ctx.env.get(name, "").strip(), header=header)
        if found is not None:
            position, what = found
            problems.append(_sent_value_problem(ctx, key_path, position, what, name, header))
            return stripped
    found = _bad_character(stripped, header=header)
    if found is not None:
        position, what = found
        problems.append(_sent_value_problem(ctx, key_path, position, what, None, header))
    return stripped


def _sent_value_problem(
    ctx: InterpolationContext,
    key_path: tuple[str | int, ...],
    position: int,
    what: str,
    variable: str | None,
    header: bool,
) -> Problem:
    line, column = locate(ctx.document, list(key_path))
    carrier = "an HTTP header" if header else "a URL"
    source = f"environment variable {variable}" if variable else "the value"
    return Problem(
        ctx.path,
        line,
        column,
        format_key_path(list(key_path)),
        f"{source} has {what} at character {position}, which {carrier} cannot carry "
        "(the value is not shown; surrounding whitespace is already stripped)",
        f"export {variable} again without it (copy the key from its source as plain text)"
        if variable
        else "remove that character",
    )


# Keys whose value a profile replaces whole instead of merging into the preset's.
_REPLACED = {
    ("attach", "*"),
    ("log_store", "fields", "*"),
    ("log_store", "auth"),
    ("log_store", "query"),
    ("log_store", "pages"),
}


def _merge(base: Any, override: Any, key_path: tuple[str, ...] = ()) -> Any:
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return override
    if key_path in _REPLACED or (*key_path[:-1], "*") in _REPLACED:
        return override
    merged = YamlMap(base)
    merged.line, merged.column = getattr(override, "line", 0), getattr(override, "column", 0)
    merged.key_marks = {**getattr(base, "key_marks", {}), **getattr(override, "key_marks", {})}
    for key, value in override.items():
        merged[key] = _merge(base[key], value, (*key_path, key)) if key in base else value
    return merged


def _with_preset(document: YamlMap, path: Path) -> YamlMap:
    """The profile over its preset's defaults; a preset without a log store needs one."""
    name = document["preset"]
    preset_path = Path(str(resources.files("pytest_tagsmoke.presets").joinpath(f"{name}.yaml")))
    merged: YamlMap = _merge(load_yaml(preset_path), document)
    if "log_store" not in merged:
        line, column = locate(document, ["preset"])
        raise TagsmokeFileError(
            [
                Problem(
                    path,
                    line,
                    column,
                    "preset",
                    f"preset {name!r} attaches tags but knows no log store for this gateway",
                    "add a log_store section (http, jsonl or sql) that reads your gateway's logs",
                )
            ]
        )
    return merged


def has_pyproject_table(path: Path) -> bool:
    """Whether ``path`` (a pyproject.toml) has a ``[tool.tagsmoke]`` table."""
    try:
        return "tagsmoke" in _read_toml(path).get("tool", {})
    except (OSError, ValueError, TagsmokeFileError):
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    data: dict[str, Any] = tomllib.loads(decode(path, path.read_bytes()))
    return data


def _load_pyproject_table(path: Path) -> Any:
    try:
        data = _read_toml(path)
    except (OSError, ValueError) as exc:
        raise TagsmokeFileError(
            [Problem(path, None, None, "", f"cannot read the TOML file: {exc}")]
        ) from None
    table = data.get("tool", {}).get("tagsmoke")
    if table is None:
        raise TagsmokeFileError(
            [Problem(path, None, None, "tool.tagsmoke", "there is no [tool.tagsmoke] table")]
        )
    return table


@dataclass
class InterpolationContext:
    path: Path
    document: YamlMap
    env: Mapping[str, str]
    problems: list[Problem]
    #: key path -> the environment variables interpolated into its value
    sources: dict[tuple[str | int, ...], list[str]] = field(default_factory=dict)


def _interpolate(value: Any, key_path: list[str | int], ctx: InterpolationContext) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string of the document."""
    if isinstance(value, dict):
        return {k: _interpolate(v, [*key_path, k], ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, [*key_path, i], ctx) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    return interpolate_text(value, key_path, ctx)


def interpolate_text(value: str, key_path: list[str | int], ctx: InterpolationContext) -> str:
    """``value`` with ``${VAR}`` and ``${VAR:-default}`` replaced; an unset variable without
    a default is a problem in ``ctx`` (located at ``key_path``) and becomes ``<VAR>``."""

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        ctx.sources.setdefault(tuple(key_path), []).append(name)
        if ctx.env.get(name):
            return ctx.env[name]
        if default is not None:
            return default
        line, column = locate(ctx.document, key_path)
        ctx.problems.append(
            Problem(
                ctx.path,
                line,
                column,
                format_key_path(key_path),
                f"environment variable {name} is not set",
                f"export {name}, or write ${{{name}:-default}} to give a default",
            )
        )
        # Seen only where unset variables are allowed (validate, dry run): a placeholder.
        return f"<{name}>"

    return _VAR.sub(substitute, value)


def _log_store(values: Mapping[str, Any] | None) -> LogStoreConfig:
    if not values:
        return DEFAULT_LOG_STORE
    fields = {
        **DEFAULT_FIELDS,
        **{k: FieldSpec.parse(v) for k, v in values.get("fields", {}).items()},
    }
    plain = (
        "kind",
        "record_url",
        "method",
        "body",
        "record_path",
        "id_field",
        "id_separator",
        "counts_url",
        "counts_path",
        "path",
        "url",
        "counts_query",
        "max_answer_bytes",
        "max_answer_depth",
    )
    kwargs: dict[str, Any] = {key: values[key] for key in plain if key in values}
    for key in ("query", "auth", "headers", "bucket_names"):
        if key in values and isinstance(values[key], dict):
            kwargs[key] = dict(values[key])
    if isinstance(values.get("query"), str):  # an SQL query
        kwargs["query_sql"] = values["query"]
    if "pages" in values:
        kwargs["pages"] = dict(values["pages"])
    return LogStoreConfig(fields=fields, **kwargs)


def _build(path: Path, values: dict[str, Any]) -> Profile:
    attach = {dim: Attach.parse(dim, spec) for dim, spec in values.get("attach", {}).items()}
    policy_values = values.get("policy", {})
    policy = TagPolicy(
        dimensions=tuple(policy_values.get("dimensions", CORE_DIMENSIONS)),
        optional_dimensions=tuple(policy_values.get("optional_dimensions", ())),
        aliases=policy_values.get("aliases", DEFAULT_ALIASES),
        shared_environments=frozenset(policy_values.get("shared_environments", ())),
        environments=frozenset(policy_values.get("environments", DEFAULT_ENVIRONMENTS)),
        owners=dict(policy_values.get("owners", {})),
        shared_owners=frozenset(policy_values.get("shared_owners", ())),
        follow_up_default=policy_values.get("follow_up_default", "platform-finops"),
    )
    correlation_values = dict(values.get("correlation_id", {}))
    if correlation_values.get("format") == "uuid":
        correlation_values.setdefault("prefix", "")
    correlation = CorrelationConfig(**correlation_values)
    kwargs: dict[str, Any] = {
        key: values[key]
        for key in (
            "credential_header",
            "credential_scheme",
            "request_timeout",
            "artifacts",
            "preset",
        )
        if key in values
    }
    if "scenarios" in values:
        kwargs["scenarios"] = tuple(values["scenarios"])
    if "tag_lint" in policy_values:
        kwargs["tag_lint"] = TagLint(**policy_values["tag_lint"])
    for key in ("production_hosts", "public_query_params", "secret_headers"):
        if key in values:
            kwargs[key] = tuple(values[key])
    return Profile(
        path=path,
        endpoint=values.get("endpoint", "").rstrip("/"),
        credential=values.get("credential", PLACEHOLDER_CREDENTIAL),
        correlation=correlation,
        attach=attach,
        policy=policy,
        log_store=_log_store(values.get("log_store")),
        poll=PollConfig(**values.get("poll", {})),
        **kwargs,
    )
