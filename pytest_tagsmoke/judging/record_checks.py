"""The checks of a log record found for a scenario: each returns the findings it makes.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.judging.verdict import Finding
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import missing_reason

if TYPE_CHECKING:
    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.policy.tag_policy import Classification, TagPolicy

REQUEST_CLASS = "request_class"


def token_fields(record: LogRecord) -> list[str]:
    """The mapped token-usage fields: ``tokens``, ``*_tokens``, ``tokens_*``."""
    return [
        name
        for name in record.values
        if name == "tokens" or name.endswith("_tokens") or name.startswith("tokens_")
    ]


def is_count(value: str | None) -> bool:
    return value is not None and value.isdigit()


def request_class_findings(scenario: Scenario, record: LogRecord) -> list[Finding]:
    """Where the profile maps ``request_class``, the record must hold the scenario's."""
    if REQUEST_CLASS not in record.values:
        return []
    held = record.get(REQUEST_CLASS)
    if held == scenario.request_class:
        return []
    found = "has no value" if held is None else f"holds {held!r}"
    return [
        Finding(
            FailureReason.TAG_MISMATCH,
            f"request_class: the scenario's is {scenario.request_class!r}, the record {found}",
        )
    ]


def token_findings(record: LogRecord) -> list[Finding]:
    """Where token fields are mapped, the record must report usage (counts, never price)."""
    findings = []
    for name in token_fields(record):
        held = record.get(name)
        if not is_count(held):
            what = "has no value" if held is None else f"holds {held!r}, not a token count"
            findings.append(
                Finding(
                    FailureReason.TAG_MISMATCH,
                    f"token usage: record field {name} {what} (the allocation ledger needs "
                    "reported token usage per request)",
                )
            )
    return findings


def duplicate_findings(record: LogRecord, attempts: int) -> list[Finding]:
    """More records than the harness made attempts: the gateway logged one attempt twice."""
    if record.count <= attempts:
        return []
    if attempts == 1:
        detail = (
            f"{record.count} log records for one correlation id: the request would be "
            f"counted {record.count} times"
        )
    else:
        detail = (
            f"{record.count} log records for one correlation id after {attempts} attempts "
            "(one record per attempt is expected): an attempt would be counted twice"
        )
    return [Finding(FailureReason.TAG_MISMATCH, detail)]


def sent_tag_findings(scenario: Scenario, policy: TagPolicy, record: LogRecord) -> list[Finding]:
    """Every sent tag must be in the record with the same value."""
    findings: list[Finding] = []
    for dimension, sent in scenario.tags.items():
        held = record.get(dimension)
        if held is None:
            findings.append(
                Finding(
                    missing_reason(dimension),
                    f"{dimension}: sent {sent!r}, the record has no value",
                )
            )
        elif held != sent:
            reason = (
                FailureReason.INVALID_ENVIRONMENT
                if dimension == "environment" and held not in policy.environments
                else FailureReason.TAG_MISMATCH
            )
            findings.append(
                Finding(
                    reason,
                    f"{dimension}: sent {sent!r}, the record holds {held!r}"
                    + drift_hint(dimension, held, policy),
                )
            )
    return findings


def happy_findings(
    scenario: Scenario, policy: TagPolicy, record: LogRecord, found: Classification, bucket: str
) -> list[Finding]:
    """A happy-path record: the sent tags, a clean classification, the expected bucket."""
    findings = sent_tag_findings(scenario, policy, record)
    reported = {f.reason for f in findings}
    for reason in found.reasons:
        if reason not in reported:
            findings.append(Finding(reason, policy_detail(reason, record, policy)))
    expected_bucket = scenario.expect.bucket or "attributed"
    if bucket == "shared" and expected_bucket != "shared" and not findings:
        findings.append(
            Finding(
                FailureReason.SHARED_COST_RULE_NEEDED,
                "the gateway put the request in the "
                "shared bucket: no allocation rule "
                "is documented for it",
            )
        )
    elif bucket != expected_bucket and not findings:
        findings.append(
            Finding(
                FailureReason.TAG_MISMATCH,
                f"the record is in bucket {bucket!r}, expected {expected_bucket!r}",
            )
        )
    return findings


def error_findings(expected: Classification, found: Classification, bucket: str) -> list[Finding]:
    """An error-path record: in the ``expected`` bucket, showing the expected reasons."""
    findings: list[Finding] = []
    if bucket != expected.bucket:
        merged = " and counted in a team's attributed total" if bucket == "attributed" else ""
        findings.append(
            Finding(
                FailureReason.UNTAGGED_NOT_ISOLATED,
                f"the record is in bucket {bucket!r}{merged}, expected {expected.bucket!r}",
            )
        )
    missing = [r for r in expected.reasons if r not in found.reasons]
    if missing:
        findings.append(
            Finding(
                FailureReason.TAG_MISMATCH,
                f"expected the record to show {', '.join(missing)};"
                f" it shows {', '.join(found.reasons) or 'none'}",
            )
        )
    return findings


def record_field_findings(scenario: Scenario, record: LogRecord) -> list[Finding]:
    """The scenario's ``expect.record``: a field present, absent or holding a value."""
    findings = []
    for name, wanted in scenario.expect.record.items():
        held = record.get(name)
        if wanted == "present" and held is None:
            findings.append(
                Finding(
                    FailureReason.TAG_MISMATCH, f"record field {name}: expected a value, found none"
                )
            )
        elif wanted == "absent" and held is not None:
            findings.append(
                Finding(
                    FailureReason.TAG_MISMATCH,
                    f"record field {name}: expected no value, found {held!r}",
                )
            )
        elif isinstance(wanted, tuple) and held != wanted[1]:
            findings.append(
                Finding(
                    FailureReason.TAG_MISMATCH,
                    f"record field {name}: expected {wanted[1]!r}, found {held!r}",
                )
            )
    return findings


def trace_findings(record: LogRecord) -> list[Finding]:
    """The record must carry its timestamp and its source record id."""
    return [
        Finding(
            FailureReason.MISSING_TRACE,
            f"the record has no {name}: it cannot be traced back to its source",
        )
        for name in ("timestamp", "source_record")
        if not record.get(name)
    ]


def drift_hint(dimension: str, value: str | None, policy: TagPolicy) -> str:
    approved = policy.drift({dimension: value}).get(dimension)
    if approved is None:
        return ""
    return (
        f" (drift: {value!r} is a known alias of {approved!r}; normalize it where the tag "
        "is set or at the gateway)"
    )


def policy_detail(reason: FailureReason, record: LogRecord, policy: TagPolicy) -> str:
    if reason == FailureReason.INVALID_ENVIRONMENT:
        return f"environment {record.get('environment')!r} is not an approved value" + drift_hint(
            "environment", record.get("environment"), policy
        )
    if reason == FailureReason.MISSING_OWNER:
        return policy.owner_fix(record.get("owner"))
    if reason == FailureReason.SHARED_COST_RULE_NEEDED:
        return f"owner {record.get('owner')!r} is shared cost: a documented rule is needed"
    return reason.replace("_", " ")
