"""The profile (``tagsmoke.yaml``): endpoint, credential, attach rules, policy, log store."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke._rules import (
    PLACEHOLDER_CREDENTIAL,
    claim_problems,
    secret_problems,
    without_duplicates,
)
from pytest_tagsmoke._validate import schema_problems
from pytest_tagsmoke._yaml import YamlMap, format_key_path, load_yaml, locate
from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.policy import (
    CORE_DIMENSIONS,
    DEFAULT_ALIASES,
    DEFAULT_ENVIRONMENTS,
    TagPolicy,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

PROFILE_FILENAME = "tagsmoke.yaml"
_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


@dataclass(frozen=True)
class Attach:
    """How one dimension travels on the request: an HTTP header or a body ``metadata`` key."""

    kind: Literal["header", "metadata"]
    name: str

    def describe(self) -> str:
        return f"header {self.name}" if self.kind == "header" else f"metadata.{self.name}"


def default_attach(dimension: str) -> Attach:
    """The reference gateway's convention: header ``x-tag-<dimension>``."""
    return Attach("header", "x-tag-" + dimension.replace("_", "-"))


@dataclass(frozen=True)
class LogStoreConfig:
    """Where records are found: URL templates and the JMESPath field mapping."""

    record_url: str
    counts_url: str | None = None
    counts_path: str | None = None
    record_path: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PollConfig:
    """How long and how often the log store is asked for a record."""

    timeout: float = 10.0
    interval: float = 0.05
    max_interval: float = 1.0
    store_errors: int = 3


DEFAULT_FIELDS: Mapping[str, str] = {
    "owner": "tags.owner",
    "environment": "tags.environment",
    "use_case": "tags.use_case",
    "bucket": "bucket",
    "timestamp": "received_at",
    "source_record": "source_record",
    "follow_up": "follow_up",
}


@dataclass(frozen=True)
class Profile:
    """A loaded, validated and interpolated profile."""

    path: Path
    endpoint: str
    credential: str = field(repr=False)
    credential_header: str = "Authorization"
    credential_scheme: str = "Bearer"
    request_timeout: float = 10.0
    correlation_header: str = "x-correlation-id"
    correlation_prefix: str = "tagsmoke-"
    attach: Mapping[str, Attach] = field(default_factory=dict)
    policy: TagPolicy = field(default_factory=TagPolicy)
    log_store: LogStoreConfig = field(
        default_factory=lambda: LogStoreConfig("{endpoint}/logs/records/{correlation_id}")
    )
    poll: PollConfig = field(default_factory=PollConfig)
    scenarios: tuple[str, ...] = ("scenarios/*.yaml", "scenarios/*.yml")
    artifacts: str = "tagsmoke-artifacts"

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def attach_for(self, dimension: str) -> Attach:
        return self.attach.get(dimension) or default_attach(dimension)

    def with_endpoint(self, endpoint: str) -> Profile:
        return dataclasses.replace(self, endpoint=endpoint.rstrip("/"))

    def authorization_value(self) -> str:
        scheme = self.credential_scheme.strip()
        return f"{scheme} {self.credential}" if scheme else self.credential


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
    problems = without_duplicates(
        rule_problems, schema_problems(document, "profile.schema.json", path)
    )
    if problems:
        raise TagsmokeFileError(problems)
    values = _interpolate(document, [], _Context(path, document, env, problems))
    if problems and require_env:
        raise TagsmokeFileError(problems)
    return _build(path, values)


def has_pyproject_table(path: Path) -> bool:
    """Whether ``path`` (a pyproject.toml) has a ``[tool.tagsmoke]`` table."""
    try:
        return "tagsmoke" in _read_toml(path).get("tool", {})
    except (OSError, ValueError):
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    with path.open("rb") as stream:
        data: dict[str, Any] = tomllib.load(stream)
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
class _Context:
    path: Path
    document: YamlMap
    env: Mapping[str, str]
    problems: list[Problem]


def _interpolate(value: Any, key_path: list[str | int], ctx: _Context) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string of the document."""
    if isinstance(value, dict):
        return {k: _interpolate(v, [*key_path, k], ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, [*key_path, i], ctx) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
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
        return ""

    return _VAR.sub(substitute, value)


def _build(path: Path, values: dict[str, Any]) -> Profile:
    attach = {
        dim: Attach(*next(iter(spec.items()))) for dim, spec in values.get("attach", {}).items()
    }
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
    store_values = values.get("log_store")
    log_store = (
        LogStoreConfig(
            record_url=store_values["record_url"],
            counts_url=store_values.get("counts_url"),
            counts_path=store_values.get("counts_path"),
            record_path=store_values.get("record_path"),
            headers=dict(store_values.get("headers", {})),
            fields={**DEFAULT_FIELDS, **store_values.get("fields", {})},
        )
        if store_values
        else LogStoreConfig(
            "{endpoint}/logs/records/{correlation_id}",
            "{endpoint}/logs/buckets",
            fields=DEFAULT_FIELDS,
        )
    )
    poll = PollConfig(**values.get("poll", {}))
    correlation = values.get("correlation_id", {})
    kwargs: dict[str, Any] = {
        key: values[key]
        for key in ("credential_header", "credential_scheme", "request_timeout", "artifacts")
        if key in values
    }
    if "scenarios" in values:
        kwargs["scenarios"] = tuple(values["scenarios"])
    return Profile(
        path=path,
        endpoint=values.get("endpoint", "").rstrip("/"),
        credential=values.get("credential", PLACEHOLDER_CREDENTIAL),
        correlation_header=correlation.get("header", "x-correlation-id"),
        correlation_prefix=correlation.get("prefix", "tagsmoke-"),
        attach=attach,
        policy=policy,
        log_store=log_store,
        poll=poll,
        **kwargs,
    )
