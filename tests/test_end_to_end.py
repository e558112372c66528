"""pytest --tagsmoke through the real reference gateway over HTTP, with its SQLite store."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import SEED_FIELDS, artifact_text, read_records


def test_demo_scenarios_pass_and_write_smoke_records(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*scenarios/chat.yaml::tagged-by-header-is-attributed PASSED*",
            "*6 smoke records (6 pass, 0 fail): *records.jsonl",
        ]
    )
    records = read_records(demo.path)
    assert len(records) == 6
    for record in records:
        assert set(SEED_FIELDS) <= record.keys()
        assert record["result"] == "pass"
        assert record["failure_reason"] is None
        assert record["source_record"].startswith("request_log:")
    by_id = {r["scenario_id"]: r for r in records}
    header = by_id["tagged-by-header-is-attributed"]
    assert header["attribution_fields"]["owner"] == {
        "value": "team-search",
        "attach": "header x-tag-owner",
    }
    assert header["tag_found_in_log"] == "yes"
    assert header["follow_up_owner"] == "search-platform-oncall"
    metadata = by_id["tagged-by-body-metadata-is-attributed"]
    assert metadata["attribution_fields"]["owner"]["attach"] == "metadata.owner"
    untagged = by_id["missing-environment-lands-in-the-untagged-bucket"]
    assert untagged["bucket"] == "untagged"
    assert untagged["untagged_bucket_incremented"] == "yes"
    assert untagged["detected_reason"] == "missing_environment"
    assert by_id["unapproved-environment-prd-is-quarantined"]["bucket"] == "quarantine"
    assert len({r["correlation_id"] for r in records}) == 6
    assert len({r["run_id"] for r in records}) == 1
    # Every request really went through the gateway into its SQLite log store.
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 6


def test_dropped_environment_header_fails_the_happy_path(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "environment"
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    # The header scenario loses its environment; body metadata is unaffected; `prd` now
    # lands in untagged instead of quarantine: both are real breakages of the tagging path.
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*tagsmoke scenario 'tagged by header is attributed' (happy path) failed: "
            "missing_environment",
            "*correlation id: tagsmoke-*",
            "*environment = 'staging' (header x-tag-environment)",
            "*environment = None",
            "*missing_environment: environment: sent 'staging', the record has no value",
            "*follow-up owner: search-platform-oncall",
        ]
    )
    failed = {r["scenario_id"]: r for r in read_records(demo.path) if r["result"] == "fail"}
    happy = failed["tagged-by-header-is-attributed"]
    assert happy["failure_reason"] == "missing_environment"
    assert happy["follow_up_owner"] == "search-platform-oncall"
    assert happy["tag_found_in_log"] == "no"
    drift = failed["unapproved-environment-prd-is-quarantined"]
    assert drift["failure_reason"] == "untagged_not_isolated"
    assert drift["bucket"] == "untagged"


def test_record_written_after_an_ingestion_delay_is_found(
    demo: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = tmp_path_factory.mktemp("slow") / "log.sqlite"
    with ReferenceGateway(db, ingest_delay=0.4) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)


def test_record_that_never_appears_is_missing_trace(
    demo: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(profile.read_text().replace("timeout: 10", "timeout: 0.3"))
    db = tmp_path_factory.mktemp("lost") / "log.sqlite"
    with ReferenceGateway(db, ingest_delay=30) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-k", "header")
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(["*failed: missing_trace", "*log record: none found"])
    (record,) = read_records(demo.path)
    assert record["failure_reason"] == "missing_trace"
    assert record["source_record"] is None


def test_unreachable_gateway_is_a_setup_error_not_a_verdict(demo: pytest.Pytester) -> None:
    result = demo.runpytest(
        "--tagsmoke", "--tagsmoke-endpoint=http://127.0.0.1:9", "-k", "header or metadata"
    )
    result.assert_outcomes(errors=2, deselected=4)
    result.stdout.fnmatch_lines(
        [
            "*tagsmoke setup error (not a tagging verdict): the gateway at http://127.0.0.1:9 is "
            "unreachable: ConnectError*"
        ]
    )
    records = read_records(demo.path)
    assert [r["failure_reason"] for r in records] == ["gateway_error", "gateway_error"]
    # A refused connection is retried (nothing reached the gateway); the count is true.
    assert all(r["retry_count"] == 2 and r["http_status"] is None for r in records)


def test_unreachable_log_store_is_a_setup_error(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            'record_url: "{endpoint}/logs/records?ids={correlation_ids}"',
            'record_url: "http://127.0.0.1:9/records/{correlation_id}"',
        )
    )
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "header"
    )
    result.assert_outcomes(errors=1, deselected=5)
    result.stdout.fnmatch_lines(
        ["*log store at http://127.0.0.1:9/records/tagsmoke-* is unreachable*"]
    )


def test_endpoint_from_a_conftest_hook(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    demo.makeconftest(
        f"""
        import pytest

        @pytest.hookimpl(optionalhook=True)
        def pytest_tagsmoke_endpoint(config):
            return {tagsmoke_gateway.url!r}
        """
    )
    result = demo.runpytest("--tagsmoke")
    result.assert_outcomes(passed=6)


def test_endpoint_from_the_environment(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGSMOKE_ENDPOINT", tagsmoke_gateway.url)
    demo.runpytest("--tagsmoke").assert_outcomes(passed=6)


def test_no_endpoint_anywhere_says_how_to_set_one(demo: pytest.Pytester) -> None:
    result = demo.runpytest("--tagsmoke", "-k", "metadata")
    result.assert_outcomes(errors=1, deselected=5)
    result.stdout.fnmatch_lines(
        [
            "*no gateway endpoint is configured: set 'endpoint' in the profile, pass "
            "--tagsmoke-endpoint URL, or implement the pytest_tagsmoke_endpoint hook*"
        ]
    )


def test_collect_only_sends_nothing_and_starts_nothing(demo: pytest.Pytester) -> None:
    demo.makeconftest(
        """
        import pytest

        @pytest.hookimpl(optionalhook=True)
        def pytest_tagsmoke_endpoint(config):
            raise AssertionError("the endpoint hook ran during --collect-only")
        """
    )
    result = demo.runpytest("--tagsmoke", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["scenarios/chat.yaml::tagged-by-header-is-attributed", "*6 tests*"]
    )
    assert not (demo.path / "tagsmoke-artifacts").exists()


def test_items_point_at_the_scenario_line(demo: pytest.Pytester) -> None:
    items, _ = demo.inline_genitems("--tagsmoke")
    locations = {item.name: item.location for item in items}
    assert locations["tagged-by-header-is-attributed"] == (
        "scenarios/chat.yaml",
        7,
        "tagsmoke: tagged by header is attributed",
    )
    lines = (demo.path / "scenarios" / "chat.yaml").read_text().splitlines()
    no_tags = lines.index("  - name: no tags at all lands in the untagged bucket")
    assert locations["no-tags-at-all-lands-in-the-untagged-bucket"][1] == no_tags


def test_explicit_file_and_k_selection(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    result = demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={tagsmoke_gateway.url}",
        "scenarios/chat.yaml",
        "-k",
        "untagged",
    )
    result.assert_outcomes(passed=3, deselected=3)


def test_junit_properties_carry_the_seed_fields(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--junitxml=junit.xml"
    ).assert_outcomes(passed=6)
    tree = ET.parse(demo.path / "junit.xml")
    cases = tree.getroot().iter("testcase")
    for case in cases:
        names = {p.get("name") for p in case.iter("property")}
        assert set(SEED_FIELDS) <= names


def test_credential_never_reaches_output_or_artifacts(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "sk-canary-7f3a9c1e5b"
    monkeypatch.setenv("TAGSMOKE_API_KEY", canary)
    tagsmoke_gateway.faults.drop_header = "owner"  # failures print what was sent
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--junitxml=junit.xml", "-v"
    )
    result.assert_outcomes(passed=4, failed=2)
    everything = "\n".join(
        [
            *result.outlines,
            *result.errlines,
            (demo.path / "junit.xml").read_text(),
            artifact_text(demo.path),
        ]
    )
    assert canary not in everything


def test_artifacts_option_chooses_the_folder(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={tagsmoke_gateway.url}",
        "--tagsmoke-artifacts=out/smoke",
        "-k",
        "metadata",
    ).assert_outcomes(passed=1, deselected=5)
    (run_folder,) = (demo.path / "out" / "smoke").iterdir()
    assert (run_folder / "records.jsonl").read_text().count("\n") == 1
