"""The census: every record in the window, judged by the smoke test's own policy.

Pure functions. A store hands over :class:`Group` rows — one per distinct tuple of mapped
values (dimensions, service, request class, day, whether the record is traceable) with a
record count and a token sum — and :func:`build_census` classifies each distinct tuple once
with :func:`pytest_tagsmoke.policy.tag_policy.classify`, then weighs it by its count. The policy is
never re-implemented in a query.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.policy.tag_policy import (
    BUCKETS,
    INVALID_ENVIRONMENT,
    MISSING_ENVIRONMENT,
    MISSING_OWNER,
    MISSING_TRACE,
    SHARED_COST_RULE_NEEDED,
    classify,
)
from pytest_tagsmoke.records.summary import COUNT_NAMES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pytest_tagsmoke.audit.groups import Group as Group  # re-exported for type hints
    from pytest_tagsmoke.policy.tag_policy import Classification, TagPolicy

#: The seed's failure reasons, always listed in ``reasons`` (zero when absent).
SEED_REASONS = (
    MISSING_ENVIRONMENT,
    INVALID_ENVIRONMENT,
    MISSING_OWNER,
    MISSING_TRACE,
    SHARED_COST_RULE_NEEDED,
)


def primary_reason(classification: Classification, traced: bool) -> str | None:
    """The reason a record is counted under: the policy's first, else ``missing_trace``."""
    if classification.reason is not None:
        return classification.reason
    return None if traced else MISSING_TRACE


def all_reasons(classification: Classification, traced: bool) -> tuple[str, ...]:
    return classification.reasons + (() if traced else (MISSING_TRACE,))


def count_slot(reason: str | None) -> str:
    """summary.json's counts: clean, the seed's three failure counts, else other."""
    if reason is None:
        return "clean"
    return reason if reason in COUNT_NAMES else "other"


def valid_value(dimension: str, value: str | None, policy: TagPolicy) -> bool:
    """Present and, where the policy lists approved values, approved (the spend seed's
    "valid" tag): environments must be approved, owners known where an owner map exists."""
    if not value:
        return False
    if dimension == "environment":
        return value in policy.environments
    if dimension == "owner" and policy.owners:
        return value in policy.owners or value in policy.shared_owners
    return True


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


@dataclass
class _Tally:
    records: int = 0
    tokens: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    valid: Counter[str] = field(default_factory=Counter)
    owners: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        group: Group,
        reason: str | None,
        reasons: Sequence[str],
        valid: Sequence[str],
    ) -> None:
        self.records += group.records
        self.tokens += group.tokens or 0
        self.counts[count_slot(reason)] += group.records
        for name in reasons:
            self.reasons[name] += group.records
        for dimension in valid:
            self.valid[dimension] += group.records
        owner = group.values.get("owner")
        if owner:
            self.owners[owner] += group.records


