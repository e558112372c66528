"""Large runs: batches that cannot overflow a URL, each request sent once, every record found."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.logstore.http import MAX_BATCH_IDS, MAX_URL_LENGTH, HttpLogStore
from pytest_tagsmoke.logstore.mapping import FieldMapper
from pytest_tagsmoke.logstore.settings import HttpSettings
from pytest_tagsmoke.reference import ReferenceGateway
from pytest_tagsmoke.safety.pricing_guard import find_amounts, scan_text
from tests.helpers import AMOUNTS, write_many_scenarios


def test_2000_batched_scenarios_send_2000_requests_and_all_pass(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    # The demo profile reads the log store in batches (``?ids={correlation_ids}``): 2,000
    # ids of 41 characters would make an 82,000-character URL, past httpx's 65,536 limit.
    write_many_scenarios(demo, 1994)  # + the 6 demo scenarios = 2,000
    with ReferenceGateway(tmp_path / "log.sqlite", ingest_delay=0.2) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-q")
        received = list(gateway.received)
    result.assert_outcomes(passed=2000)
    assert len(received) == 2000
    assert len(set(received)) == 2000


def test_a_batch_is_split_by_url_length_and_by_id_count(demo: pytest.Pytester) -> None:
    profile = load_profile(demo.path / "tagsmoke.yaml").with_endpoint("http://127.0.0.1:9")
    assert isinstance(profile.log_store, HttpSettings)
    mapper = FieldMapper(profile.log_store.fields, profile.policy.aliases)
    with httpx.Client() as client:
        store = HttpLogStore(profile.log_store, profile.endpoint, client, mapper)
        short = [f"id-{i}" for i in range(1000)]
        long = [f"tagsmoke-{'x' * 200}-{i}" for i in range(300)]
        for ids in (short, long):
            batches = store.batches(ids)
            assert [i for b in batches for i in b] == ids  # every id once, in order
            for batch in batches:
                assert len(batch) <= MAX_BATCH_IDS
                url = httpx.URL(profile.endpoint + "/logs/records", params={"ids": ",".join(batch)})
                assert len(str(url)) <= MAX_URL_LENGTH
        assert len(store.batches(short)) == 1000 // MAX_BATCH_IDS  # cut by count
        assert len(store.batches(long)) >= 300 * 210 // MAX_URL_LENGTH  # cut by length


def test_a_store_without_a_batch_endpoint_is_polled_concurrently_and_finds_every_record(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    profile = demo.path / "tagsmoke.yaml"
    text = profile.read_text()
    batched = 'record_url: "{endpoint}/logs/records?ids={correlation_ids}"'
    assert batched in text
    text = text.replace(batched, 'record_url: "{endpoint}/logs/records/{correlation_id}"')
    assert "  max_interval: 0.25\n" in text
    profile.write_text(
        text.replace("  max_interval: 0.25\n", "  max_interval: 0.25\n  concurrency: 4\n")
    )
    write_many_scenarios(demo, 294)  # + the 6 demo scenarios = 300
    with ReferenceGateway(tmp_path / "log.sqlite", ingest_delay=0.5) as gateway:
        gateway.faults.ingest_jitter = 0.5
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-q")
        received = list(gateway.received)
    result.assert_outcomes(passed=300)
    assert len(received) == 300
    records = next((demo.path / "tagsmoke-artifacts").iterdir()) / "records.jsonl"
    assert len(records.read_text().splitlines()) == 300


def _record_line(i: int) -> str:
    return json.dumps(
        {
            "audit_date": "2026-11-28",
            "correlation_id": f"tagsmoke-{i:032x}",
            "scenario": f"request {i} is attributed",
            "bucket": "attributed",
            "cost_center": "cc-42",
        }
    )


@pytest.mark.parametrize("amount", AMOUNTS)
@pytest.mark.parametrize("written", ["raw", "json"])
def test_the_guard_finds_an_amount_among_thousands_of_repeated_records(
    amount: str, written: str
) -> None:
    # Each distinct stretch of a large artifact is scanned once: an amount in one line of
    # 3,000 is found on its line, and the claims are those of a scan of the whole text.
    lines = [_record_line(i) for i in range(3000)]
    assert scan_text(Path("records.jsonl"), "\n".join(lines) + "\n") == []
    value = amount if written == "raw" else json.dumps(amount)
    lines[1234] = lines[1234][:-1] + f', "note": "x {value} y", "extra": {json.dumps(value)}}}'
    text = "\n".join(lines) + "\n"
    claims = scan_text(Path("records.jsonl"), text)
    assert len(claims) == len(find_amounts(text))
    # (an amount behind JSON's escaped quotes, '\\"response_cost\\": 0.0001', is not one
    # that the whole-text scan finds either)
    assert {claim.line for claim in claims} == ({1235} if claims or written == "raw" else set())


def test_the_guard_finds_a_quoted_number_under_a_price_key() -> None:
    lines = [_record_line(i) for i in range(2000)]
    lines[7] = lines[7][:-1] + ', "response_cost": "0.01"}'
    claims = scan_text(Path("records.jsonl"), "\n".join(lines))
    assert [claim.line for claim in claims] == [8]


@pytest.mark.parametrize("name", ["profile.schema.json", "scenario.schema.json"])
def test_the_bundled_schemas_are_valid_json_schemas(name: str) -> None:
    # Checked here once rather than at every run's start.
    import jsonschema

    from pytest_tagsmoke.files.schema_check import load_schema

    schema = load_schema(name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
