"""The typed smoke record on plain values: its JSON form is the schema's, field for field,
and a record carried as JSON (on a pytest report, under xdist) comes back unchanged. The
records kept to the run's end hold each distinct mapping once and stay equal."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import jsonschema

from pytest_tagsmoke.judging import judge
from pytest_tagsmoke.logstore import LogRecord
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import LedgerEntry, TagPolicy
from pytest_tagsmoke.records.kept_records import SharedMappings
from pytest_tagsmoke.records.smoke_record import SmokeRecord, build_smoke_record
from pytest_tagsmoke.reports.artifacts import RunArtifacts
from tests.helpers import REPO, SEED_FIELDS, Sent, scenario, sent

if TYPE_CHECKING:
    import pytest

RUN = "20261128T101500Z-a1b2c3"
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


def _smoke(
    outcome: Sent,
    judged: bool = True,
    unverified: str | None = None,
    policy: TagPolicy = POLICY,
) -> SmokeRecord:
    return build_smoke_record(
        run_id=RUN,
        outcome=outcome,
        policy=policy,
        endpoint="http://127.0.0.1:9",
        verdict=judge(outcome, policy) if judged else None,
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
        "run_id": RUN,
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


def test_the_record_is_charged_to_the_owner_the_log_record_holds() -> None:
    other = LedgerEntry("team-b", "Billing", "CC-2", "Bea", "billing-oncall", "2026-10-01")
    policy = TagPolicy(ledger={"team-a": ENTRY, "team-b": other})
    held = LogRecord({**TAGS, "owner": "team-b", "timestamp": "t", "source_record": "r:2"})
    smoke = _smoke(sent(SCENARIO, policy, 200, held), judged=False, policy=policy)
    assert smoke.mapped_owner == {"team": "Billing", "cost_center": "CC-2", "budget_owner": "Bea"}
    # the owner sent is the one who follows up; the owner held is charged
    assert (smoke.service_owner, smoke.follow_up_owner) == ("team-a", "search-oncall")
    unsent = replace(SCENARIO, tags={"environment": "staging"})
    derived = _smoke(sent(unsent, policy, 200, held), judged=False, policy=policy)
    assert (derived.service_owner, derived.follow_up_owner) == (None, "billing-oncall")
    assert derived.mapped_owner == smoke.mapped_owner


def test_what_the_verdict_saw_is_in_the_record() -> None:
    held = LogRecord(
        {**TAGS, "timestamp": "t", "source_record": "r:3", "request_class": "chat", "tokens": "7"}
    )
    outcome = sent(SCENARIO, POLICY, 200, held, {"attributed": 1}, {"attributed": 2})
    smoke = _smoke(outcome)
    assert (
        smoke.result,
        smoke.untagged_bucket_incremented,
        smoke.request_class_in_log,
        smoke.token_usage_reported,
    ) == ("pass", "yes", "chat", "yes")


def test_no_record_found_leaves_no_source_and_no_mapped_owner() -> None:
    stranger = replace(SCENARIO, tags={**TAGS, "owner": "team-x"})
    smoke = _smoke(sent(stranger, POLICY, 200, None), judged=False, unverified="stopped")
    plain = smoke.to_json_dict()
    assert (plain["source_record"], plain["mapped_owner"]) == (None, None)
    jsonschema.validate(plain, SCHEMA)


def test_the_json_form_is_plain_whatever_mappings_the_record_holds() -> None:
    frozen = MappingProxyType
    smoke = replace(
        _smoke(_outcome()),
        mapped_owner=frozen({"team": "Search"}),
        attribution_fields=frozen({"owner": frozen({"value": "team-a", "attach": "header"})}),
        tags_in_log=frozen({"owner": "team-a"}),
        drift=frozen({"environment": "production"}),
    )
    plain = smoke.to_json_dict()
    assert [type(plain[k]) for k in ("mapped_owner", "tags_in_log", "drift")] == [dict] * 3
    assert type(plain["attribution_fields"]["owner"]) is dict
    assert json.loads(json.dumps(plain))["attribution_fields"] == {
        "owner": {"value": "team-a", "attach": "header"}
    }


def test_the_audit_date_is_the_utc_date_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    # A zone whose date differs from UTC's now: 14 hours ahead late in the UTC day, 12 behind
    # early in it (POSIX signs are reversed: Etc/GMT-14 is UTC+14).
    monkeypatch.setenv("TZ", "Etc/GMT-14" if now.hour >= 12 else "Etc/GMT+12")
    time.tzset()
    try:
        smoke = _smoke(_outcome())
        utc_today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        assert dt.datetime.now().date().isoformat() != utc_today  # the zone took effect
        assert smoke.audit_date == utc_today
    finally:
        monkeypatch.undo()
        time.tzset()


# -- records kept to the run's end for its summaries: each distinct mapping once (issue #16)
def _copy(record: SmokeRecord, **changes: object) -> SmokeRecord:
    """An equal record with mappings of its own (as one carried on a report has)."""
    return replace(SmokeRecord.from_json_dict(record.to_json_dict()), **changes)  # type: ignore[arg-type]


def test_equal_mappings_are_kept_once_and_the_records_stay_equal() -> None:
    first = _smoke(_outcome())
    second = _copy(first, correlation_id="cid-2")
    assert second.attribution_fields is not first.attribution_fields
    shared = SharedMappings()
    kept = [shared.share(first), shared.share(second)]
    assert kept == [first, second]
    assert kept[1].attribution_fields is kept[0].attribution_fields
    assert kept[1].tags_in_log is kept[0].tags_in_log
    assert kept[1].mapped_owner is kept[0].mapped_owner
    assert kept[1].correlation_id == "cid-2"


def test_different_mappings_are_not_merged() -> None:
    first = _smoke(_outcome())
    spec = {**first.attribution_fields["owner"], "value": "team-b"}
    other = _copy(first, attribution_fields={**first.attribution_fields, "owner": spec})
    shared = SharedMappings()
    shared.share(first)
    kept = shared.share(other)
    assert kept.attribution_fields["owner"]["value"] == "team-b"
    assert kept.tags_in_log is first.tags_in_log  # what is equal is still shared


def test_the_mappings_remembered_are_bounded() -> None:
    shared = SharedMappings(limit=4)
    first = _smoke(_outcome())
    for n in range(10):
        shared.share(_copy(first, drift={"owner": f"team-{n}"}))
    again = _copy(first, drift={"owner": "team-0"})  # long forgotten
    assert shared.share(again).drift is again.drift


def test_the_summaries_count_the_kept_records_as_written(tmp_path: Path) -> None:
    artifacts = RunArtifacts(tmp_path, "run-1")
    first = _smoke(_outcome())
    for n in range(3):
        artifacts.write_record(_copy(first, correlation_id=f"cid-{n}"))
    artifacts.close()
    lines = artifacts.records_path.read_text().splitlines()
    assert [SmokeRecord.from_json_dict(json.loads(line)) for line in lines] == artifacts.records
    assert len({id(r.attribution_fields) for r in artifacts.records}) == 1
