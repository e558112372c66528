"""The ``audit:`` section of the profile: window, sample, thresholds and the store to read.

Validated with ``audit-config.schema.json``; every problem names the file, line and key.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003  # the dataclass's field types
import os
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke.audit.source_config import (
    DEFAULT_FILE_FIELDS,
    DEFAULT_SQL_FIELDS,
    check_source,
)
from pytest_tagsmoke.audit.source_config import SourceConfig as SourceConfig  # re-exported
from pytest_tagsmoke.audit.window import Window as Window  # re-exported
from pytest_tagsmoke.audit.window import iso as iso  # re-exported
from pytest_tagsmoke.audit.window import parse_time, window_of
from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.content_rules import CLAIM_WHY, is_claim_key
from pytest_tagsmoke.files.schema_check import schema_problems
from pytest_tagsmoke.files.yaml_loader import YamlMap, format_key_path, load_yaml, locate

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pytest_tagsmoke.policy.tag_policy import TagPolicy

#: The seed's 30-record sample: 10 production, 10 non-production, 10 from the service or
#: request class whose daily volume varies most.
DEFAULT_SAMPLE = {"production": 10, "non_production": 10, "most_variable": 10}
DEFAULT_COVERAGE_THRESHOLD = 95.0
DEFAULT_FAILURE_LIMIT = 2
DEFAULT_SEED = 13
_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


@dataclass(frozen=True)
class AuditConfig:
    window_last: str | None
    since: dt.datetime | None
    until: dt.datetime | None
    dimensions: tuple[str, ...]
    source: SourceConfig
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD
    failure_limit: int = DEFAULT_FAILURE_LIMIT
    seed: int = DEFAULT_SEED
    sample: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SAMPLE))
    top_untagged: int = 10
    drift: Literal["fail", "report"] = "fail"

    def window(
        self,
        now: dt.datetime,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Window:
        """The window, with ``since``/``until`` (the command line's) taking precedence."""
        return window_of(until or self.until or now, since or self.since, self.window_last)


def load_audit(
    path: Path, policy: TagPolicy, environ: Mapping[str, str] | None = None
) -> AuditConfig:
    """The ``audit:`` section of the profile at ``path`` (an empty section gives defaults)."""
    env = os.environ if environ is None else environ
    document = _read_toml_table(path) if path.suffix == ".toml" else load_yaml(path)
    section = document.get("audit") if isinstance(document, dict) else None
    if section is None:
        section = YamlMap()
    problems = [
        _under_audit(p, document)
        for p in schema_problems(section, "audit-config.schema.json", path)
    ]
    problems += _claim_problems(section, document, path)
    if problems:
        raise TagsmokeFileError(problems)
    values = _interpolate(section, ["audit"], document, path, env, problems)
    window = values.get("window", {})
    for key in ("since", "until"):
        if key in window:
            try:
                parse_time(window[key])
            except ValueError:
                line, column = locate(document, ["audit", "window", key])
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        f"audit.window.{key}",
                        f"{window[key]!r} is not an ISO 8601 time",
                        "write e.g. 2026-11-27T00:00:00Z",
                    )
                )
    if "last" in window and ("since" in window):
        line, column = locate(document, ["audit", "window"])
        problems.append(
            Problem(
                path,
                line,
                column,
                "audit.window",
                "give either last or since (with until), not both",
            )
        )
    if problems:
        raise TagsmokeFileError(problems)
    source_values = values.get(
        "source",
        {"kind": "sql", "url": "sqlite:///tagsmoke-reference.sqlite", "table": "request_log"},
    )
    kind = source_values["kind"]
    defaults = DEFAULT_SQL_FIELDS if kind == "sql" else DEFAULT_FILE_FIELDS
    dimensions = tuple(values.get("dimensions", policy.all_dimensions))
    # The policy's required dimensions are always read: classify needs them.
    read = dict.fromkeys((*policy.dimensions, *dimensions))
    dimension_defaults = {
        d: (f"json_extract(tags, '$.{d}')" if kind == "sql" else f"tags.{d}") for d in read
    }
    fields = {**defaults, **dimension_defaults, **source_values.get("fields", {})}
    source = SourceConfig(
        kind=kind,
        fields=fields,
        url=source_values.get("url"),
        table=source_values.get("table"),
        dialect=source_values.get("dialect"),
        path=source_values.get("path"),
        engine=source_values.get("engine", "auto"),
        record_path=source_values.get("record_path"),
        query={k: str(v) for k, v in source_values.get("query", {}).items()},
        headers=dict(source_values.get("headers", {})),
        auth=dict(source_values.get("auth", {})),
        pages=dict(source_values["pages"]) if "pages" in source_values else None,
        max_records=int(source_values.get("max_records", 100_000)),
    )
    check_source(source, path, document, problems)
    if problems:
        raise TagsmokeFileError(problems)
    return AuditConfig(
        window_last=window.get("last"),
        since=parse_time(window["since"]) if "since" in window else None,
        until=parse_time(window["until"]) if "until" in window else None,
        dimensions=dimensions,
        source=source,
        coverage_threshold=float(values.get("coverage_threshold", DEFAULT_COVERAGE_THRESHOLD)),
        failure_limit=int(values.get("failure_limit", DEFAULT_FAILURE_LIMIT)),
        seed=int(values.get("seed", DEFAULT_SEED)),
        sample={**DEFAULT_SAMPLE, **values.get("sample", {})},
        top_untagged=int(values.get("top_untagged", 10)),
        drift=values.get("drift", "fail"),
    )


