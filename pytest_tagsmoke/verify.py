"""Judge one scenario: what was sent and the log record found, against the expectations.

Pure, no I/O: everything the judgement needs is passed in, so sending and verifying stay
separate steps.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pytest_tagsmoke.policy import (
    GATEWAY_ERROR,
    INVALID_ENVIRONMENT,
    MISSING_ENVIRONMENT,
    MISSING_OWNER,
    MISSING_TRACE,
    SHARED_COST_RULE_NEEDED,
    TAG_MISMATCH,
    UNTAGGED_NOT_ISOLATED,
    Classification,
    TagPolicy,
    classify,
    missing_reason,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.scenario import Scenario

YesNo = Literal["yes", "no", "not-checked"]


@dataclass(frozen=True)
class Finding:
    """One thing that is wrong, with the failure reason it maps to."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...]
    bucket: str | None
    detected_reason: str | None
    tag_found_in_log: YesNo
    bucket_incremented: YesNo
    tags_in_log: Mapping[str, str | None] = field(default_factory=dict)
    drift: Mapping[str, str] = field(default_factory=dict)
    #: The record's request class, where the profile maps ``request_class``.
    request_class_in_log: str | None = None
    #: Whether the record reports token usage, where the profile maps token fields.
    token_usage_reported: YesNo = "not-checked"

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def failure_reason(self) -> str | None:
        return self.findings[0].reason if self.findings else None


def expected_classification(scenario: Scenario, policy: TagPolicy) -> Classification:
    """What the policy says the sent tags should produce, with the scenario's overrides."""
    derived = classify(scenario.tags, policy)
    bucket = scenario.expect.bucket or derived.bucket
    reasons = (scenario.expect.reason,) if scenario.expect.reason else derived.reasons
    return Classification(bucket, reasons)


def judge(
    scenario: Scenario,
    policy: TagPolicy,
    status: int,
    record: LogRecord | None,
    counts_before: Mapping[str, int] | None,
    counts_after: Mapping[str, int] | None,
    response_text: str = "",
    sharing: int = 1,
    attempts: int = 1,
    looked_up: bool = True,
) -> Verdict:
    """The verdict for one scenario whose request got an HTTP answer ``status``.

    ``sharing``: how many scenarios of the run expect the same bucket, all counted between
    the same ``counts_before`` and ``counts_after``: the counter must grow by that much.
    ``attempts``: how many times the harness sent the request (transport retries); a
    gateway may log one record per attempt, so only records beyond that are duplicates.
    ``looked_up``: whether the log store was asked for the record. A missing record is
    ``missing_trace`` only then; judging an expected record nobody looked for is a bug of
    the caller (it is a setup problem), never a verdict.
    """
    findings: list[Finding] = []
    expect = scenario.expect
    if not expect.status_matches(status):
        # An unexpected answer: no record was looked for, so nothing about it is claimed.
        findings.append(Finding(GATEWAY_ERROR, f"HTTP status {status}, expected {expect.status}"))
        return Verdict(tuple(findings), None, None, "not-checked", "not-checked")
    if expect.rejected:
        text = response_text.lower()
        for name in expect.error_names:
            if name.lower() not in text:
                findings.append(
                    Finding(GATEWAY_ERROR, f"the gateway's error does not name {name!r}")
                )
    if not expect.expects_record:
        return Verdict(tuple(findings), None, None, "not-checked", "not-checked")
    if record is None:
        if not looked_up:
            raise ValueError("the log store was not asked for the record: nothing to judge")
        findings.append(
            Finding(
                MISSING_TRACE,
                "no log record for the correlation id appeared before the poll deadline",
            )
        )
        return Verdict(tuple(findings), None, None, "no", "not-checked")
    findings += _request_class_findings(scenario, record)
    if expect.failure_record == "tagged":
        findings += _sent_tag_findings(scenario, policy, record)
        findings += _record_field_findings(scenario, record)
        findings += _duplicate_findings(record, attempts)
        return _verdict(findings, scenario, policy, record, None, None, "not-checked")

    found = classify(record.values, policy)
    bucket = record.get("bucket") or found.bucket
    if scenario.path == "happy":
        findings += _happy_findings(scenario, policy, record, found, bucket)
    else:
        findings += _error_findings(scenario, policy, found, bucket)
    findings += _record_field_findings(scenario, record)
    findings += _token_findings(record)
    findings += _duplicate_findings(record, attempts)
    for name in ("timestamp", "source_record"):
        if not record.get(name):
            findings.append(
                Finding(
                    MISSING_TRACE,
                    f"the record has no {name}: it cannot be traced back to its source",
                )
            )

    incremented: YesNo = "not-checked"
    if scenario.expect.untagged_count == "increments":
        expected_bucket = expected_classification(scenario, policy).bucket
        if counts_before is None or counts_after is None:
            incremented = "not-checked"
        else:
            before = counts_before.get(expected_bucket, 0)
            after = counts_after.get(expected_bucket, 0)
            if after - before >= sharing:
                incremented = "yes"
            else:
                incremented = "no"
                needed = (
                    ""
                    if sharing == 1
                    else (
                        f"; {sharing} scenarios of the run expect it, so it should have grown by "
                        f"at least {sharing}"
                    )
                )
                findings.append(
                    Finding(
                        UNTAGGED_NOT_ISOLATED,
                        f"the {expected_bucket} counter did not go up enough ({before} before, "
                        f"{after} after{needed})",
                    )
                )
    return _verdict(findings, scenario, policy, record, bucket, found.reason, incremented)


