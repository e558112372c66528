"""The tag policy and the classification of a log record into a bucket and failure reasons.

Pure functions, no I/O: a later audit mode reuses :func:`classify` on sampled records.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_tagsmoke.policy.reasons import FailureReason

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

CORE_DIMENSIONS = ("owner", "environment", "use_case")
DEFAULT_ENVIRONMENTS = ("production", "staging", "development", "evaluation", "internal-tooling")
#: Known drift: values teams use instead of the approved one.
DEFAULT_ALIASES: Mapping[str, Mapping[str, str]] = {
    "environment": {"prod": "production", "prd": "production", "live": "production"}
}
BUCKETS = ("attributed", "untagged", "quarantine", "shared")

# The failure reasons, by their former names (one enumeration: pytest_tagsmoke.policy.reasons).
MISSING_ENVIRONMENT = FailureReason.MISSING_ENVIRONMENT
INVALID_ENVIRONMENT = FailureReason.INVALID_ENVIRONMENT
MISSING_OWNER = FailureReason.MISSING_OWNER
MISSING_TRACE = FailureReason.MISSING_TRACE
SHARED_COST_RULE_NEEDED = FailureReason.SHARED_COST_RULE_NEEDED
TAG_MISMATCH = FailureReason.TAG_MISMATCH
UNTAGGED_NOT_ISOLATED = FailureReason.UNTAGGED_NOT_ISOLATED
GATEWAY_ERROR = FailureReason.GATEWAY_ERROR
PRICING_CLAIM = FailureReason.PRICING_CLAIM


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the owner ledger: who an owner tag value is charged to.

    ``where`` is the row's location (``owners.yaml:12``), named in failure messages.
    """

    owner: str
    team: str
    cost_center: str
    budget_owner: str
    follow_up: str
    last_reviewed: str
    retired: bool = False
    where: str = ""

    def mapped(self) -> dict[str, str]:
        """The chargeback fields a smoke record carries as ``mapped_owner``."""
        return {
            "team": self.team,
            "cost_center": self.cost_center,
            "budget_owner": self.budget_owner,
        }


@dataclass(frozen=True)
class TagPolicy:
    """Which dimensions attribution needs, their approved values, and who follows up."""

    dimensions: tuple[str, ...] = CORE_DIMENSIONS
    optional_dimensions: tuple[str, ...] = ()
    environments: frozenset[str] = frozenset(DEFAULT_ENVIRONMENTS)
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: DEFAULT_ALIASES)
    owners: Mapping[str, str] = field(default_factory=dict)
    shared_owners: frozenset[str] = frozenset()
    shared_environments: frozenset[str] = frozenset()
    follow_up_default: str = "platform-finops"
    #: The owner ledger (owner tag value -> entry), empty when the profile names none.
    ledger: Mapping[str, LedgerEntry] = field(default_factory=dict)
    #: Where the ledger was read from (shown in fixes), e.g. ``owners.yaml``.
    ledger_source: str = ""

    @property
    def all_dimensions(self) -> tuple[str, ...]:
        return self.dimensions + tuple(
            d for d in self.optional_dimensions if d not in self.dimensions
        )

    def drift(self, tags: Mapping[str, str | None]) -> dict[str, str]:
        """Dimension -> approved value, for each tag that holds a known drift alias."""
        found: dict[str, str] = {}
        for dimension, aliases in self.aliases.items():
            value = tags.get(dimension)
            if value is not None and value in aliases:
                found[dimension] = aliases[value]
        return found

    def follow_up_owner(self, owner: str | None) -> str:
        """Who fixes a failure on ``owner``'s traffic: the ledger's live entry, the owner
        map's entry, else the default."""
        entry = self.ledger.get(owner) if owner else None
        if entry is not None and not entry.retired:
            return entry.follow_up
        if owner and owner in self.owners:
            return self.owners[owner]
        return self.follow_up_default

    def knows_owners(self) -> bool:
        """Whether the policy can tell a known owner from an unknown one."""
        return bool(self.owners or self.ledger)

    def owner_known(self, owner: str) -> bool:
        """In the ledger and not retired, or (without a ledger entry) in the owner map."""
        entry = self.ledger.get(owner)
        if entry is not None:
            return not entry.retired
        return owner in self.owners

    def mapped_owner(self, owner: str | None) -> dict[str, str] | None:
        """The ledger's team, cost center and budget owner for a live ``owner``, else None."""
        entry = self.ledger.get(owner) if owner else None
        if entry is None or entry.retired:
            return None
        return entry.mapped()

    def owner_fix(self, owner: str | None) -> str:
        """Why ``owner`` cannot be charged and what to change, naming the ledger row."""
        entry = self.ledger.get(owner) if owner else None
        if entry is not None and entry.retired:
            return (
                f"owner {owner!r} is retired in the owner ledger ({entry.where}): retag its "
                "traffic with the owner that took over, or un-retire the row after review"
            )
        if self.ledger:
            return (
                f"owner {owner!r} is not in the owner ledger ({self.ledger_source}): add a row "
                "for it (owner, team, cost_center, budget_owner, follow_up, last_reviewed), "
                "or fix the tag where it is set"
            )
        return f"owner {owner!r} is not in the policy's owner map"


