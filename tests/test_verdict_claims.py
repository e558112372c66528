"""A verdict never claims what was not checked, and nothing pytest will not run is sent: an
id the gateway does not answer with, skipped scenarios, counters under pytest-xdist — each
against the reference gateway on 127.0.0.1."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import pytest

from tests.helpers import read_records

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway


def _set_profile(project: pytest.Pytester, old: str, new: str) -> None:
    profile = project.path / "tagsmoke.yaml"
    text = profile.read_text()
    assert old in text
    profile.write_text(text.replace(old, new))


# -- 1. no id in the gateway's answer: the store was never asked ------------------------------
@pytest.mark.parametrize(
    ("correlation", "named"),
    [
        ("  source: response_body\n  response_path: no_such_field\n", "no_such_field"),
        ("  source: response_header\n  response_header: X-No-Such-Id\n", "X-No-Such-Id"),
        # a path that fails on this answer's shape (abs() of a text): one scenario's
        # trouble, not a bug that stops the batch
        ("  source: response_body\n  response_path: abs(id)\n", "abs(id)*JMESPathTypeError"),
    ],
    ids=["response-body", "response-header", "response-body-path-fails"],
)
def test_an_id_the_answer_does_not_carry_is_a_setup_error_not_missing_trace(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, correlation: str, named: str
) -> None:
    _set_profile(demo, "  prefix: tagsmoke-\n", "  prefix: tagsmoke-\n" + correlation)
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines(
        [f"*tagsmoke setup error*the gateway's answer carries no*{named}*cannot be looked up*"]
    )
    assert "missing_trace:" not in result.stdout.str()
    assert "poll deadline" not in result.stdout.str()
    records = read_records(demo.path)
    assert len(records) == 6
    assert all(r["tag_found_in_log"] == "not-checked" for r in records)
    assert all(r["failure_reason"] != "missing_trace" for r in records)
    assert all("cannot be looked up" in r["problems"][0] for r in records)
    assert len(tagsmoke_gateway.received) == 6  # each sent once, none again


# -- 2. what pytest will not run is not sent --------------------------------------------------
SKIPPING_CONFTEST = """
    import pytest

    def pytest_collection_modifyitems(items):
        for item in items:
            if "header" in item.name:
                item.add_marker(pytest.mark.skipif(True, reason="not today"))
            elif "metadata" in item.name:
                item.add_marker(pytest.mark.skipif("1 + 1 == 2", reason="by condition"))
            elif "missing-owner" in item.name:
                item.add_marker(pytest.mark.xfail(run=False, reason="known"))
            elif "prd" in item.name:
                item.add_marker(pytest.mark.skipif(False, reason="runs"))
"""


def test_skipped_and_not_run_scenarios_are_not_sent(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    demo.makeconftest(textwrap.dedent(SKIPPING_CONFTEST))
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-rsx")
    result.assert_outcomes(passed=3, skipped=2, xfailed=1)
    assert len(tagsmoke_gateway.received) == 3
    records = read_records(demo.path)
    assert sorted(r["scenario_id"] for r in records) == [
        "missing-environment-lands-in-the-untagged-bucket",
        "no-tags-at-all-lands-in-the-untagged-bucket",
        "unapproved-environment-prd-is-quarantined",
    ]
    (folder,) = (demo.path / "tagsmoke-artifacts").iterdir()
    assert not (folder / "unverified.jsonl").exists()


# -- 3. bucket counters under pytest-xdist: not checked --------------------------------------
def test_xdist_workers_do_not_check_bucket_counters(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    """Another worker's untagged request can grow the bucket between a worker's two reads."""
    pytest.importorskip("xdist")
    result = demo.runpytest_subprocess(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-n", "2", "-p", "xdist"
    )
    result.assert_outcomes(passed=6)
    counted = [r for r in read_records(demo.path) if r["counter_expected"]]
    assert len(counted) == 4
    assert {r["untagged_bucket_incremented"] for r in counted} == {"not-checked"}
    (folder,) = (demo.path / "tagsmoke-artifacts").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["counter_checks"] == {"yes": 0, "no": 0, "not-checked": 4}
