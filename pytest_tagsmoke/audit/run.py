"""One audit: load the section, read the census, draw the sample, judge the checks.

Both front ends call :func:`run_audit`; neither knows how a store is read.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.audit.census import build_census
from pytest_tagsmoke.audit.config import load_audit
from pytest_tagsmoke.audit.sample import draw, plan, production_values, seed_record
from pytest_tagsmoke.audit.source import Reading, open_source
from pytest_tagsmoke.audit.source_config import TOKEN_FIELD
from pytest_tagsmoke.files.profile import load_profile

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.audit.config import AuditConfig
    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.policy.tag_policy import TagPolicy
    from pytest_tagsmoke.safety.redaction import Redactor


@dataclass(frozen=True)
class Check:
    """One thing the audit holds to: coverage of a dimension, a service's sample, drift,
    a complete census. ``kind`` and ``subject`` name it; ``message`` says why it failed."""

    kind: str
    subject: str
    passed: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.kind}[{self.subject}]" if self.subject else self.kind


@dataclass
class AuditResult:
    summary: dict[str, Any]
    sample: list[dict[str, Any]]
    checks: list[Check]
    secrets: list[str]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def load(profile_path: Path) -> tuple[Profile, AuditConfig]:
    """The profile and its audit section (both validated; raises TagsmokeFileError)."""
    profile = load_profile(profile_path)
    return profile, load_audit(profile_path, profile.policy)


def run_audit(
    profile: Profile,
    config: AuditConfig,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
    run_id: str = "",
) -> AuditResult:
    """Census, sample and checks over the window (``since``/``until`` override the section's).

    A store that cannot be read raises :class:`~pytest_tagsmoke.audit.source.AuditStoreError`.
    """
    moment = now or dt.datetime.now(dt.timezone.utc)
    window = config.window(moment, since, until)
    policy = profile.policy
    reading = Reading(
        window, config.seed, production_values(policy), sum(config.sample.values()) or 1
    )
    source = open_source(config.source, reading, profile.base_dir, endpoint=profile.endpoint)
    try:
        census = build_census(
            source.groups(),
            policy,
            config.dimensions,
            threshold=config.coverage_threshold,
            top_untagged=config.top_untagged,
            tokens_mapped=TOKEN_FIELD in config.source.fields,
        )
        strata = plan(config.sample, policy, census["most_variable"])
        drawn = draw(strata, source.candidates)
    finally:
        source.close()
    audit_date = moment.date().isoformat()
    sample = [seed_record(r, policy, audit_date, config.dimensions) for r in drawn]
    checks = judge(census, sample, config, policy, source.notes.partial)
    services = census["services"]
    for name, figures in services.items():
        mine = [r for r in sample if r["service"] == name]
        figures["sampled"] = len(mine)
        figures["sample_failures"] = sum(r["result"] == "fail" for r in mine)
        figures["conclusions_paused"] = figures["sample_failures"] > config.failure_limit
    results = Counter(r["result"] for r in sample)
    summary: dict[str, Any] = {
        "audit_date": audit_date,
        "run_id": run_id,
        "result": "pass" if all(c.passed for c in checks) else "fail",
        "window": window.as_dict(),
        "source": {"kind": config.source.kind, **source.notes.as_dict()},
        **census,
        "coverage_threshold": config.coverage_threshold,
        "failure_limit": config.failure_limit,
        "sample": {
            "seed": config.seed,
            "plan": {s.name: s.size for s in strata},
            "drawn": dict(Counter(r["stratum"] for r in sample)),
            "most_variable": census["most_variable"],
            "pass": results["pass"],
            "fail": results["fail"],
            "records": sample,
        },
        "checks": [
            {
                "name": c.name,
                "kind": c.kind,
                "subject": c.subject,
                "passed": c.passed,
                "message": c.message,
            }
            for c in checks
        ],
    }
    secrets = [*profile.secrets(), *config.source.secrets(profile.public_query_params)]
    return AuditResult(summary, sample, checks, secrets)


def audit_redactor(profile: Profile, config: AuditConfig) -> Redactor:
    """Scrubs the profile's and the audit source's secrets (for error messages)."""
    return profile.redactor().with_secrets(config.source.secrets(profile.public_query_params))


def judge(
    census: dict[str, Any],
    sample: list[dict[str, Any]],
    config: AuditConfig,
    policy: TagPolicy,
    partial: bool,
) -> list[Check]:
    checks: list[Check] = []
    total = census["records_in_window"]
    for dimension, figures in census["coverage"].items():
        checks.append(_coverage_check(dimension, figures, total, config.coverage_threshold))
    for service, figures in census["services"].items():
        mine = [r for r in sample if r["service"] == service]
        failed = [r for r in mine if r["result"] == "fail"]
        passed = len(failed) <= config.failure_limit
        follow_up = figures["follow_up_owner"]
        message = (
            f"service {service}: {len(failed)} of {len(mine)} sampled records fail "
            f"(limit {config.failure_limit}); {figures['records']} records in the window"
        )
        if not passed:
            message += (
                f". Pause environment-level conclusions for {service}; follow-up owner: "
                f"{follow_up}. Failed records:\n"
                + "\n".join(
                    f"  - {r['source_record'] or '(no source record)'} "
                    f"(correlation id {r['correlation_id'] or '—'}): {r['failure_reason']}"
                    for r in failed
                )
            )
        checks.append(
            Check(
                "service",
                service,
                passed,
                message,
                {"sampled": len(mine), "failures": len(failed), "follow_up_owner": follow_up},
            )
        )
    drift = census["drift"]
    drifted = sum(d["records"] for d in drift)
    drift_message = (
        "no drifted values in the window"
        if not drift
        else f"{drifted} records carry drifted values: "
        + "; ".join(
            f"{d['dimension']}={d['value']!r} → {d['approved_value']!r}: {d['records']} records"
            for d in drift
        )
        + f". Follow-up owner: {policy.follow_up_default}"
    )
    checks.append(Check("drift", "", not drift or config.drift == "report", drift_message))
    if partial:
        checks.append(
            Check(
                "census",
                "complete",
                False,
                "the census is partial: the store's listing stopped at its bound "
                f"({config.source.max_records} records); coverage and counts describe only "
                "the records read",
            )
        )
    return checks


def _coverage_check(dimension: str, figures: dict[str, Any], total: int, threshold: float) -> Check:
    if total == 0:
        return Check(
            "coverage", dimension, False, "no records in the window: coverage cannot be measured"
        )
    percent = figures["percent"]
    by_tokens = (
        f", {figures['percent_of_tokens']} % of {figures['tokens']} tokens"
        if figures["percent_of_tokens"] is not None
        else ""
    )
    text = (
        f"{dimension}: {figures['valid']} of {total} records carry a valid value "
        f"({percent} %{by_tokens}); threshold {threshold:g} %"
    )
    return Check("coverage", dimension, not figures["below_threshold"], text, dict(figures))
