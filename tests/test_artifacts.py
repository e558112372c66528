"""Tag policy verdicts, smoke records and run artifacts, from real requests through the
reference gateway."""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
import yaml

from tests.helpers import REPO, artifact_text, read_records

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway

SCHEMA = json.loads((REPO / "pytest_tagsmoke/schema/smoke-record.schema.json").read_text())
TAGS = "{owner: team-search, environment: staging, use_case: semantic-search}"


@pytest.fixture
def full_demo(demo: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(REPO / "scenarios" / "policy.yaml", demo.path / "scenarios" / "policy.yaml")
    return demo


def _run_folder(root: Path) -> Path:
    (folder,) = (root / "tagsmoke-artifacts").iterdir()
    return folder


def _scenarios(pytester: pytest.Pytester, text: str) -> None:
    (pytester.path / "scenarios" / "extra.yaml").write_text(textwrap.dedent(text))


def test_every_artifact_is_written_and_parseable(
    full_demo: pytest.Pytester,
    tagsmoke_gateway: ReferenceGateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    full_demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}"
    ).assert_outcomes(passed=12)
    folder = _run_folder(full_demo.path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "records.jsonl",
        "smoke_test_log.yaml",
        "summary.json",
        "summary.md",
    ]
    records = read_records(full_demo.path)
    for record in records:
        jsonschema.validate(record, SCHEMA)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["run_id"] == folder.name
    assert summary["totals"] == {"scenarios": 12, "pass": 12, "fail": 0}
    assert summary["counts"] == {
        "clean": 6,
        "missing_environment": 2,
        "invalid_environment": 2,
        "shared_cost_rule_needed": 1,
        "other": 1,
    }
    assert summary["coverage"]["environment"] == {
        "tagged": 6,
        "records": 6,
        "percent": 100.0,
        "below_threshold": False,
    }
    log = yaml.safe_load((folder / "smoke_test_log.yaml").read_text())["smoke_test_log"]
    assert log["pass"] == "yes"
    assert log["tagged_request"]["owner_value"] == "team-search"
    assert log["tagged_request"]["tag_found_in_log"] == "yes"
    assert log["untagged_request"]["untagged_bucket_incremented"] == "yes"
    assert set(log) == {
        "run_date",
        "environment",
        "api_endpoint",
        "tagged_request",
        "untagged_request",
        "pass",
        "notes",
    }
    markdown = (folder / "summary.md").read_text()
    assert "| shared platform owner needs a cost rule | error | pass | — | platform-finops |" in (
        markdown
    )
    assert step_summary.read_text() == "earlier step\n" + markdown


def test_mixed_run_counts_and_coverage_flag(
    full_demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "use_case"
    result = full_demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] > 0
    summary = json.loads((_run_folder(full_demo.path) / "summary.json").read_text())
    # The body-metadata scenario still carries use_case; the five header ones do not.
    assert summary["coverage"]["use_case"] == {
        "tagged": 1,
        "records": 6,
        "percent": 16.7,
        "below_threshold": True,
    }
    assert summary["coverage"]["owner"]["below_threshold"] is False
    assert summary["result"] == "fail"
    assert summary["failure_reasons"]["tag_mismatch"] == 5
    markdown = (_run_folder(full_demo.path) / "summary.md").read_text()
    assert "use_case 16.7 % ⚠ below 95 %" in markdown


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        (
            "name: x\n    path: happy\n    tags: {owner: team-search, environment: prd, "
            "use_case: s}",
            "invalid_environment",
        ),
        (
            "name: x\n    path: happy\n    tags: {owner: platform-shared, environment: staging, "
            "use_case: s}",
            "shared_cost_rule_needed",
        ),
        (
            "name: x\n    path: happy\n    tags: {owner: team-unknown, environment: staging, "
            "use_case: s}",
            "missing_owner",
        ),
        (
            f"name: x\n    path: happy\n    tags: {TAGS}\n    expect: {{bucket: quarantine}}",
            "tag_mismatch",
        ),
        (
            f"name: x\n    path: error\n    tags: {TAGS}\n    expect: {{bucket: untagged}}",
            "untagged_not_isolated",
        ),
        (
            f"name: x\n    path: happy\n    tags: {TAGS}\n    request: {{path: /v1/nowhere}}",
            "gateway_error",
        ),
    ],
    ids=lambda v: v if v.isidentifier() else "",
)
def test_failure_reasons_from_real_requests(
    full_demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, scenario: str, reason: str
) -> None:
    _scenarios(full_demo, f"scenarios:\n  - {scenario}\n")
    result = full_demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "scenarios/extra.yaml"
    )
    result.assert_outcomes(failed=1)
    (record,) = read_records(full_demo.path)
    assert record["failure_reason"] == reason
    result.stdout.fnmatch_lines([f"*failed: {reason}", "*follow-up owner: *"])


def test_drift_is_reported_with_a_hint(
    full_demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    _scenarios(
        full_demo,
        "scenarios:\n  - name: x\n    path: happy\n    tags: "
        "{owner: team-search, environment: prd, use_case: s}\n",
    )
    result = full_demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "scenarios/extra.yaml"
    )
    result.stdout.fnmatch_lines(
        [
            "*environment 'prd' is not an approved value (drift: 'prd' is "
            "a known alias of 'production'*"
        ]
    )
    assert read_records(full_demo.path)[0]["drift"] == {"environment": "production"}


def test_artifacts_carry_no_cost_although_every_log_record_has_one(
    full_demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    result = full_demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(passed=12)
    assert result.ret == 0
    for record in read_records(full_demo.path):
        logged = tagsmoke_gateway.db.find(record["correlation_id"])[0]
        assert logged["response_cost"] > 0
    text = artifact_text(full_demo.path)
    assert "response_cost" not in text
    assert "1.5e-06" not in text
    assert "3e-06" not in text


def test_planted_price_makes_the_guard_fail_the_run(
    full_demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    _scenarios(
        full_demo,
        f"scenarios:\n  - name: 'cheap call, about $0.02'\n    path: happy\n    tags: {TAGS}\n",
    )
    result = full_demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "scenarios/extra.yaml"
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "tagsmoke pricing guard FAILED: artifacts must carry no cost, price, spend or "
            "currency amount*",
            "  records.jsonl:1: a currency amount",
            "  smoke_test_log.yaml:*: a currency amount",
            "  summary.md:*: a currency amount",
        ]
    )
    assert "$0.02" not in result.stdout.str()  # the guard names the place, not the amount


def test_pricing_guard_scans_text(tmp_path: Path) -> None:
    from pytest_tagsmoke.safety.pricing_guard import scan

    cases: dict[str, Any] = {
        "a.json": '{"response_cost": 1}',
        "b.json": '{"costUSD": 0.1}',
        "c.md": "total 12.50 USD",
        "d.md": "EUR 3",
        "e.json": '{"counts": {"shared_cost_rule_needed": 1}, "cost_center": "cc-1"}',
        "f.md": "missing_environment 2 · shared cost rule needed 0",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    found = {claim.path.name for claim in scan(sorted(tmp_path.iterdir()))}
    assert found == {"a.json", "b.json", "c.md", "d.md"}