def _verdict(
    findings: list[Finding],
    scenario: Scenario,
    policy: TagPolicy,
    record: LogRecord,
    bucket: str | None,
    detected_reason: str | None,
    incremented: YesNo,
) -> Verdict:
    tag_found: YesNo = "yes" if all(record.get(d) == v for d, v in scenario.tags.items()) else "no"
    tokens = token_fields(record)
    usage: YesNo = (
        "not-checked"
        if not tokens or bucket is None
        else "yes"
        if all(_is_count(record.get(n)) for n in tokens)
        else "no"
    )
    return Verdict(
        tuple(sorted(findings, key=_rank)),
        bucket,
        detected_reason,
        tag_found,
        incremented,
        tags_in_log={d: record.get(d) for d in policy.all_dimensions},
        drift=policy.drift(record.values),
        request_class_in_log=record.get(REQUEST_CLASS),
        token_usage_reported=usage,
    )


REQUEST_CLASS = "request_class"


def token_fields(record: LogRecord) -> list[str]:
    """The mapped token-usage fields: ``tokens``, ``*_tokens``, ``tokens_*``."""
    return [
        name
        for name in record.values
        if name == "tokens" or name.endswith("_tokens") or name.startswith("tokens_")
    ]


def _is_count(value: str | None) -> bool:
    return value is not None and value.isdigit()


def _request_class_findings(scenario: Scenario, record: LogRecord) -> list[Finding]:
    """Where the profile maps ``request_class``, the record must hold the scenario's."""
    if REQUEST_CLASS not in record.values:
        return []
    held = record.get(REQUEST_CLASS)
    if held == scenario.request_class:
        return []
    found = "has no value" if held is None else f"holds {held!r}"
    return [
        Finding(
            TAG_MISMATCH,
            f"request_class: the scenario's is {scenario.request_class!r}, the record {found}",
        )
    ]


def _token_findings(record: LogRecord) -> list[Finding]:
    """Where token fields are mapped, the record must report usage (counts, never price)."""
    findings = []
    for name in token_fields(record):
        held = record.get(name)
        if not _is_count(held):
            what = "has no value" if held is None else f"holds {held!r}, not a token count"
            findings.append(
                Finding(
                    TAG_MISMATCH,
                    f"token usage: record field {name} {what} (the allocation ledger needs "
                    "reported token usage per request)",
                )
            )
    return findings


def _duplicate_findings(record: LogRecord, attempts: int) -> list[Finding]:
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
    return [Finding(TAG_MISMATCH, detail)]


