"""Scenario files: load, validate (with line numbers) and turn into :class:`Scenario` objects.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import itertools
import os
import re
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.content_rules import claim_problems, secret_problems, without_duplicates
from pytest_tagsmoke.files.profile import Attach, InterpolationContext, interpolate_text
from pytest_tagsmoke.files.scenario_model import (
    DEFAULT_BODY,
    AttachSpec,
    Expectation,
    FieldExpectation,
    Mark,
    RequestSpec,
    Scenario,
)
from pytest_tagsmoke.files.schema_check import schema_problems
from pytest_tagsmoke.files.yaml_loader import YamlMap, load_yaml, locate

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from pathlib import Path

__all__ = [
    "DEFAULT_BODY",
    "AttachSpec",
    "Expectation",
    "FieldExpectation",
    "Mark",
    "RequestSpec",
    "Scenario",
    "load_scenario_file",
    "slugify",
]


def slugify(name: str) -> str:
    """A readable pytest id: lower case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "scenario"


def load_scenario_file(
    path: Path,
    text: str | None = None,
    known_fields: Collection[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    require_env: bool = True,
) -> list[Scenario]:
    """Every scenario of ``path``; all problems are raised together as TagsmokeFileError.

    ``known_fields``: the profile's mapped record fields, which ``expect.record`` may name.
    ``${VAR}`` and ``${VAR:-default}`` interpolate ``environ`` (default: the environment)
    as in profiles; with ``require_env=False`` (validate, dry run) an unset variable is no
    problem.
    """
    document = load_yaml(path, text)
    if document is None:
        raise TagsmokeFileError(
            [
                Problem(
                    path,
                    1,
                    1,
                    "",
                    "the file is empty",
                    "add a 'scenarios:' list (see docs/reference.md, 'Scenario files')",
                )
            ]
        )
    rule_problems = secret_problems(document, path)
    if isinstance(document, dict) and isinstance(document.get("scenarios"), list):
        roots: list[list[str | int]] = [
            ["scenarios", i, "expect"] for i in range(len(document["scenarios"]))
        ]
        rule_problems += claim_problems(document, path, roots)
    problems = without_duplicates(
        rule_problems, schema_problems(document, "scenario.schema.json", path)
    )
    if problems:
        raise TagsmokeFileError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    env = os.environ if environ is None else environ
    ctx = InterpolationContext(path, document, env, problems)
    _interpolate_in_place(document, [], ctx)
    if not require_env:
        problems.clear()
    if problems:
        raise TagsmokeFileError(problems)
    problems += _model_problems(document, path)
    scenarios = _build(document, path, problems, known_fields)
    if problems:
        raise TagsmokeFileError(problems)
    return scenarios


def _interpolate_in_place(node: Any, key_path: list[str | int], ctx: InterpolationContext) -> None:
    """Interpolate every string of the document, keeping its line-aware mappings; values
    that travel in a header (request headers, credentials) are stripped of surrounding
    whitespace (``export KEY=$(cat keyfile)`` keeps the file's newline)."""
    items: list[tuple[Any, Any]] = (
        list(node.items())
        if isinstance(node, dict)
        else list(enumerate(node))
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        where = [*key_path, key]
        if isinstance(value, str):
            if "${" in value:
                value = interpolate_text(value, where, ctx)
                if "headers" in key_path or key == "credential":
                    value = value.strip()
                node[key] = value
        else:
            _interpolate_in_place(value, where, ctx)


_MODEL_FIELD = re.compile(r"^(model|.+[-_]model|model[-_].+)$", re.IGNORECASE)
MODEL_WHY = (
    "a smoke test of the tagging path must not assert specific model identifiers (the "
    "spend-attribution guide's 'what this smoke test must not assert'): which model a "
    "gateway routes to changes without any tagging problem"
)


def _model_problems(document: YamlMap, path: Path) -> list[Problem]:
    """``expect.record`` keys that assert a model identifier, refused with the reason."""
    problems: list[Problem] = []
    for index, raw in enumerate(document["scenarios"]):
        record = raw.get("expect", {}).get("record", {})
        for name in record:
            if _MODEL_FIELD.match(name):
                line, column = locate(document, ["scenarios", index, "expect", "record", name])
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        f"scenarios[{index}].expect.record.{name}",
                        MODEL_WHY,
                        "remove it; the request body's model only has to be a cheap one",
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


def _marks(raw: list[Any]) -> tuple[Mark, ...]:
    marks = []
    for entry in raw:
        if isinstance(entry, str):
            marks.append(Mark(entry))
        else:
            ((name, reason),) = entry.items()
            marks.append(Mark(name, reason))
    return tuple(marks)


def _record_expectations(raw: Mapping[str, Any]) -> dict[str, FieldExpectation]:
    result: dict[str, FieldExpectation] = {}
    for name, spec in raw.items():
        result[name] = ("equals", spec["equals"]) if isinstance(spec, dict) else spec
    return result


def _expansions(raw: YamlMap) -> list[tuple[str, dict[str, str]]]:
    """(id suffix, placeholder values) for each run of the scenario; one run without expand."""
    expand: Mapping[str, list[str]] = raw.get("expand") or {}
    if not expand:
        return [("", {})]
    names = list(expand)
    runs = []
    for values in itertools.product(*(expand[n] for n in names)):
        runs.append(("[" + "-".join(values) + "]", dict(zip(names, values, strict=True))))
    return runs


def _fill(template: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _build(
    document: YamlMap,
    path: Path,
    problems: list[Problem],
    known_fields: Collection[str] | None,
) -> list[Scenario]:
    defaults = document.get("request", {})
    file_class = document.get("request_class", path.stem)
    file_attach = _attach_spec(document.get("attach"))
    scenarios: list[Scenario] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(document["scenarios"]):
        expect = raw.get("expect", {})
        status = expect.get("status", "2xx")
        counts_by_default = raw["path"] == "error" and str(status)[0] != "4"
        record = _record_expectations(expect.get("record", {}))
        if "derived_owner" in expect:
            record["owner"] = ("equals", expect["derived_owner"])
            if "owner" in raw.get("tags", {}):
                line, column = locate(document, ["scenarios", index, "tags", "owner"])
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        f"scenarios[{index}].tags.owner",
                        "expect.derived_owner says the gateway derives the owner from the "
                        "caller's key, but the scenario sends an owner tag",
                        "remove the owner tag, or expect record: {owner: {equals: ...}}",
                    )
                )
        for name in record:
            if known_fields is not None and name not in known_fields:
                line, column = locate(document, ["scenarios", index, "expect", "record", name])
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        f"scenarios[{index}].expect.record.{name}",
                        f"the profile maps no record field {name!r}",
                        f"map it under log_store.fields in the profile, or use one of: "
                        f"{', '.join(sorted(known_fields))}",
                    )
                )
        base_id = raw.get("id") or slugify(re.sub(r"\{[a-z0-9_]+\}", "", raw["name"]))
        # What ``expand`` does not fill in is built once and shared by every run (frozen).
        request = _merge_request(defaults, raw.get("request", {}))
        expectation = Expectation(
            status=status,
            bucket=expect.get("bucket"),
            reason=expect.get("reason"),
            untagged_count=expect.get(
                "untagged_count", "increments" if counts_by_default else "not-checked"
            ),
            record=record,
            error_names=tuple(expect.get("error_names", ())),
            failure_record=expect.get("failure_record"),
        )
        attach = _attach_spec(raw["attach"]) if "attach" in raw else file_attach
        marks = _marks(raw.get("marks", []))
        for suffix, values in _expansions(raw):
            scenario_id = base_id + suffix
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
            scenarios.append(
                Scenario(
                    name=_fill(raw["name"], values),
                    id=scenario_id,
                    flow=raw["path"],
                    file=path,
                    line=raw.line,
                    request_class=raw.get("request_class", file_class),
                    tags={d: _fill(v, values) for d, v in raw.get("tags", {}).items()},
                    request=request,
                    expect=expectation,
                    attach=attach,
                    marks=marks,
                    credential=raw.get("credential", document.get("credential")),
                )
            )
    return scenarios
