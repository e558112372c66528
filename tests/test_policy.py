"""The classification function and the verdict are pure: tested on plain values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import pytest

from pytest_tagsmoke.judging import Verdict, judge
from pytest_tagsmoke.logstore import LogRecord
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import (
    Classification,
    TagPolicy,
    classify,
    expected_classification,
)
from tests.helpers import scenario, sent

if TYPE_CHECKING:
    from pytest_tagsmoke.files.scenario import Scenario

POLICY = TagPolicy(owners={"team-a": "alice"}, shared_owners=frozenset({"platform"}))
CLEAN = {"owner": "team-a", "environment": "staging", "use_case": "search"}


@pytest.mark.parametrize(
    ("tags", "bucket", "reasons"),
    [
        (CLEAN, "attributed", ()),
        ({**CLEAN, "environment": None}, "untagged", ("missing_environment",)),
        ({"use_case": "search"}, "untagged", ("missing_environment", "missing_owner")),
        ({}, "untagged", ("missing_environment", "missing_owner", "tag_mismatch")),
        ({**CLEAN, "environment": "prd"}, "quarantine", ("invalid_environment",)),
        ({**CLEAN, "owner": "platform"}, "shared", ("shared_cost_rule_needed",)),
        ({**CLEAN, "owner": "team-zz"}, "attributed", ("missing_owner",)),
    ],
)
def test_classify(tags: dict[str, str | None], bucket: str, reasons: tuple[str, ...]) -> None:
    result = classify(tags, POLICY)
    assert (result.bucket, result.reasons) == (bucket, reasons)


def test_follow_up_owner_comes_from_the_owner_map() -> None:
    assert POLICY.follow_up_owner("team-a") == "alice"
    assert POLICY.follow_up_owner("team-unknown") == "platform-finops"
    assert POLICY.follow_up_owner(None) == "platform-finops"


def _scenario(
    path: Literal["happy", "error"], tags: dict[str, str], *, increments: bool = False
) -> Scenario:
    counted: Literal["increments", "not-checked"] = "increments" if increments else "not-checked"
    return scenario(path, tags, request_class="c", untagged_count=counted)


def _judge(scenario: Scenario, policy: TagPolicy, *args: Any, **kwargs: Any) -> Verdict:
    """``judge`` on the outcome these values make (status, record, counts, ...)."""
    return judge(sent(scenario, policy, *args, **kwargs), policy)


def _record(**values: str | None) -> LogRecord:
    return LogRecord({"timestamp": "t", "source_record": "r:1", **values})


def test_happy_path_with_all_tags_passes() -> None:
    verdict = _judge(
        _scenario("happy", CLEAN), POLICY, 200, _record(**CLEAN, bucket="attributed"), None, None
    )
    assert verdict.passed
    assert verdict.tag_found_in_log == "yes"


def test_changed_value_is_a_tag_mismatch() -> None:
    verdict = _judge(
        _scenario("happy", CLEAN),
        POLICY,
        200,
        _record(**{**CLEAN, "use_case": "other"}),
        None,
        None,
    )
    assert verdict.failure_reason == "tag_mismatch"


def test_production_hard_coded_over_the_sent_environment_is_a_mismatch() -> None:
    verdict = _judge(
        _scenario("happy", CLEAN),
        POLICY,
        200,
        _record(**{**CLEAN, "environment": "production"}),
        None,
        None,
    )
    assert verdict.failure_reason == "tag_mismatch"
    assert "environment: sent 'staging', the record holds 'production'" in (
        verdict.findings[0].detail
    )


def test_error_path_merged_into_a_team_is_not_isolated() -> None:
    scenario = _scenario("error", {"owner": "team-a", "use_case": "search"}, increments=True)
    verdict = _judge(
        scenario,
        POLICY,
        200,
        _record(owner="team-a", use_case="search", bucket="attributed"),
        {"untagged": 3},
        {"untagged": 3},
    )
    assert [f.reason for f in verdict.findings] == [
        "untagged_not_isolated",
        "untagged_not_isolated",
    ]
    assert "counted in a team's attributed total" in verdict.findings[0].detail
    assert verdict.bucket_incremented == "no"


def test_missing_record_is_missing_trace_and_bad_status_is_gateway_error() -> None:
    verdict = _judge(_scenario("happy", CLEAN), POLICY, 503, None, None, None)
    # Issue #10: nothing was polled after a 503, so nothing about the record is claimed.
    assert [f.reason for f in verdict.findings] == ["gateway_error"]
    assert verdict.tag_found_in_log == "not-checked"
    missing = _judge(_scenario("happy", CLEAN), POLICY, 200, None, None, None)
    assert [f.reason for f in missing.findings] == ["missing_trace"]


def test_no_missing_trace_is_claimed_for_a_record_nobody_looked_for() -> None:
    with pytest.raises(ValueError, match="not asked for the record"):
        _judge(_scenario("happy", CLEAN), POLICY, 200, None, None, None, looked_up=False)


def test_record_without_source_reference_is_missing_trace() -> None:
    record = LogRecord({**CLEAN, "timestamp": "t"})
    verdict = _judge(_scenario("happy", CLEAN), POLICY, 200, record, None, None)
    assert verdict.failure_reason == "missing_trace"


@pytest.mark.parametrize(("after", "verdict"), [(5, "no"), (6, "yes")])
def test_counter_must_grow_by_every_scenario_sharing_it(after: int, verdict: str) -> None:
    scenario = _scenario("error", {"owner": "team-a", "use_case": "search"}, increments=True)
    record = _record(owner="team-a", use_case="search", bucket="untagged")
    result = _judge(scenario, POLICY, 200, record, {"untagged": 3}, {"untagged": after}, sharing=3)
    assert result.bucket_incremented == verdict
    assert result.passed is (verdict == "yes")
    if verdict == "no":
        assert "3 scenarios of the run expect it" in result.findings[0].detail


def test_expected_classification_is_the_policys_unless_the_scenario_says_otherwise() -> None:
    untagged = {"use_case": "search"}
    assert expected_classification(untagged, POLICY) == Classification(
        "untagged", (FailureReason.MISSING_ENVIRONMENT, FailureReason.MISSING_OWNER)
    )
    assert expected_classification(untagged, POLICY, "quarantine") == Classification(
        "quarantine", (FailureReason.MISSING_ENVIRONMENT, FailureReason.MISSING_OWNER)
    )
    overridden = expected_classification(CLEAN, POLICY, None, "tag_mismatch")
    assert (overridden.bucket, overridden.reasons) == ("attributed", ("tag_mismatch",))
    assert overridden.reasons[0] is FailureReason.TAG_MISMATCH