def build_census(
    groups: Iterable[Group],
    policy: TagPolicy,
    dimensions: Sequence[str],
    *,
    threshold: float,
    top_untagged: int = 10,
    tokens_mapped: bool = False,
) -> dict[str, Any]:
    """The census as audit_summary.json reports it (without window, sample and checks)."""
    total = _Tally()
    services: dict[str, _Tally] = defaultdict(_Tally)
    classes: dict[str, _Tally] = defaultdict(_Tally)
    buckets: Counter[str] = Counter()
    valid_tokens: Counter[str] = Counter()
    drift: dict[tuple[str, str, str], list[int]] = {}
    untagged: Counter[tuple[str, str]] = Counter()
    daily: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    days: set[str] = set()
    judged: dict[tuple[tuple[str, str | None], ...], Classification] = {}

    for group in groups:
        key = tuple(sorted((d, group.values.get(d)) for d in policy.all_dimensions))
        classification = judged.get(key)
        if classification is None:
            classification = judged[key] = classify(group.values, policy)
        reason = primary_reason(classification, group.traced)
        reasons = all_reasons(classification, group.traced)
        valid = [d for d in dimensions if valid_value(d, group.values.get(d), policy)]
        total.add(group, reason, reasons, valid)
        services[group.service].add(group, reason, reasons, valid)
        classes[group.request_class].add(group, reason, reasons, valid)
        buckets[classification.bucket] += group.records
        for dimension in valid:
            valid_tokens[dimension] += group.tokens or 0
        for dimension, approved in policy.drift(group.values).items():
            value = group.values[dimension] or ""
            entry = drift.setdefault((dimension, value, approved), [0, 0])
            entry[0] += group.records
            entry[1] += group.tokens or 0
        if classification.bucket == "untagged":
            untagged[(group.service, group.request_class)] += group.records
        if group.day is not None:
            days.add(group.day)
            daily[("service", group.service)][group.day] += group.records
            daily[("request_class", group.request_class)][group.day] += group.records

    coverage: dict[str, Any] = {}
    for dimension in dimensions:
        percent = _percent(total.valid[dimension], total.records)
        coverage[dimension] = {
            "valid": total.valid[dimension],
            "records": total.records,
            "percent": percent,
            "below_threshold": percent is not None and percent < threshold,
            "valid_tokens": valid_tokens[dimension] if tokens_mapped else None,
            "tokens": total.tokens if tokens_mapped else None,
            "percent_of_tokens": (
                _percent(valid_tokens[dimension], total.tokens) if tokens_mapped else None
            ),
        }
    return {
        "records_in_window": total.records,
        "tokens_in_window": total.tokens if tokens_mapped else None,
        "counts": {name: total.counts[name] for name in (*COUNT_NAMES, "other")},
        "reasons": _reasons(total.reasons),
        "buckets": {name: buckets[name] for name in BUCKETS},
        "coverage": coverage,
        "drift": [
            {
                "dimension": dimension,
                "value": value,
                "approved_value": approved,
                "records": figures[0],
                "tokens": figures[1] if tokens_mapped else None,
            }
            for (dimension, value, approved), figures in sorted(
                drift.items(), key=lambda item: (-item[1][0], item[0])
            )
        ],
        "services": {
            name: _breakdown(tally, dimensions, policy, tokens_mapped, service=name)
            for name, tally in sorted(services.items())
        },
        "request_classes": {
            name: _breakdown(tally, dimensions, policy, tokens_mapped)
            for name, tally in sorted(classes.items())
        },
        "top_untagged_sources": [
            {"service": service, "request_class": request_class, "records": records}
            for (service, request_class), records in sorted(
                untagged.items(), key=lambda item: (-item[1], item[0])
            )[:top_untagged]
        ],
        "most_variable": most_variable(daily, sorted(days)),
        "distinct_tag_tuples": len(judged),
    }


def _reasons(counter: Counter[str]) -> dict[str, int]:
    reasons: dict[str, int] = {name: counter[name] for name in SEED_REASONS}
    reasons.update({name: counter[name] for name in sorted(counter) if name not in reasons})
    return reasons


def _breakdown(
    tally: _Tally,
    dimensions: Sequence[str],
    policy: TagPolicy,
    tokens_mapped: bool,
    *,
    service: str | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "records": tally.records,
        "tokens": tally.tokens if tokens_mapped else None,
        "counts": {name: tally.counts[name] for name in (*COUNT_NAMES, "other")},
        "reasons": _reasons(tally.reasons),
        "coverage": {d: _percent(tally.valid[d], tally.records) for d in dimensions},
    }
    if service is not None:
        result["follow_up_owner"] = service_follow_up(service, tally.owners, policy)
    return result


def service_follow_up(service: str, owners: Mapping[str, int], policy: TagPolicy) -> str:
    """Who fixes a service's metadata path: the owner map's entry for the service, else for
    the owner most of its records name, else the policy's default."""
    if service in policy.owners:
        return policy.follow_up_owner(service)
    if owners:
        top = sorted(owners.items(), key=lambda item: (-item[1], item[0]))[0][0]
        return policy.follow_up_owner(top)
    return policy.follow_up_default


def most_variable(
    daily: Mapping[tuple[str, str], Mapping[str, int]], days: Sequence[str]
) -> dict[str, Any] | None:
    """The service or request class whose daily record count varies most: the largest
    coefficient of variation (population standard deviation / mean) over every day of the
    window that has records, a day without its records counting 0 — relative, so a big
    steady service does not win on size alone. Ties go to the larger volume, then to
    services, then to the first name."""
    if not days:
        return None
    best: tuple[float, int, int, str, str] | None = None
    for (kind, name), per_day in daily.items():
        volumes = [per_day.get(day, 0) for day in days]
        total = sum(volumes)
        if total == 0:
            continue
        variation = round(statistics.pstdev(volumes) / (total / len(volumes)), 6)
        rank = (-variation, -total, 0 if kind == "service" else 1, name, kind)
        if best is None or rank < best:
            best = rank
    if best is None:
        return None
    variation, _, _, name, kind = best
    per_day = daily[(kind, name)]
    return {
        "kind": kind,
        "name": name,
        "coefficient_of_variation": round(-variation, 3),
        "daily_records": {day: per_day.get(day, 0) for day in days},
    }
