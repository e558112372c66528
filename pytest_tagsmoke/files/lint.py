"""Warnings of ``tagsmoke validate``: things that hold a run up later but break nothing now.

Owner ledger rows due for review, owners the profile or scenarios name that the ledger
does not map (or has retired), and tag values that would explode cardinality (not a
lowercase slug, too long, a timestamp). Warnings are printed with file:line and never
change the exit status.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.ledger import review_warnings
from pytest_tagsmoke.files.tag_lint import TagLint
from pytest_tagsmoke.files.yaml_loader import format_key_path, load_yaml, locate

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.files.scenario import Scenario

__all__ = ["TagLint", "ledger_warnings", "tag_value_warnings"]


def ledger_warnings(profile: Profile, scenarios: Iterable[Scenario]) -> list[Problem]:
    """Stale reviews, and owner references (profile, happy-path scenarios) the ledger lacks."""
    policy = profile.policy
    if profile.ledger_path is None:
        return []
    warnings = review_warnings(
        profile.ledger_path, policy.ledger, profile.ledger_review_max_age_days
    )
    document = _profile_document(profile.path)
    named: list[list[str | int]] = [["policy", "owners", o] for o in policy.owners]
    shared = document.get("policy", {}).get("shared_owners", []) if document else []
    named += [["policy", "shared_owners", i] for i in range(len(shared))]
    for key_path in named:
        owner = key_path[-1] if isinstance(key_path[-1], str) else shared[key_path[-1]]
        if owner not in policy.ledger:
            line, column = locate(document, key_path)
            warnings.append(
                Problem(
                    profile.path,
                    line,
                    column,
                    format_key_path(key_path),
                    f"owner {owner!r} is not in the owner ledger {policy.ledger_source}",
                    "add a ledger row for it, or remove it from the profile",
                )
            )
    for scenario in scenarios:
        sent = scenario.tags.get("owner")
        if scenario.flow != "happy" or not sent or policy.owner_known(sent):
            continue
        warnings.append(
            Problem(
                scenario.file,
                scenario.line,
                None,
                f"{scenario.id}.tags.owner",
                policy.owner_fix(sent),
                "a happy-path scenario's owner must be a live ledger owner, or it fails "
                "with missing_owner",
            )
        )
    return warnings


def _profile_document(path: Path) -> Any:
    """The profile's YAML (for line numbers); None for a pyproject.toml table."""
    if path.suffix == ".toml":
        return None
    try:
        return load_yaml(path)
    except TagsmokeFileError:
        return None


TAG_LINT_HINT = (
    "use stable lowercase slugs (team-search, semantic-search): free text and timestamps "
    "make every value unique, which breaks aggregation (policy.tag_lint configures this)"
)


def tag_value_warnings(
    lint: TagLint, scenarios: Iterable[Scenario], owners: Iterable[tuple[Path, int | None, str]]
) -> list[Problem]:
    """A warning per happy-path scenario tag value (error paths send bad values on purpose)
    and per ledger owner that fails ``lint``."""
    warnings: list[Problem] = []
    for scenario in scenarios:
        if scenario.flow != "happy":
            continue
        for dimension, value in scenario.tags.items():
            for what in lint.problems(value):
                warnings.append(
                    Problem(
                        scenario.file,
                        scenario.line,
                        None,
                        f"{scenario.id}.tags.{dimension}",
                        f"tag value {value!r}: {what}",
                        TAG_LINT_HINT,
                    )
                )
    for path, line, owner in owners:
        for what in lint.problems(owner):
            warnings.append(
                Problem(path, line, None, "owner", f"owner {owner!r}: {what}", TAG_LINT_HINT)
            )
    return warnings