@dataclass(frozen=True)
class Classification:
    """Where a record belongs and why; ``reasons`` is empty for a clean record."""

    bucket: str
    reasons: tuple[FailureReason, ...]

    @property
    def reason(self) -> FailureReason | None:
        return self.reasons[0] if self.reasons else None


def missing_reason(dimension: str) -> FailureReason:
    """The failure reason for a record that lacks ``dimension``."""
    if dimension == "environment":
        return MISSING_ENVIRONMENT
    if dimension == "owner":
        return MISSING_OWNER
    return TAG_MISMATCH


def classify(tags: Mapping[str, str | None], policy: TagPolicy) -> Classification:
    """Classify a record's tags by the policy alone (the gateway's own bucket is not read).

    Missing required dimensions put the record in ``untagged``; an environment outside the
    approved list (drift aliases such as ``prd`` included: they are reported, not accepted)
    puts it in ``quarantine``; a shared-cost owner or environment in ``shared``.
    """
    reasons: list[FailureReason] = []
    for dimension in policy.dimensions:
        if not tags.get(dimension):
            reasons.append(missing_reason(dimension))
    if reasons:
        return Classification("untagged", by_precedence(reasons))
    environment = tags.get("environment")
    if environment is not None and environment not in policy.environments:
        return Classification("quarantine", (INVALID_ENVIRONMENT,))
    owner = tags.get("owner")
    if (owner is not None and owner in policy.shared_owners) or (
        environment is not None and environment in policy.shared_environments
    ):
        return Classification("shared", (SHARED_COST_RULE_NEEDED,))
    if policy.knows_owners() and owner is not None and not policy.owner_known(owner):
        # Unknown or retired: attributed by the gateway, but nobody can be charged.
        return Classification("attributed", (MISSING_OWNER,))
    return Classification("attributed", ())


def expected_classification(
    tags: Mapping[str, str | None],
    policy: TagPolicy,
    bucket: str | None = None,
    reason: str | None = None,
) -> Classification:
    """What the policy says ``tags`` should produce; a scenario's expected ``bucket`` or
    ``reason`` (its ``expect:``) overrides the derived one."""
    derived = classify(tags, policy)
    return Classification(
        bucket or derived.bucket, (FailureReason(reason),) if reason else derived.reasons
    )


def by_precedence(reasons: list[FailureReason]) -> tuple[FailureReason, ...]:
    """Each reason once, by the one precedence of :class:`FailureReason`."""
    return tuple(sorted(dict.fromkeys(reasons), key=lambda reason: reason.rank))


def normalized(aliases: Mapping[str, Mapping[str, str]], dimension: str, value: str) -> str:
    """The policy's normalization: a known drift alias of ``dimension`` (``prd``) becomes
    its approved value (``production``); any other value stays as it is."""
    return aliases.get(dimension, {}).get(value, value)


def normalizer(policy: TagPolicy) -> Callable[[str, str], str]:
    """The policy's normalization as one function of (dimension, value), for a store's
    fields marked ``normalize``."""
    return functools.partial(normalized, policy.aliases)
