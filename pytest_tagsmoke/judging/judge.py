"""Judge one scenario: what was sent and the log record found, against the expectations.

Pure, no I/O: everything the judgement needs is in the :class:`Outcome` passed in, so
sending and judging stay separate steps.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.judging.record_checks import (
    REQUEST_CLASS,
    duplicate_findings,
    error_findings,
    happy_findings,
    is_count,
    record_field_findings,
    request_class_findings,
    sent_tag_findings,
    token_fields,
    token_findings,
    trace_findings,
)
from pytest_tagsmoke.judging.verdict import Finding, Verdict, YesNo
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import classify

if TYPE_CHECKING:
    from pytest_tagsmoke.judging.outcome import Outcome
    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.policy.tag_policy import TagPolicy


def judge(outcome: Outcome, policy: TagPolicy) -> Verdict:
    """The verdict for one scenario whose request got an HTTP answer.

    A missing record is ``missing_trace`` only when the log store was asked for it
    (``outcome.looked_up``); judging an expected record nobody looked for, or a request
    with no answer, is a bug of the caller (a setup problem), never a verdict.
    """
    scenario, status, record = outcome.scenario, outcome.status, outcome.record
    if status is None:
        raise ValueError("the request got no answer: nothing to judge")
    findings: list[Finding] = []
    expect = scenario.expect
    if not expect.status_matches(status):
        # An unexpected answer: no record was looked for, so nothing about it is claimed.
        findings.append(
            Finding(FailureReason.GATEWAY_ERROR, f"HTTP status {status}, expected {expect.status}")
        )
        return Verdict(tuple(findings), None, None, "not-checked", "not-checked")
    if expect.rejected:
        text = outcome.response_text.lower()
        for name in expect.error_names:
            if name.lower() not in text:
                findings.append(
                    Finding(
                        FailureReason.GATEWAY_ERROR, f"the gateway's error does not name {name!r}"
                    )
                )
    if not expect.expects_record:
        return Verdict(tuple(findings), None, None, "not-checked", "not-checked")
    if record is None:
        if not outcome.looked_up:
            raise ValueError("the log store was not asked for the record: nothing to judge")
        findings.append(
            Finding(
                FailureReason.MISSING_TRACE,
                "no log record for the correlation id appeared before the poll deadline",
            )
        )
        return Verdict(tuple(findings), None, None, "no", "not-checked")
    findings += request_class_findings(scenario, record)
    if expect.failure_record == "tagged":
        findings += sent_tag_findings(scenario, policy, record)
        findings += record_field_findings(scenario, record)
        findings += duplicate_findings(record, outcome.attempts)
        return _verdict(findings, outcome, policy, record, None, None, "not-checked")

    found = classify(record.values, policy)
    bucket = record.get("bucket") or found.bucket
    if scenario.flow == "happy":
        findings += happy_findings(scenario, policy, record, found, bucket)
    else:
        findings += error_findings(outcome.expected, found, bucket)
    findings += record_field_findings(scenario, record)
    findings += token_findings(record)
    findings += duplicate_findings(record, outcome.attempts)
    findings += trace_findings(record)
    incremented: YesNo = "not-checked"
    if expect.untagged_count == "increments":
        incremented, counter = counter_check(outcome)
        findings += counter
    return _verdict(findings, outcome, policy, record, bucket, found.reason, incremented)


def counter_check(outcome: Outcome) -> tuple[YesNo, list[Finding]]:
    """Whether the expected bucket's counter grew by at least ``outcome.sharing`` between
    the two reads (``not-checked`` without them), and the finding when it did not."""
    before_counts, after_counts = outcome.counts_before, outcome.counts_after
    if before_counts is None or after_counts is None:
        return "not-checked", []
    bucket, sharing = outcome.expected.bucket, outcome.sharing
    before, after = before_counts.get(bucket, 0), after_counts.get(bucket, 0)
    if after - before >= sharing:
        return "yes", []
    needed = (
        ""
        if sharing == 1
        else (
            f"; {sharing} scenarios of the run expect it, so it should have grown by "
            f"at least {sharing}"
        )
    )
    detail = f"the {bucket} counter did not go up enough ({before} before, {after} after{needed})"
    return "no", [Finding(FailureReason.UNTAGGED_NOT_ISOLATED, detail)]


def _verdict(
    findings: list[Finding],
    outcome: Outcome,
    policy: TagPolicy,
    record: LogRecord,
    bucket: str | None,
    detected_reason: FailureReason | None,
    incremented: YesNo,
) -> Verdict:
    sent = outcome.scenario.tags
    tag_found: YesNo = "yes" if all(record.get(d) == v for d, v in sent.items()) else "no"
    tokens = token_fields(record)
    usage: YesNo = (
        "not-checked"
        if not tokens or bucket is None
        else "yes"
        if all(is_count(record.get(n)) for n in tokens)
        else "no"
    )
    return Verdict(
        tuple(sorted(findings, key=lambda finding: finding.reason.rank)),
        bucket,
        detected_reason,
        tag_found,
        incremented,
        tags_in_log={d: record.get(d) for d in policy.all_dimensions},
        drift=policy.drift(record.values),
        request_class_in_log=record.get(REQUEST_CLASS),
        token_usage_reported=usage,
    )
