"""While the run waits out the log store's lag, the terminal says how the wait stands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.reference import ReferenceGateway

if TYPE_CHECKING:
    import pytest

WAITING = "tagsmoke: waiting for 6 log records: * found, * outstanding, * s left"


def _run_with_lag(
    demo: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory, *args: str
) -> pytest.RunResult:
    db = tmp_path_factory.mktemp("lag") / "log.sqlite"
    with ReferenceGateway(db, ingest_delay=3.5) as gateway:
        return demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", *args)


def test_a_wait_longer_than_a_second_prints_found_outstanding_and_time_left(
    demo: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = _run_with_lag(demo, tmp_path_factory)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([WAITING])
    lines = [line for line in result.outlines if line.startswith("tagsmoke: waiting")]
    # At most one line every 2 s over a wait of about 3.5 s: a line, not a flood.
    assert 1 <= len(lines) <= 3, lines
    assert all(" 0 outstanding" not in line for line in lines)


def test_quiet_runs_print_no_progress_line(
    demo: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = _run_with_lag(demo, tmp_path_factory, "-q")
    result.assert_outcomes(passed=6)
    assert not [line for line in result.outlines if "tagsmoke: waiting" in line]


def test_a_quick_store_prints_no_progress_line(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(passed=6)
    assert not [line for line in result.outlines if "tagsmoke: waiting" in line]
