"""Judging on plain values: each case states the whole verdict a person would read.

The scenario, the record found and the counter reads are built here; ``judge`` gets them as
the outcome the sending and finding steps leave (``tests.helpers.sent``).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

import pytest

from pytest_tagsmoke.judging import Finding, Verdict, judge
from pytest_tagsmoke.judging.record_checks import drift_hint, is_count, token_fields
from pytest_tagsmoke.logstore import LogRecord
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import TagPolicy
from tests.helpers import scenario, sent

if TYPE_CHECKING:
    from pytest_tagsmoke.files.scenario import Scenario

R = FailureReason
POLICY = TagPolicy(owners={"team-a": "alice"}, shared_owners=frozenset({"platform"}))
CLEAN = {"owner": "team-a", "environment": "staging", "use_case": "search"}
TRACE = {"timestamp": "2026-11-28T10:00:00Z", "source_record": "r:1"}
#: What a clean record shows of the policy's dimensions.
SHOWN = {"owner": "team-a", "environment": "staging", "use_case": "search"}


def _scenario(
    path: Literal["happy", "error"] = "happy", tags: dict[str, str] | None = None, **expect: Any
) -> Scenario:
    return scenario(path, CLEAN if tags is None else tags, **expect)


def _record(**values: str | None) -> LogRecord:
    return LogRecord({**TRACE, **values})


def _times(count: int, record: LogRecord) -> LogRecord:
    """``record`` as a store holding it ``count`` times."""
    return LogRecord(record.values, count=count)


def _judge(
    scenario: Scenario, status: int | None, record: LogRecord | None, **rest: Any
) -> Verdict:
    policy = rest.pop("policy", POLICY)
    return judge(sent(scenario, policy, status, record, **rest), policy)


def _clean(**changes: Any) -> Verdict:
    """The verdict of a clean happy-path record, with ``changes``."""
    fields: dict[str, Any] = {
        "findings": (),
        "bucket": "attributed",
        "detected_reason": None,
        "tag_found_in_log": "yes",
        "bucket_incremented": "not-checked",
        "tags_in_log": SHOWN,
        "drift": {},
        "request_class_in_log": None,
        "token_usage_reported": "not-checked",
    }
    return Verdict(**{**fields, **changes})


# -- the answer ----------------------------------------------------------------------------


def test_a_request_with_no_answer_cannot_be_judged() -> None:
    with pytest.raises(ValueError, match=r"^the request got no answer: nothing to judge$"):
        _judge(_scenario(), None, _record(**CLEAN))


def test_an_unexpected_status_is_a_gateway_error_and_claims_nothing_about_a_record() -> None:
    assert _judge(_scenario(), 503, _record(**CLEAN)) == Verdict(
        (Finding(R.GATEWAY_ERROR, "HTTP status 503, expected 2xx"),),
        None,
        None,
        "not-checked",
        "not-checked",
    )


def test_a_refusal_must_name_each_expected_word_in_any_case() -> None:
    scenario = _scenario(status="4xx", error_names=("Owner", "environment", "USE_CASE"))
    verdict = _judge(scenario, 400, None, response_text="Missing OWNER tag; use_case too")
    assert verdict == Verdict(
        (Finding(R.GATEWAY_ERROR, "the gateway's error does not name 'environment'"),),
        None,
        None,
        "not-checked",
        "not-checked",
    )
    named = _judge(scenario, 400, None, response_text="owner, ENVIRONMENT and use_case")
    assert named == Verdict((), None, None, "not-checked", "not-checked")


# -- the record found ------------------------------------------------------------------------


def test_no_record_after_looking_is_missing_trace() -> None:
    assert _judge(_scenario(), 200, None) == Verdict(
        (
            Finding(
                R.MISSING_TRACE,
                "no log record for the correlation id appeared before the poll deadline",
            ),
        ),
        None,
        None,
        "no",
        "not-checked",
    )


def test_no_record_without_looking_cannot_be_judged() -> None:
    with pytest.raises(
        ValueError, match=r"^the log store was not asked for the record: nothing to judge$"
    ):
        _judge(_scenario(), 200, None, looked_up=False)


def test_a_clean_record_passes_with_what_it_showed() -> None:
    verdict = _judge(_scenario(), 200, _record(**CLEAN, bucket="attributed", team="x"))
    assert verdict == _clean()
    assert verdict.passed


def test_the_policy_classifies_a_record_without_a_bucket_field() -> None:
    assert _judge(_scenario(), 200, _record(**CLEAN)) == _clean()


@pytest.mark.parametrize("missing", [{"timestamp": None}, {"source_record": ""}])
def test_a_record_without_its_trace_is_missing_trace(missing: dict[str, str | None]) -> None:
    (name,) = missing
    record = LogRecord({**TRACE, **CLEAN, **missing})
    assert _judge(_scenario(), 200, record) == _clean(
        findings=(
            Finding(
                R.MISSING_TRACE, f"the record has no {name}: it cannot be traced back to its source"
            ),
        )
    )


def test_a_record_with_neither_trace_field_has_two_findings() -> None:
    verdict = _judge(_scenario(), 200, LogRecord(dict(CLEAN)))
    assert [f.detail for f in verdict.findings] == [
        "the record has no timestamp: it cannot be traced back to its source",
        "the record has no source_record: it cannot be traced back to its source",
    ]


# -- the sent tags and the classification (happy path) -----------------------------------------


def test_a_changed_tag_value_is_a_mismatch_and_shown() -> None:
    record = _record(**{**CLEAN, "use_case": "other"})
    assert _judge(_scenario(), 200, record) == _clean(
        findings=(Finding(R.TAG_MISMATCH, "use_case: sent 'search', the record holds 'other'"),),
        tag_found_in_log="no",
        tags_in_log={**SHOWN, "use_case": "other"},
    )


def test_a_missing_tag_names_its_own_reason_once() -> None:
    record = _record(environment="staging", use_case="search")
    assert _judge(_scenario(), 200, record) == _clean(
        findings=(Finding(R.MISSING_OWNER, "owner: sent 'team-a', the record has no value"),),
        bucket="untagged",
        detected_reason=R.MISSING_OWNER,
        tag_found_in_log="no",
        tags_in_log={**SHOWN, "owner": None},
    )


def test_an_unapproved_environment_is_invalid_with_its_drift() -> None:
    record = _record(**{**CLEAN, "environment": "prd"})
    hint = (
        " (drift: 'prd' is a known alias of 'production'; normalize it where the tag is set "
        "or at the gateway)"
    )
    assert _judge(_scenario(), 200, record) == _clean(
        findings=(
            Finding(
                R.INVALID_ENVIRONMENT, "environment: sent 'staging', the record holds 'prd'" + hint
            ),
        ),
        bucket="quarantine",
        detected_reason=R.INVALID_ENVIRONMENT,
        tag_found_in_log="no",
        tags_in_log={**SHOWN, "environment": "prd"},
        drift={"environment": "production"},
    )


def test_an_approved_but_different_environment_is_a_mismatch_without_a_hint() -> None:
    record = _record(**{**CLEAN, "environment": "production"})
    (finding,) = _judge(_scenario(), 200, record).findings
    assert finding == Finding(
        R.TAG_MISMATCH, "environment: sent 'staging', the record holds 'production'"
    )


def test_a_sent_unapproved_environment_is_explained_by_the_policy() -> None:
    tags = {**CLEAN, "environment": "prd"}
    verdict = _judge(_scenario(tags=tags), 200, _record(**tags))
    assert verdict.findings == (
        Finding(
            R.INVALID_ENVIRONMENT,
            "environment 'prd' is not an approved value (drift: 'prd' is a known alias of "
            "'production'; normalize it where the tag is set or at the gateway)",
        ),
    )
    other = {**CLEAN, "environment": "moon"}
    (finding,) = _judge(_scenario(tags=other), 200, _record(**other)).findings
    assert finding.detail == "environment 'moon' is not an approved value"


def test_an_unknown_owner_is_explained_by_the_policy() -> None:
    tags = {**CLEAN, "owner": "team-zz"}
    verdict = _judge(_scenario(tags=tags), 200, _record(**tags))
    assert verdict.findings == (
        Finding(R.MISSING_OWNER, "owner 'team-zz' is not in the policy's owner map"),
    )
    assert verdict.detected_reason == R.MISSING_OWNER
    assert verdict.bucket == "attributed"


def test_a_shared_owner_needs_a_rule() -> None:
    tags = {**CLEAN, "owner": "platform"}
    verdict = _judge(_scenario(tags=tags), 200, _record(**tags))
    assert verdict == _clean(
        findings=(
            Finding(
                R.SHARED_COST_RULE_NEEDED,
                "owner 'platform' is shared cost: a documented rule is needed",
            ),
        ),
        bucket="shared",
        detected_reason=R.SHARED_COST_RULE_NEEDED,
        tags_in_log={**SHOWN, "owner": "platform"},
    )


def test_a_scenario_that_expects_the_shared_bucket_still_gets_the_policy_finding() -> None:
    tags = {**CLEAN, "owner": "platform"}
    verdict = _judge(_scenario(tags=tags, bucket="shared"), 200, _record(**tags))
    assert [f.reason for f in verdict.findings] == [R.SHARED_COST_RULE_NEEDED]


def test_tags_the_scenario_did_not_send_are_named_by_their_reason() -> None:
    verdict = _judge(_scenario(tags={"owner": "team-a"}), 200, _record(owner="team-a"))
    assert verdict.findings == (
        Finding(R.MISSING_ENVIRONMENT, "missing environment"),
        Finding(R.TAG_MISMATCH, "tag mismatch"),
    )
    assert verdict.tag_found_in_log == "yes"


def test_the_gateway_putting_a_clean_request_in_the_shared_bucket_needs_a_rule() -> None:
    verdict = _judge(_scenario(), 200, _record(**CLEAN, bucket="shared"))
    assert verdict == _clean(
        findings=(
            Finding(
                R.SHARED_COST_RULE_NEEDED,
                "the gateway put the request in the shared bucket: no allocation rule is "
                "documented for it",
            ),
        ),
        bucket="shared",
    )


def test_the_shared_bucket_is_fine_where_the_scenario_expects_it() -> None:
    verdict = _judge(_scenario(bucket="shared"), 200, _record(**CLEAN, bucket="shared"))
    assert verdict == _clean(bucket="shared")


@pytest.mark.parametrize("bucket", ["untagged", "quarantine"])
def test_a_clean_record_in_another_bucket_is_a_mismatch(bucket: str) -> None:
    verdict = _judge(_scenario(), 200, _record(**CLEAN, bucket=bucket))
    assert verdict == _clean(
        findings=(
            Finding(R.TAG_MISMATCH, f"the record is in bucket {bucket!r}, expected 'attributed'"),
        ),
        bucket=bucket,
    )


def test_a_scenario_may_expect_another_bucket() -> None:
    verdict = _judge(_scenario(bucket="quarantine"), 200, _record(**CLEAN, bucket="attributed"))
    assert verdict.findings == (
        Finding(R.TAG_MISMATCH, "the record is in bucket 'attributed', expected 'quarantine'"),
    )


def test_a_bucket_finding_is_left_out_when_the_tags_already_explain() -> None:
    record = _record(**{**CLEAN, "use_case": "x"}, bucket="shared")
    assert [f.reason for f in _judge(_scenario(), 200, record).findings] == [R.TAG_MISMATCH]
    record = _record(**{**CLEAN, "use_case": "x"}, bucket="untagged")
    assert [f.reason for f in _judge(_scenario(), 200, record).findings] == [R.TAG_MISMATCH]


# -- the error path ----------------------------------------------------------------------------

UNTAGGED = {"owner": "team-a", "use_case": "search"}


def test_an_isolated_error_record_passes() -> None:
    record = _record(**UNTAGGED, bucket="untagged")
    verdict = _judge(_scenario("error", UNTAGGED), 200, record)
    assert verdict == _clean(
        bucket="untagged",
        detected_reason=R.MISSING_ENVIRONMENT,
        tags_in_log={**SHOWN, "environment": None},
    )


def test_an_error_record_merged_into_a_team_is_not_isolated() -> None:
    record = _record(**UNTAGGED, bucket="attributed")
    verdict = _judge(_scenario("error", UNTAGGED), 200, record)
    assert verdict.findings == (
        Finding(
            R.UNTAGGED_NOT_ISOLATED,
            "the record is in bucket 'attributed' and counted in a team's attributed total, "
            "expected 'untagged'",
        ),
    )


def test_an_error_record_in_another_bucket_is_not_isolated() -> None:
    record = _record(**UNTAGGED, bucket="quarantine")
    (finding,) = _judge(_scenario("error", UNTAGGED), 200, record).findings
    assert finding == Finding(
        R.UNTAGGED_NOT_ISOLATED, "the record is in bucket 'quarantine', expected 'untagged'"
    )


def test_an_error_record_must_show_the_expected_reasons() -> None:
    scenario = _scenario("error", UNTAGGED, reason="missing_owner")
    record = _record(**UNTAGGED, bucket="untagged")
    assert _judge(scenario, 200, record).findings == (
        Finding(
            R.TAG_MISMATCH,
            "expected the record to show missing_owner; it shows missing_environment",
        ),
    )
    clean = _record(**CLEAN, bucket="untagged")
    assert _judge(scenario, 200, clean).findings == (
        Finding(R.TAG_MISMATCH, "expected the record to show missing_owner; it shows none"),
    )


def test_every_missing_reason_and_every_shown_one_is_listed() -> None:
    quarantined = _record(environment="moon", owner="team-a", use_case="search")
    assert _judge(_scenario("error", {}), 200, quarantined).findings == (
        Finding(
            R.UNTAGGED_NOT_ISOLATED, "the record is in bucket 'quarantine', expected 'untagged'"
        ),
        Finding(
            R.TAG_MISMATCH,
            "expected the record to show missing_environment, missing_owner, tag_mismatch;"
            " it shows invalid_environment",
        ),
    )
    scenario = _scenario("error", {"owner": "team-a"}, reason="missing_owner")
    assert _judge(scenario, 200, _record(owner="team-a")).findings == (
        Finding(
            R.TAG_MISMATCH,
            "expected the record to show missing_owner; it shows missing_environment, tag_mismatch",
        ),
    )


def test_a_refusal_that_leaves_a_record_keeps_its_own_finding() -> None:
    for path in ("happy", "error"):
        scenario = _scenario(
            path, UNTAGGED, status="4xx", bucket="untagged", error_names=("owner",)
        )
        record = _record(**UNTAGGED, bucket="untagged")
        verdict = _judge(scenario, 403, record, response_text="forbidden")
        assert verdict.findings[0] == Finding(
            R.GATEWAY_ERROR, "the gateway's error does not name 'owner'"
        )


def test_an_error_scenario_may_expect_another_bucket() -> None:
    scenario = _scenario("error", UNTAGGED, bucket="quarantine")
    record = _record(**UNTAGGED, bucket="quarantine")
    assert _judge(scenario, 200, record).passed


# -- the bucket counter ------------------------------------------------------------------------


def _counted(**rest: Any) -> Verdict:
    scenario = _scenario("error", UNTAGGED, untagged_count="increments")
    return _judge(scenario, 200, _record(**UNTAGGED, bucket="untagged"), **rest)


@pytest.mark.parametrize(
    ("before", "after"), [(None, {"untagged": 9}), ({"untagged": 1}, None), (None, None)]
)
def test_without_both_reads_the_counter_is_not_checked(
    before: dict[str, int] | None, after: dict[str, int] | None
) -> None:
    verdict = _counted(counts_before=before, counts_after=after)
    assert verdict.bucket_incremented == "not-checked"
    assert verdict.passed


@pytest.mark.parametrize(
    ("before", "after", "sharing"),
    [
        ({"untagged": 3}, {"untagged": 4}, 1),
        ({}, {"untagged": 1}, 1),
        ({"untagged": 3}, {"untagged": 6}, 3),
    ],
)
def test_a_counter_that_grew_enough_passes(
    before: dict[str, int], after: dict[str, int], sharing: int
) -> None:
    verdict = _counted(counts_before=before, counts_after=after, sharing=sharing)
    assert verdict.bucket_incremented == "yes"
    assert verdict.passed


def test_a_counter_that_did_not_grow_is_not_isolated() -> None:
    verdict = _counted(
        counts_before={"untagged": 3, "shared": 1}, counts_after={"shared": 9, "untagged": 3}
    )
    assert verdict.bucket_incremented == "no"
    assert verdict.findings == (
        Finding(
            R.UNTAGGED_NOT_ISOLATED,
            "the untagged counter did not go up enough (3 before, 3 after)",
        ),
    )


def test_a_counter_read_as_missing_after_is_zero() -> None:
    verdict = _counted(counts_before={"untagged": 2}, counts_after={})
    assert verdict.findings[0].detail == (
        "the untagged counter did not go up enough (2 before, 0 after)"
    )


def test_a_shared_counter_must_grow_by_every_scenario_that_expects_it() -> None:
    verdict = _counted(counts_before={"untagged": 3}, counts_after={"untagged": 5}, sharing=3)
    assert verdict.findings == (
        Finding(
            R.UNTAGGED_NOT_ISOLATED,
            "the untagged counter did not go up enough (3 before, 5 after; 3 scenarios of the "
            "run expect it, so it should have grown by at least 3)",
        ),
    )


def test_the_counter_of_the_expected_bucket_is_read() -> None:
    scenario = _scenario("error", UNTAGGED, bucket="quarantine", untagged_count="increments")
    record = _record(**UNTAGGED, bucket="quarantine")
    verdict = _judge(
        scenario, 200, record, counts_before={"quarantine": 0}, counts_after={"untagged": 5}
    )
    assert verdict.findings[0].detail == (
        "the quarantine counter did not go up enough (0 before, 0 after)"
    )


def test_a_counter_is_not_checked_where_the_scenario_does_not_ask() -> None:
    record = _record(**UNTAGGED, bucket="untagged")
    verdict = _judge(
        _scenario("error", UNTAGGED), 200, record, counts_before={"untagged": 1}, counts_after={}
    )
    assert verdict.bucket_incremented == "not-checked"
    assert verdict.passed


# -- the record's own fields -------------------------------------------------------------------


def test_a_mapped_request_class_must_be_the_scenarios() -> None:
    same = _judge(_scenario(), 200, _record(**CLEAN, request_class="chat"))
    assert same == _clean(request_class_in_log="chat")
    other = _judge(_scenario(), 200, _record(**CLEAN, request_class="batch"))
    assert other == _clean(
        findings=(
            Finding(
                R.TAG_MISMATCH, "request_class: the scenario's is 'chat', the record holds 'batch'"
            ),
        ),
        request_class_in_log="batch",
    )
    empty = _judge(_scenario(), 200, _record(**CLEAN, request_class=None))
    assert empty.findings == (
        Finding(R.TAG_MISMATCH, "request_class: the scenario's is 'chat', the record has no value"),
    )


def test_token_usage_must_be_counts() -> None:
    counted = _record(**CLEAN, prompt_tokens="12", tokens_total="30", tokens="4")
    assert _judge(_scenario(), 200, counted) == _clean(token_usage_reported="yes")
    priced = _record(**CLEAN, prompt_tokens="1.5", completion_tokens=None)
    assert _judge(_scenario(), 200, priced) == _clean(
        findings=(
            Finding(
                R.TAG_MISMATCH,
                "token usage: record field prompt_tokens holds '1.5', not a token count (the "
                "allocation ledger needs reported token usage per request)",
            ),
            Finding(
                R.TAG_MISMATCH,
                "token usage: record field completion_tokens has no value (the allocation "
                "ledger needs reported token usage per request)",
            ),
        ),
        token_usage_reported="no",
    )


def test_token_fields_are_named_by_their_tokens_part() -> None:
    record = LogRecord(
        dict.fromkeys(["tokens", "x_tokens", "tokens_y", "tokensz", "ztokens", "a_tokens_b"], "1")
    )
    assert token_fields(record) == ["tokens", "x_tokens", "tokens_y"]
    assert [is_count(v) for v in ("12", "0", "", "1.5", "-1", None)] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("count", "attempts", "detail"),
    [
        (2, 1, "2 log records for one correlation id: the request would be counted 2 times"),
        (
            3,
            2,
            "3 log records for one correlation id after 2 attempts (one record per attempt is "
            "expected): an attempt would be counted twice",
        ),
    ],
)
def test_more_records_than_attempts_are_duplicates(count: int, attempts: int, detail: str) -> None:
    verdict = _judge(_scenario(), 200, _times(count, _record(**CLEAN)), attempts=attempts)
    assert verdict == _clean(findings=(Finding(R.TAG_MISMATCH, detail),))


def test_one_record_per_attempt_is_no_duplicate() -> None:
    assert _judge(_scenario(), 200, _times(2, _record(**CLEAN)), attempts=2).passed


def test_record_field_expectations() -> None:
    expect = {"model": "present", "user": "absent", "route": ("equals", "/v1")}
    scenario = _scenario(record=expect)
    good = _record(**CLEAN, model="m", route="/v1")
    assert _judge(scenario, 200, good).passed
    bad = _record(**CLEAN, user="u", route="/v2")
    assert _judge(scenario, 200, bad).findings == (
        Finding(R.TAG_MISMATCH, "record field model: expected a value, found none"),
        Finding(R.TAG_MISMATCH, "record field user: expected no value, found 'u'"),
        Finding(R.TAG_MISMATCH, "record field route: expected '/v1', found '/v2'"),
    )


# -- a refused request that must still leave a tagged record ------------------------------------


def test_a_tagged_failure_record_is_checked_for_the_sent_tags_only() -> None:
    scenario = _scenario(status="4xx", failure_record="tagged", record={"error": "present"})
    record = _times(
        2,
        _record(
            owner="team-a", environment="prd", use_case=None, request_class="batch", tokens="x"
        ),
    )
    assert _judge(scenario, 403, record) == Verdict(
        (
            Finding(
                R.INVALID_ENVIRONMENT,
                "environment: sent 'staging', the record holds 'prd'"
                " (drift: 'prd' is a known alias of 'production'; normalize it where the tag "
                "is set or at the gateway)",
            ),
            Finding(
                R.TAG_MISMATCH, "request_class: the scenario's is 'chat', the record holds 'batch'"
            ),
            Finding(R.TAG_MISMATCH, "use_case: sent 'search', the record has no value"),
            Finding(R.TAG_MISMATCH, "record field error: expected a value, found none"),
            Finding(
                R.TAG_MISMATCH,
                "2 log records for one correlation id: the request would be counted 2 times",
            ),
        ),
        None,
        None,
        "no",
        "not-checked",
        tags_in_log={"owner": "team-a", "environment": "prd", "use_case": None},
        drift={"environment": "production"},
        request_class_in_log="batch",
        token_usage_reported="not-checked",
    )


def test_a_tagged_failure_record_with_every_tag_passes() -> None:
    scenario = _scenario(status="4xx", failure_record="tagged")
    assert _judge(scenario, 403, _record(**CLEAN, bucket="untagged")) == _clean(bucket=None)


# -- precedence and the failure reasons --------------------------------------------------------


def test_the_verdict_names_the_most_fundamental_reason_first() -> None:
    record = LogRecord({"environment": "staging", "use_case": "other"}, count=2)
    verdict = _judge(_scenario(), 200, record)
    assert [f.reason for f in verdict.findings] == [
        R.MISSING_TRACE,
        R.MISSING_TRACE,
        R.MISSING_OWNER,
        R.TAG_MISMATCH,
        R.TAG_MISMATCH,
    ]
    assert verdict.failure_reason == R.MISSING_TRACE


def test_the_reasons_have_one_precedence_and_are_written_as_their_values() -> None:
    assert [(r.value, r.rank) for r in FailureReason] == [
        ("gateway_error", 0),
        ("missing_trace", 1),
        ("missing_environment", 2),
        ("invalid_environment", 3),
        ("missing_owner", 4),
        ("shared_cost_rule_needed", 5),
        ("untagged_not_isolated", 6),
        ("tag_mismatch", 7),
        ("pricing_claim", 8),
    ]
    reason = FailureReason.MISSING_OWNER
    assert (str(reason), f"{reason}", f"[{reason:>15}]", " ".join([reason])) == (
        "missing_owner",
        "missing_owner",
        "[  missing_owner]",
        "missing_owner",
    )
    assert reason == "missing_owner"
    assert json.dumps({reason: [reason]}) == '{"missing_owner": ["missing_owner"]}'
    assert FailureReason("tag_mismatch") is FailureReason.TAG_MISMATCH


def test_a_drift_hint_only_for_a_known_alias() -> None:
    assert drift_hint("environment", "staging", POLICY) == ""
    assert drift_hint("owner", "prd", POLICY) == ""
    assert re.fullmatch(
        r" \(drift: 'live' is a known alias of 'production'; .*\)",
        drift_hint("environment", "live", POLICY),
    )
