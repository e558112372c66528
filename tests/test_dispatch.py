"""Send everything first, verify together: selection options keep working, and log-store
queries grow with poll ticks, not with scenarios times ticks."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import read_records, write_many_scenarios

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway as Gateway


def test_queries_grow_with_ticks_not_with_scenarios(demo: pytest.Pytester, tmp_path: Path) -> None:
    write_many_scenarios(demo, 40)
    with ReferenceGateway(tmp_path / "log.sqlite", ingest_delay=0.5) as gateway:
        started = time.monotonic()
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
        elapsed = time.monotonic() - started
        result.assert_outcomes(passed=46)
        reads = gateway.stats["log_reads"]
        assert gateway.stats["chat"] == 46
    # 2 count reads + at most two batched reads per tick (the one-id probe, and the sweep
    # when it finds its record); a tick at most every poll.interval (0.05 s) while the run
    # lasts. One query per scenario per tick would be 46 times the ticks.
    ticks = elapsed / 0.05 + 2
    assert reads <= 2 + 2 * ticks


def test_serial_mode_polls_scenario_by_scenario(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--tagsmoke-serial"
    )
    result.assert_outcomes(passed=6)
    # every scenario reads its own record at least once; error paths also read counts twice
    assert tagsmoke_gateway.stats["log_reads"] >= 6 + 4 * 2


def test_selection_sends_only_the_selected(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "untagged"
    ).assert_outcomes(passed=3, deselected=3)
    assert tagsmoke_gateway.stats["chat"] == 3


def test_last_failed_reruns_only_the_failures(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "environment"
    args = ("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-p", "cacheprovider")
    demo.runpytest(*args).assert_outcomes(passed=4, failed=2)
    tagsmoke_gateway.faults.drop_header = None
    before = tagsmoke_gateway.stats["chat"]
    rerun = demo.runpytest(*args, "--lf")
    rerun.assert_outcomes(passed=2, deselected=4)
    assert tagsmoke_gateway.stats["chat"] - before == 2


def test_exitfirst_stops_after_the_first_failure(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "environment"
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-x")
    result.assert_outcomes(failed=1)
    assert [r["result"] for r in read_records(demo.path)] == ["fail"]


def test_skipped_scenarios_are_not_sent(
    pytester: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n"
        "  - {name: sent, path: happy, tags: {owner: a, environment: staging, use_case: u}}\n"
        "  - name: not sent\n    path: happy\n    marks: [{skip: later}]\n"
    )
    pytester.runpytest("--tagsmoke").assert_outcomes(passed=1, skipped=1)
    assert tagsmoke_gateway.stats["chat"] == 1
