"""The stratified sample and the nine seed fields of each sampled record.

Reproducible: a record's place in the draw is the MD5 of ``seed|id|timestamp|source`` —
the same hex string in Python, SQLite (a registered function), PostgreSQL, DuckDB and the
other engines' renderings — and each stratum takes its records with the smallest keys. The
same seed over the same records gives the same sample, whatever the store.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke.audit.census import all_reasons, primary_reason
from pytest_tagsmoke.audit.groups import NO_SERVICE
from pytest_tagsmoke.policy.tag_policy import classify

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pytest_tagsmoke.policy.tag_policy import TagPolicy

StratumKind = Literal["production", "non_production", "service", "request_class"]
KEY_SEPARATOR = "|"


def sample_key(seed: int, record_id: str | None, timestamp: str | None, source: str | None) -> str:
    """A record's place in the seeded draw (lowest first)."""
    text = KEY_SEPARATOR.join((str(seed), record_id or "", timestamp or "", source or ""))
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Stratum:
    """Which records a part of the sample is drawn from."""

    name: str  # production, non_production, most_variable
    kind: StratumKind
    values: tuple[str, ...]  # production values, or the one service / request class
    size: int

    def matches(self, record: Mapping[str, str | None]) -> bool:
        if self.kind in ("production", "non_production"):
            inside = record.get("environment") in self.values
            return inside if self.kind == "production" else not inside
        if self.kind == "service":
            return record_service(record) == self.values[0]
        return (record.get("request_class") or NO_SERVICE) == self.values[0]


def record_service(record: Mapping[str, str | None]) -> str:
    return record.get("service") or record.get("owner") or NO_SERVICE


def production_values(policy: TagPolicy) -> tuple[str, ...]:
    """``production`` and the drift aliases that mean it (``prd`` traffic is production
    traffic, tagged wrong)."""
    aliases = policy.aliases.get("environment", {})
    return ("production", *sorted(a for a, v in aliases.items() if v == "production"))


def plan(
    sizes: Mapping[str, int], policy: TagPolicy, most_variable: Mapping[str, Any] | None
) -> list[Stratum]:
    values = production_values(policy)
    strata = [
        Stratum("production", "production", values, sizes["production"]),
        Stratum("non_production", "non_production", values, sizes["non_production"]),
    ]
    if most_variable is not None:
        strata.append(
            Stratum(
                "most_variable",
                most_variable["kind"],
                (most_variable["name"],),
                sizes["most_variable"],
            )
        )
    return [s for s in strata if s.size > 0]


Candidates = dict[str, Any]


def draw(
    strata: Sequence[Stratum], candidates: Callable[[Stratum, int], Sequence[Candidates]]
) -> list[Candidates]:
    """Each stratum's records with the smallest keys, none drawn twice.

    ``candidates(stratum, limit)`` answers the stratum's ``limit`` lowest-key records in key
    order; asking for the sizes of the strata before it as well leaves enough after records
    already drawn are skipped.
    """
    chosen: list[Candidates] = []
    seen: set[str] = set()
    for stratum in strata:
        taken = 0
        for record in candidates(stratum, stratum.size + len(chosen)):
            if taken == stratum.size:
                break
            if record["key"] in seen:
                continue
            seen.add(record["key"])
            chosen.append({**record, "stratum": stratum.name})
            taken += 1
    return chosen


def seed_record(
    record: Mapping[str, Any], policy: TagPolicy, audit_date: str, dimensions: Sequence[str]
) -> dict[str, Any]:
    """The nine seed fields of one sampled record, then what the audit saw."""
    traced = record.get("id") is not None and record.get("timestamp") is not None
    classification = classify(record, policy)
    reason = primary_reason(classification, traced)
    owner = record.get("owner")
    return {
        "audit_date": audit_date,
        "service_owner": owner,
        "environment_value": record.get("environment"),
        "request_class": record.get("request_class"),
        "correlation_id": record.get("id"),
        "source_record": record.get("source_record"),
        "result": "pass" if reason is None else "fail",
        "failure_reason": reason,
        "follow_up_owner": policy.follow_up_owner(owner),
        # The owner ledger's team, cost center and budget owner (None: unmapped or retired).
        "mapped_owner": policy.mapped_owner(owner),
        "stratum": record["stratum"],
        "service": record_service(record),
        "timestamp": record.get("timestamp"),
        "tags": {d: record.get(d) for d in dimensions},
        "bucket": classification.bucket,
        "reasons": list(all_reasons(classification, traced)),
        "sample_key": record["key"],
    }
