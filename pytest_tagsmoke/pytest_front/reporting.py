"""pytest glue: what pytest saw of the scenarios, and the terminal's tagsmoke section.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from pytest_tagsmoke.logstore.poll import PollProgress
    from pytest_tagsmoke.reports.artifacts import RunArtifacts

MAX_NOTES = 10


@dataclass
class RunTally:
    """Scenario outcomes as pytest reported them (also from xdist workers)."""

    failed: set[str] = field(default_factory=set)
    errored: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)

    def add(self, report: pytest.TestReport) -> None:
        if not getattr(report, "tagsmoke_scenario", False) or not report.failed:
            return
        (self.failed if report.when == "call" else self.errored).add(report.nodeid)
        if getattr(report, "tagsmoke_refused", False):
            self.refused.add(report.nodeid)

    def as_dict(self, exit_status: int, unverified: int, interrupted: bool) -> dict[str, Any]:
        return {
            "failed": len(self.failed),
            "errored": len(self.errored),
            "refused": len(self.refused),
            "interrupted": unverified if interrupted else 0,
            "not_verified": 0 if interrupted else unverified,
            "exit_status": exit_status,
        }


def write_terminal_summary(
    terminalreporter: pytest.TerminalReporter,
    artifacts: RunArtifacts,
    dry_run_requests: list[tuple[str, str]],
    store_notes: list[str],
) -> None:
    write = terminalreporter.write_line
    if dry_run_requests:
        terminalreporter.write_sep("-", "tagsmoke dry run: nothing was sent")
        for nodeid, text in dry_run_requests:
            write(nodeid)
            for line in text.splitlines():
                write("    " + line)
    results = [r.result for r in artifacts.records]
    if not results and not artifacts.unverified:
        return
    terminalreporter.write_sep("-", "tagsmoke")
    write(
        f"{len(results)} smoke records ({results.count('pass')} pass, "
        f"{results.count('fail')} fail): {artifacts.records_path}"
    )
    if artifacts.unverified:
        write(
            f"{len(artifacts.unverified)} requests sent and not verified (the run stopped): "
            f"{artifacts.folder}/unverified.jsonl",
            yellow=True,
        )
    unchecked = sum(
        1
        for r in artifacts.records
        if r.counter_expected and r.untagged_bucket_incremented == "not-checked"
    )
    if unchecked:
        write(
            f"bucket counters not checked for {unchecked} scenarios (the store has no counts "
            "and cannot list its records, the counts could not be read, or an xdist worker "
            "sent them: see docs/faults.md, Counters): not a failure"
        )
    if store_notes:
        write(f"log store: {len(store_notes)} lines skipped (not a JSON record):", yellow=True)
        for note in store_notes[:MAX_NOTES]:
            write(f"  {note}")
    write(f"summaries: {artifacts.folder}/{{summary.json,smoke_test_log.yaml,summary.md}}")
    if artifacts.claims:
        write(
            "tagsmoke pricing guard FAILED: artifacts must carry no cost, price, spend or "
            "currency amount (a smoke test proves metadata flows, nothing about price). "
            "Found:",
            red=True,
            bold=True,
        )
        for claim in artifacts.claims:
            write(f"  {claim}", red=True)


class WaitingLine:
    """While the run waits on the log store's lag, a line now and then: found, outstanding,
    time left. Nothing for a wait shorter than ``first_after`` seconds; at most one line
    every ``every`` seconds; the front end passes none under ``-q``."""

    def __init__(
        self, terminal: pytest.TerminalReporter, first_after: float = 1.0, every: float = 2.0
    ) -> None:
        self.terminal = terminal
        self.first_after = first_after
        self.every = every
        self._last_line = float("-inf")

    def __call__(self, progress: PollProgress) -> None:
        now = time.monotonic()
        if (
            progress.outstanding == 0
            or progress.waited < self.first_after
            or now - self._last_line < self.every
        ):
            return
        self._last_line = now
        self.terminal.write_line(
            f"tagsmoke: waiting for {progress.expected} log records: {progress.found} found, "
            f"{progress.outstanding} outstanding, {progress.seconds_left:.0f} s left"
        )
