"""A credential that is an ordinary word (``missing``, ``scenario``, ``owner``): the run
completes, every smoke record stays valid, and the word is still hidden wherever a credential
can show (an echoed header, captured output). Only the record's free text is scrubbed, never
its field names, mapping keys, failure reasons or other fixed vocabulary."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import jsonschema
import pytest

from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.pytest_front.report_redaction import FIXED_FIELDS, scrub_smoke_record
from pytest_tagsmoke.records.smoke_record import SmokeRecord
from pytest_tagsmoke.safety.redaction import Redactor
from tests.helpers import REPO, everything_readable, read_records

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway

SCHEMA = json.loads((REPO / "pytest_tagsmoke/schema/smoke-record.schema.json").read_text())


def _record(word: str) -> SmokeRecord:
    """A record whose every free-text value holds ``word``."""
    return SmokeRecord(
        audit_date="2026-11-28",
        service_owner=f"team-{word}",
        environment_value=f"env-{word}",
        request_class=f"chat-{word}",
        correlation_id=f"cid-{word}",
        source_record=f"r:{word}",
        result="fail",
        failure_reason=FailureReason.MISSING_OWNER,
        follow_up_owner=f"oncall-{word}",
        mapped_owner={"team": f"T-{word}", "cost_center": f"CC-{word}", "budget_owner": word},
        scenario=f"scenario {word}",
        scenario_id=f"scenario-{word}",
        scenario_file=f"{word}.yaml:7",
        flow="happy",
        http_status=200,
        attribution_fields={"owner": {"value": f"v-{word}", "attach": "header x-tag-owner"}},
        tag_found_in_log="no",
        untagged_bucket_incremented="not-checked",
        counter_expected=True,
        tags_in_log={"owner": f"log-{word}", "environment": None},
        drift={"environment": f"d-{word}"},
        request_class_in_log=f"rc-{word}",
        token_usage_reported="not-checked",
        bucket=f"b-{word}",
        detected_reason=FailureReason.MISSING_ENVIRONMENT,
        problems=(f"missing_owner: owner: not sent ({word})", f"odd {word} line"),
        lookup_id=f"gw-{word}",
        retry_count=1,
        endpoint=f"http://{word}@127.0.0.1:9",
        run_id="20261128T101500Z-a1b2c3",
    )


def test_every_free_text_field_of_a_record_is_scrubbed() -> None:
    secret = "zq9k-credential"
    record = _record(secret)
    scrubbed = scrub_smoke_record(record, Redactor([secret]).scrub)
    plain = scrubbed.to_json_dict()
    assert secret not in json.dumps(plain)
    jsonschema.validate(plain, SCHEMA)
    # Every field not of the fixed vocabulary held the secret, and lost it: a new free-text
    # field the scrub forgot would fail here.
    original = record.to_json_dict()
    changed = {name for name in plain if plain[name] != original[name]}
    assert changed == set(plain) - FIXED_FIELDS
    assert {name: plain[name] for name in FIXED_FIELDS} == {
        name: original[name] for name in FIXED_FIELDS
    }
    assert plain["scenario_file"] == "***.yaml:7"
    assert plain["problems"] == ["missing_owner: owner: not sent (***)", "odd *** line"]


@pytest.mark.parametrize("word", ["missing", "scenario", "owner", "header", "attributed"])
def test_a_word_secret_keeps_names_reasons_and_vocabulary(word: str) -> None:
    record = _record("x")
    record = SmokeRecord.from_json_dict({**record.to_json_dict(), "bucket": "attributed"})
    plain = scrub_smoke_record(record, Redactor([word]).scrub).to_json_dict()
    jsonschema.validate(plain, SCHEMA)
    original = record.to_json_dict()
    assert list(plain) == list(original)
    for name in ("mapped_owner", "attribution_fields", "tags_in_log", "drift"):
        assert list(plain[name]) == list(original[name])
    assert plain["attribution_fields"]["owner"]["attach"] == "header x-tag-owner"
    assert plain["failure_reason"] == "missing_owner"
    assert plain["detected_reason"] == "missing_environment"
    assert plain["bucket"] == "attributed"
    assert plain["problems"][0].startswith("missing_owner: ")
    assert SmokeRecord.from_json_dict(plain).failure_reason is FailureReason.MISSING_OWNER


ECHO = """
import os

def test_echoes_the_credential():
    key = os.environ["TAGSMOKE_API_KEY"]
    print("x-api-key: " + key)
    raise AssertionError("sent Authorization: Bearer " + key)
"""

NO_OWNER = """
request_class: chat-smoke
request: {method: POST, path: /v1/chat/completions, json: {model: m, messages: []}}
scenarios:
  - name: an untagged owner fails the happy path
    path: happy
    tags: {environment: staging, use_case: semantic-search}
    expect: {status: 2xx, bucket: attributed}
"""


@pytest.mark.parametrize("word", ["missing", "scenario", "owner"])
def test_a_word_credential_completes_the_run_and_stays_hidden(
    demo: pytest.Pytester,
    tagsmoke_gateway: ReferenceGateway,
    monkeypatch: pytest.MonkeyPatch,
    word: str,
) -> None:
    monkeypatch.setenv("TAGSMOKE_API_KEY", word)
    demo.makepyfile(test_echo=ECHO)
    (demo.path / "scenarios" / "no_owner.yaml").write_text(textwrap.dedent(NO_OWNER))
    result = demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={tagsmoke_gateway.url}",
        "--junitxml=out.xml",
        "-rA",
        "scenarios",
        "test_echo.py",
    )
    result.assert_outcomes(passed=6, failed=2)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    records = read_records(demo.path)
    assert len(records) == 7
    for record in records:
        jsonschema.validate(record, SCHEMA)
        SmokeRecord.from_json_dict(record)
    (failed,) = [r for r in records if r["result"] == "fail"]
    assert failed["failure_reason"] == "missing_owner"
    # The credential as a credential: in a header echoed by a failure, in captured output.
    result.stdout.fnmatch_lines(["*sent Authorization: [*][*][*]", "x-api-key: [*][*][*]"])
    everything = everything_readable(demo, [result])
    for shown in (f"Bearer {word}", f"x-api-key: {word}", f"api-key: {word}\n"):
        assert shown not in everything
    junit = ET.parse(demo.path / "out.xml").getroot()
    properties = {
        (case.get("name"), p.get("name")): p.get("value")
        for case in junit.iter("testcase")
        for p in case.iter("property")
    }
    assert properties[("an-untagged-owner-fails-the-happy-path", "failure_reason")] == (
        "missing_owner"
    )
    assert "sent Authorization: ***" in (demo.path / "out.xml").read_text()
