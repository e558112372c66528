"""The typed smoke record on plain values: its JSON form is the schema's, field for field,
and a record carried as JSON (on a pytest report, under xdist) comes back unchanged."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema

from pytest_tagsmoke.judging import judge
from pytest_tagsmoke.logstore import LogRecord
from pytest_tagsmoke.policy import LedgerEntry, TagPolicy
from pytest_tagsmoke.reasons import FailureReason
from pytest_tagsmoke.record import SmokeRecord, build_smoke_record
from tests.helpers import REPO, SEED_FIELDS, Sent, scenario, sent

SCHEMA = json.loads((REPO / "pytest_tagsmoke/schema/smoke-record.schema.json").read_text())
ENTRY = LedgerEntry("team-a", "Search", "CC-1", "Ann", "search-oncall", "2026-10-01")
POLICY = TagPolicy(ledger={"team-a": ENTRY})
TAGS = {"owner": "team-a", "environment": "staging", "use_case": "search"}
SCENARIO = replace(
    scenario("happy", TAGS, untagged_count="increments"),
    name="tagged chat",
    id="tagged-chat",
    file=Path("scenarios/chat.yaml"),
    line=7,
)
FOUND = LogRecord({**TAGS, "environment": "prd", "timestamp": "t", "source_record": "r:9"})


def _outcome(**rest: Any) -> Sent:
    return sent(SCENARIO, POLICY, 200, FOUND, lookup_id="gw-1", **rest)


def _smoke(outcome: Sent, judged: bool = True, unverified: str | None = None) -> SmokeRecord:
    return build_smoke_record(
        run_id="20261128T101500Z-a1b2c3",
        outcome=outcome,
        policy=POLICY,
        endpoint="http://127.0.0.1:9",
        verdict=judge(outcome, POLICY) if judged else None,
        unverified=unverified,
    )


def test_a_judged_record_in_its_json_form() -> None:
    smoke = _smoke(_outcome(retry_count=2))
    plain = smoke.to_json_dict()
    jsonschema.validate(plain, SCHEMA)
    assert tuple(plain)[: len(SEED_FIELDS)] == SEED_FIELDS
    assert set(plain) == set(SCHEMA["properties"])
    assert {k: v for k, v in plain.items() if k != "audit_date"} == {
        "service_owner": "team-a",
        "environment_value": "staging",
        "request_class": "chat",
        "correlation_id": "cid-1",
        "source_record": "r:9",
        "result": "fail",
        "failure_reason": "invalid_environment",
        "follow_up_owner": "search-oncall",
        "mapped_owner": {"team": "Search", "cost_center": "CC-1", "budget_owner": "Ann"},
        "scenario": "tagged chat",
        "scenario_id": "tagged-chat",
        "scenario_file": "chat.yaml:7",
        "path": "happy",
        "http_status": 200,
        "attribution_fields": {
            "owner": {"value": "team-a", "attach": "header x-tag-owner"},
            "environment": {"value": "staging", "attach": "header x-tag-environment"},
            "use_case": {"value": "search", "attach": "header x-tag-use_case"},
        },
        "tag_found_in_log": "no",
        "untagged_bucket_incremented": "not-checked",
        "counter_expected": True,
        "tags_in_log": {"owner": "team-a", "environment": "prd", "use_case": "search"},
        "drift": {"environment": "production"},
        "request_class_in_log": None,
        "token_usage_reported": "not-checked",
        "bucket": "quarantine",
        "detected_reason": "invalid_environment",
        "problems": [
            "invalid_environment: environment: sent 'staging', the record holds 'prd' (drift: "
            "'prd' is a known alias of 'production'; normalize it where the tag is set or at "
            "the gateway)"
        ],
        "lookup_id": "gw-1",
        "retry_count": 2,
        "endpoint": "http://127.0.0.1:9",
        "run_id": "20261128T101500Z-a1b2c3",
    }
    # plain JSON values: a report under xdist carries nothing but these
    assert type(plain["failure_reason"]) is str
    assert type(plain["detected_reason"]) is str
    assert type(plain["problems"]) is list


def test_a_record_comes_back_from_its_json_form() -> None:
    smoke = _smoke(_outcome())
    carried = json.loads(json.dumps(smoke.to_json_dict()))
    back = SmokeRecord.from_json_dict(carried)
    assert back == smoke
    assert back.failure_reason is FailureReason.INVALID_ENVIRONMENT
    assert back.with_run_id("20261128T101501Z-d4e5f6") == SmokeRecord.from_json_dict(
        {**carried, "run_id": "20261128T101501Z-d4e5f6"}
    )


def test_a_setup_problem_fails_with_gateway_error_and_claims_nothing() -> None:
    smoke = _smoke(_outcome(setup_problem="the gateway is unreachable"), judged=False)
    plain = smoke.to_json_dict()
    jsonschema.validate(plain, SCHEMA)
    assert (smoke.result, smoke.failure_reason, smoke.problems) == (
        "fail",
        FailureReason.GATEWAY_ERROR,
        ("gateway_error: the gateway is unreachable",),
    )
    assert (plain["tag_found_in_log"], plain["tags_in_log"], plain["bucket"]) == (
        "not-checked",
        {},
        None,
    )
    errored = _smoke(_outcome(error="no header can carry it", setup_problem="x"), judged=False)
    assert errored.problems == ("gateway_error: no header can carry it",)
    assert SmokeRecord.from_json_dict(plain) == smoke


def test_an_unverified_request_fails_with_no_reason() -> None:
    smoke = _smoke(_outcome(), judged=False, unverified="the run was interrupted")
    assert (smoke.result, smoke.failure_reason, smoke.problems) == (
        "fail",
        None,
        ("not verified: the run was interrupted",),
    )
    assert smoke.to_json_dict()["failure_reason"] is None
    assert SmokeRecord.from_json_dict(smoke.to_json_dict()) == smoke


def test_a_passing_record() -> None:
    clean = LogRecord({**TAGS, "timestamp": "t", "source_record": "r:1"})
    outcome = sent(SCENARIO, POLICY, 200, clean)
    smoke = _smoke(outcome)
    assert (smoke.result, smoke.failure_reason, smoke.problems, smoke.bucket) == (
        "pass",
        None,
        (),
        "attributed",
    )
