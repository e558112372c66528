"""The typed :class:`Profile` built from a validated, interpolated profile document, its
owner ledger read, and what a smoke run needs of it (a log store, how each tag travels).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.content_rules import PLACEHOLDER_CREDENTIAL
from pytest_tagsmoke.files.ledger import DEFAULT_REVIEW_MAX_AGE_DAYS, load_ledger
from pytest_tagsmoke.files.profile.model import (
    PRESET_HINT,
    Attach,
    CorrelationConfig,
    PollConfig,
    Profile,
    attach_hint,
)
from pytest_tagsmoke.files.tag_lint import TagLint
from pytest_tagsmoke.files.yaml_loader import locate
from pytest_tagsmoke.logstore.settings import NO_LOG_STORE, settings_from
from pytest_tagsmoke.policy.tag_policy import (
    CORE_DIMENSIONS,
    DEFAULT_ALIASES,
    DEFAULT_ENVIRONMENTS,
    TagPolicy,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pytest_tagsmoke.files.profile.interpolation import InterpolationContext


def smoke_run_problems(profile: Profile, document: Any, needs_store: bool = True) -> list[Problem]:
    """What a smoke run needs that the profile (with its preset) does not say: a log store
    (unless not ``needs_store``: a dry run, ``--collect-only``), and how each of the policy's
    dimensions travels. Nothing here defaults to a gateway's wire format (the reference
    gateway's is ``preset: reference``)."""
    problems = []
    line, column = locate(document, ["preset"] if "preset" in document else [])
    if needs_store and profile.log_store.kind == "none":
        problems.append(
            Problem(
                profile.path,
                line,
                column,
                "log_store",
                "the profile names no log store, so a run cannot find its records",
                f"add a log_store section (http, jsonl or sql), or {PRESET_HINT}",
            )
        )
    for dimension in profile.policy.dimensions:
        if dimension not in profile.attach:
            problems.append(
                Problem(
                    profile.path,
                    line,
                    column,
                    f"attach.{dimension}",
                    f"the profile says not how the tag {dimension!r} travels",
                    attach_hint(dimension),
                )
            )
    return problems


def lint_pattern_problems(values: Mapping[str, Any], ctx: InterpolationContext) -> list[Problem]:
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


def with_ledger(profile: Profile, document: Any, values: Mapping[str, Any]) -> Profile:
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


def build_profile(path: Path, values: dict[str, Any]) -> Profile:
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
        log_store=settings_from(values["log_store"]) if values.get("log_store") else NO_LOG_STORE,
        poll=PollConfig(**values.get("poll", {})),
        **kwargs,
    )
