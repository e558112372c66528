"""Scenario files: load, validate (with line numbers) and turn into :class:`Scenario` objects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke._validate import schema_problems
from pytest_tagsmoke._yaml import YamlMap, format_key_path, load_yaml, locate
from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.profile import PLACEHOLDER_CREDENTIAL, Attach

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_BODY: Mapping[str, Any] = {
    "model": "gpt-4o-mini",
    "max_tokens": 1,
    "messages": [{"role": "user", "content": "tagsmoke"}],
}
_SECRET_HEADERS = re.compile(
    r"^(authorization|proxy-authorization|.*api[-_]?key.*|.*token.*)$", re.I
)
_ENV_REF = re.compile(r"^\s*(\w+\s+)?\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}\s*$")

AttachSpec = Literal["header", "metadata"] | Mapping[str, Attach] | None


@dataclass(frozen=True)
class RequestSpec:
    """The HTTP request a scenario sends, before tags and the correlation id are attached."""

    method: str = "POST"
    path: str = "/v1/chat/completions"
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = field(default_factory=lambda: dict(DEFAULT_BODY))


@dataclass(frozen=True)
class Expectation:
    """What the response and the log record must show."""

    status: int | str = "2xx"
    bucket: str | None = None
    reason: str | None = None
    untagged_count: Literal["increments", "not-checked"] = "not-checked"

    def status_matches(self, status: int) -> bool:
        if isinstance(self.status, int):
            return status == self.status
        return str(status)[0] == self.status[0]


@dataclass(frozen=True)
class Scenario:
    """One declarative request and its expectations."""

    name: str
    id: str
    path: Literal["happy", "error"]
    file: Path
    line: int
    request_class: str
    tags: Mapping[str, str]
    request: RequestSpec
    expect: Expectation
    attach: AttachSpec = None


def slugify(name: str) -> str:
    """A readable pytest id: lower case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "scenario"


def load_scenario_file(path: Path) -> list[Scenario]:
    """Every scenario of ``path``; all problems are raised together as TagsmokeFileError."""
    document = load_yaml(path)
    if document is None:
        raise TagsmokeFileError(
            [
                Problem(
                    path,
                    1,
                    1,
                    "",
                    "the file is empty",
                    "add a 'scenarios:' list (see the scenario reference)",
                )
            ]
        )
    problems = schema_problems(document, "scenario.schema.json", path)
    if problems:
        raise TagsmokeFileError(problems)
    problems = _secret_problems(document, path)
    scenarios = _build(document, path, problems)
    if problems:
        raise TagsmokeFileError(problems)
    return scenarios


def _secret_problems(document: YamlMap, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    candidates: list[tuple[list[str | int], Any]] = [(["request"], document.get("request"))]
    candidates += [
        (["scenarios", i, "request"], s.get("request")) for i, s in enumerate(document["scenarios"])
    ]
    for key_path, request in candidates:
        for name, value in ((request or {}).get("headers") or {}).items():
            if _SECRET_HEADERS.match(name) and not (
                PLACEHOLDER_CREDENTIAL in value or _ENV_REF.match(value)
            ):
                full = [*key_path, "headers", name]
                line, column = locate(document, full)
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        format_key_path(full),
                        "a literal credential is not allowed in a scenario file "
                        "(its value is not shown)",
                        "remove the header: the profile's credential is sent on every request",
                    )
                )
    return problems


def _attach_spec(value: Any) -> AttachSpec:
    if value == "header" or value == "metadata":
        return "header" if value == "header" else "metadata"
    if value is None:
        return None
    return {dim: Attach(*next(iter(spec.items()))) for dim, spec in value.items()}


def _merge_request(defaults: Mapping[str, Any], override: Mapping[str, Any]) -> RequestSpec:
    base = RequestSpec()
    return RequestSpec(
        method=override.get("method", defaults.get("method", base.method)),
        path=override.get("path", defaults.get("path", base.path)),
        headers={**defaults.get("headers", {}), **override.get("headers", {})},
        json=override["json"] if "json" in override else defaults.get("json", base.json),
    )


def _build(document: YamlMap, path: Path, problems: list[Problem]) -> list[Scenario]:
    defaults = document.get("request", {})
    file_class = document.get("request_class", path.stem)
    file_attach = _attach_spec(document.get("attach"))
    scenarios: list[Scenario] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(document["scenarios"]):
        scenario_id = raw.get("id") or slugify(raw["name"])
        if scenario_id in seen:
            line, column = locate(document, ["scenarios", index, "name"])
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    f"scenarios[{index}].name",
                    f"scenario id {scenario_id!r} is already used by the scenario on line "
                    f"{seen[scenario_id]}",
                    "give one of them a different name or an explicit 'id'",
                )
            )
            continue
        seen[scenario_id] = raw.line
        expect = raw.get("expect", {})
        is_error = raw["path"] == "error"
        scenarios.append(
            Scenario(
                name=raw["name"],
                id=scenario_id,
                path=raw["path"],
                file=path,
                line=raw.line,
                request_class=raw.get("request_class", file_class),
                tags=dict(raw.get("tags", {})),
                request=_merge_request(defaults, raw.get("request", {})),
                expect=Expectation(
                    status=expect.get("status", "2xx"),
                    bucket=expect.get("bucket"),
                    reason=expect.get("reason"),
                    untagged_count=expect.get(
                        "untagged_count", "increments" if is_error else "not-checked"
                    ),
                ),
                attach=_attach_spec(raw["attach"]) if "attach" in raw else file_attach,
            )
        )
    return scenarios
