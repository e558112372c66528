"""The fault matrix: every seed failure mode, through the real reference gateway, gets the
right verdict — the right failure reason, the right pytest outcome, the follow-up owner.

docs/faults.md lists the same table; keep the two in step.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import read_records

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway

TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}


@dataclass(frozen=True)
class Fault:
    faults: dict[str, Any]
    scenario: str  # the demo scenario id (-k) that shows it
    outcome: str  # "failed" or "errors"
    reason: str


MATRIX = {
    "dimension header dropped": Fault(
        {"drop_header": "environment"}, "tagged-by-header", "failed", "missing_environment"
    ),
    "body metadata not copied": Fault(
        {"drop_metadata": True}, "tagged-by-body-metadata", "failed", "missing_environment"
    ),
    "environment drift passed through": Fault(
        {"pass_drift": True}, "prd-is-quarantined", "failed", "untagged_not_isolated"
    ),
    "owner missing": Fault(
        {"drop_dimension": "owner"}, "tagged-by-header", "failed", "missing_owner"
    ),
    "untagged merged into a team": Fault(
        {"merge_untagged_into": "team-search"}, "no-tags-at-all", "failed", "untagged_not_isolated"
    ),
    "production hard-coded (tag pollution)": Fault(
        {"hardcode_environment": "production"}, "tagged-by-header", "failed", "tag_mismatch"
    ),
    "shared environment with no rule": Fault(
        {"shared_environment": "staging"}, "tagged-by-header", "failed", "shared_cost_rule_needed"
    ),
    "record never written (lost trace)": Fault(
        {"lose_records": True}, "tagged-by-header", "failed", "missing_trace"
    ),
    "duplicate records for one id": Fault(
        {"duplicate_records": True}, "tagged-by-header", "failed", "tag_mismatch"
    ),
    "log store answers 500": Fault(
        {"store_answer": "500"}, "tagged-by-header", "errors", "gateway_error"
    ),
    "log store answers malformed JSON": Fault(
        {"store_answer": "garbage"}, "tagged-by-header", "errors", "gateway_error"
    ),
    "gateway answers 500": Fault(
        {"gateway_status": 500, "gateway_failures": 1},
        "tagged-by-header",
        "failed",
        "gateway_error",
    ),
    "gateway answers 503 past the retries": Fault(
        {"gateway_status": 503, "gateway_failures": 5},
        "tagged-by-header",
        "failed",
        "gateway_error",
    ),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_fault_gives_the_right_verdict(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, name: str
) -> None:
    fault = MATRIX[name]
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(profile.read_text().replace("timeout: 10", "timeout: 1"))
    for key, value in fault.faults.items():
        setattr(tagsmoke_gateway.faults, key, value)
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", fault.scenario
    )
    result.assert_outcomes(**{fault.outcome: 1}, deselected=5)
    (record,) = read_records(demo.path)
    assert record["result"] == "fail"
    assert record["failure_reason"] == fault.reason
    assert record["follow_up_owner"] in (
        "search-platform-oncall",
        "support-tools-leads",
        "platform-finops",
    )
    if fault.outcome == "failed":
        result.stdout.fnmatch_lines(
            [f"*failed: {fault.reason}", f"*follow-up owner: {record['follow_up_owner']}"]
        )
    else:
        result.stdout.fnmatch_lines(["*tagsmoke setup error (not a tagging verdict)*"])


def test_healthy_gateway_fails_nothing(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}").assert_outcomes(
        passed=6
    )


@pytest.mark.parametrize(
    ("faults", "retries"),
    [
        ({"gateway_status": 503, "gateway_failures": 2}, 2),
        ({"gateway_status": 429, "gateway_failures": 1, "retry_after": 0.3}, 1),
        ({"gateway_status": 502, "gateway_failures": 1}, 1),
    ],
)
def test_transient_gateway_errors_are_retried_and_counted(
    demo: pytest.Pytester,
    tagsmoke_gateway: ReferenceGateway,
    faults: dict[str, Any],
    retries: int,
) -> None:
    for key, value in faults.items():
        setattr(tagsmoke_gateway.faults, key, value)
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    )
    result.assert_outcomes(passed=1, deselected=5)
    assert read_records(demo.path)[0]["retry_count"] == retries


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_other_errors_are_not_retried(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, status: int
) -> None:
    tagsmoke_gateway.faults.gateway_status = status
    tagsmoke_gateway.faults.gateway_failures = 1
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    )
    result.assert_outcomes(failed=1, deselected=5)
    (record,) = read_records(demo.path)
    assert (record["retry_count"], record["http_status"]) == (0, status)
    # The one failure was not retried: the gateway still owes nothing and logged nothing.
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 0


def test_slow_gateway_within_the_timeout_passes(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    tagsmoke_gateway.faults.slow = 0.3
    demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    ).assert_outcomes(passed=1, deselected=5)


def test_gateway_slower_than_the_request_timeout_is_a_setup_error(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(profile.read_text() + "request_timeout: 0.2\n")
    tagsmoke_gateway.faults.slow = 1.0
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    )
    result.assert_outcomes(errors=1, deselected=5)
    result.stdout.fnmatch_lines(["*is unreachable: ReadTimeout*"])
    # Issue #10: a read timeout is not re-sent (the gateway may already have logged it).
    result.stdout.fnmatch_lines(["*ReadTimeout*not re-sent*"])
    assert tagsmoke_gateway.stats["chat"] == 1
    (record,) = read_records(demo.path)
    assert record["failure_reason"] == "gateway_error"
    assert record["tag_found_in_log"] == "not-checked"


def test_production_is_refused_unless_allowed(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.mkdir("scenarios")
    tags = json.dumps({**TAGS, "environment": "production"})
    (pytester.path / "scenarios" / "prod.yaml").write_text(
        f"scenarios:\n  - name: production traffic\n    path: happy\n    tags: {tags}\n"
    )
    refused = pytester.runpytest("--tagsmoke")
    refused.assert_outcomes(errors=1)
    refused.stdout.fnmatch_lines(
        ["*refused: the scenario sends environment=production*--tagsmoke-allow-production*"]
    )
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 0
    pytester.runpytest("--tagsmoke", "--tagsmoke-allow-production").assert_outcomes(passed=1)


def test_production_host_is_refused(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(
        ".yaml",
        tagsmoke=textwrap.dedent(f"""\
        endpoint: {tagsmoke_gateway.url}
        production_hosts: ["127.0.0.*"]
        preset: reference
        """),
    )
    pytester.mkdir("scenarios")
    tags = json.dumps(TAGS)
    (pytester.path / "scenarios" / "s.yaml").write_text(
        f"scenarios:\n  - name: staging traffic\n    path: happy\n    tags: {tags}\n"
    )
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*refused: the endpoint host '127.0.0.1' matches the profile's production_hosts*"]
    )


def test_interrupted_run_keeps_finished_records_and_a_summary(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    demo.makeconftest(
        """
        def pytest_runtest_setup(item):
            if item.name.startswith("missing-owner"):
                raise KeyboardInterrupt
        """
    )
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", no_reraise_ctrlc=True
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    records = read_records(demo.path)
    assert [r["scenario_id"] for r in records] == [
        "tagged-by-header-is-attributed",
        "tagged-by-body-metadata-is-attributed",
        "missing-environment-lands-in-the-untagged-bucket",
    ]
    (folder,) = (demo.path / "tagsmoke-artifacts").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["totals"] == {"scenarios": 3, "pass": 3, "fail": 0}


def test_xdist_writes_one_run_folder_with_every_record_once(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytest.importorskip("xdist")
    result = demo.runpytest_subprocess(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-n", "4", "-p", "xdist"
    )
    result.assert_outcomes(passed=6)
    assert tagsmoke_gateway.stats["chat"] == 6  # sent by the workers only, each once
    (folder,) = (demo.path / "tagsmoke-artifacts").iterdir()
    assert not (folder / "unverified.jsonl").exists()
    records = read_records(demo.path)
    assert len(records) == 6
    assert len({r["correlation_id"] for r in records}) == 6
    assert {r["run_id"] for r in records} == {folder.name}
    assert json.loads((folder / "summary.json").read_text())["totals"]["pass"] == 6
    result.stdout.fnmatch_lines(["*6 smoke records (6 pass, 0 fail)*"])