def _sent_tag_findings(scenario: Scenario, policy: TagPolicy, record: LogRecord) -> list[Finding]:
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
                INVALID_ENVIRONMENT
                if dimension == "environment" and held not in policy.environments
                else TAG_MISMATCH
            )
            findings.append(
                Finding(
                    reason,
                    f"{dimension}: sent {sent!r}, the record holds {held!r}"
                    + _drift_hint(dimension, held, policy),
                )
            )
    return findings


def _happy_findings(
    scenario: Scenario, policy: TagPolicy, record: LogRecord, found: Classification, bucket: str
) -> list[Finding]:
    findings = _sent_tag_findings(scenario, policy, record)
    reported = {f.reason for f in findings}
    for reason in found.reasons:
        if reason not in reported:
            findings.append(Finding(reason, _policy_detail(reason, record, policy)))
    expected_bucket = scenario.expect.bucket or "attributed"
    if bucket == "shared" and expected_bucket != "shared" and not findings:
        findings.append(
            Finding(
                SHARED_COST_RULE_NEEDED,
                "the gateway put the request in the "
                "shared bucket: no allocation rule "
                "is documented for it",
            )
        )
    elif bucket != expected_bucket and not findings:
        findings.append(
            Finding(
                TAG_MISMATCH, f"the record is in bucket {bucket!r}, expected {expected_bucket!r}"
            )
        )
    return findings


def _error_findings(
    scenario: Scenario, policy: TagPolicy, found: Classification, bucket: str
) -> list[Finding]:
    findings: list[Finding] = []
    expected = expected_classification(scenario, policy)
    if bucket != expected.bucket:
        merged = " and counted in a team's attributed total" if bucket == "attributed" else ""
        findings.append(
            Finding(
                UNTAGGED_NOT_ISOLATED,
                f"the record is in bucket {bucket!r}{merged}, expected {expected.bucket!r}",
            )
        )
    missing = [r for r in expected.reasons if r not in found.reasons]
    if missing:
        findings.append(
            Finding(
                TAG_MISMATCH,
                f"expected the record to show {', '.join(missing)};"
                f" it shows {', '.join(found.reasons) or 'none'}",
            )
        )
    return findings


_ORDER = (
    GATEWAY_ERROR,
    MISSING_TRACE,
    MISSING_ENVIRONMENT,
    INVALID_ENVIRONMENT,
    MISSING_OWNER,
    SHARED_COST_RULE_NEEDED,
    UNTAGGED_NOT_ISOLATED,
    TAG_MISMATCH,
)


def _rank(finding: Finding) -> int:
    """The smoke record names one reason: the most fundamental problem found."""
    return _ORDER.index(finding.reason) if finding.reason in _ORDER else len(_ORDER)


def _drift_hint(dimension: str, value: str | None, policy: TagPolicy) -> str:
    approved = policy.drift({dimension: value}).get(dimension)
    if approved is None:
        return ""
    return (
        f" (drift: {value!r} is a known alias of {approved!r}; normalize it where the tag "
        "is set or at the gateway)"
    )


def _record_field_findings(scenario: Scenario, record: LogRecord) -> list[Finding]:
    findings = []
    for name, wanted in scenario.expect.record.items():
        held = record.get(name)
        if wanted == "present" and held is None:
            findings.append(
                Finding(TAG_MISMATCH, f"record field {name}: expected a value, found none")
            )
        elif wanted == "absent" and held is not None:
            findings.append(
                Finding(TAG_MISMATCH, f"record field {name}: expected no value, found {held!r}")
            )
        elif isinstance(wanted, tuple) and held != wanted[1]:
            findings.append(
                Finding(
                    TAG_MISMATCH, f"record field {name}: expected {wanted[1]!r}, found {held!r}"
                )
            )
    return findings


def _policy_detail(reason: str, record: LogRecord, policy: TagPolicy) -> str:
    if reason == INVALID_ENVIRONMENT:
        return f"environment {record.get('environment')!r} is not an approved value" + _drift_hint(
            "environment", record.get("environment"), policy
        )
    if reason == "missing_owner":
        return policy.owner_fix(record.get("owner"))
    if reason == "shared_cost_rule_needed":
        return f"owner {record.get('owner')!r} is shared cost: a documented rule is needed"
    return reason.replace("_", " ")