def _claim_problems(section: Any, document: Any, path: Path) -> list[Problem]:
    """Dimensions and source fields named for a price or cost: the audit reads and writes
    them, so their amounts would reach the audit files."""
    named: list[tuple[list[str | int], str]] = []
    dimensions = section.get("dimensions", [])
    named += [(["audit", "dimensions", i], d) for i, d in enumerate(dimensions)]
    fields = section.get("source", {}).get("fields", {})
    named += [(["audit", "source", "fields", k], k) for k in fields]
    problems = []
    for key_path, name in named:
        if isinstance(name, str) and is_claim_key(name):
            line, column = locate(document, key_path)
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    format_key_path(key_path),
                    f"{name!r}: {CLAIM_WHY}",
                    "remove it: the audit reads tags and token counts, never prices or costs",
                )
            )
    return problems


def _read_toml_table(path: Path) -> Any:
    """``[tool.tagsmoke]`` of a pyproject.toml (the profile loader has checked it exists)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    with path.open("rb") as stream:
        return tomllib.load(stream).get("tool", {}).get("tagsmoke", {})


def _under_audit(problem: Problem, document: Any) -> Problem:
    key_path = "audit" + ("." + problem.key_path if problem.key_path else "")
    if problem.key_path.startswith("["):
        key_path = "audit" + problem.key_path
    return Problem(
        problem.path, problem.line, problem.column, key_path, problem.message, problem.hint
    )


def _interpolate(
    value: Any,
    key_path: list[str | int],
    document: Any,
    path: Path,
    env: Mapping[str, str],
    problems: list[Problem],
) -> Any:
    """``${VAR}`` and ``${VAR:-default}``, as in the rest of the profile."""
    if isinstance(value, dict):
        return {
            k: _interpolate(v, [*key_path, k], document, path, env, problems)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _interpolate(v, [*key_path, i], document, path, env, problems)
            for i, v in enumerate(value)
        ]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        line, column = locate(document, key_path)
        problems.append(
            Problem(
                path,
                line,
                column,
                format_key_path(key_path),
                f"environment variable {name} is not set",
                f"export {name}, or write ${{{name}:-default}} to give a default",
            )
        )
        return ""

    return _VAR.sub(substitute, value)
