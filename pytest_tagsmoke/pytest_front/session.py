"""pytest glue: the plugin object registered when ``--tagsmoke`` is given.

It finds the profile and the scenario files, plans the batch once (over the final
selection) and sends it in the background (:mod:`pytest_tagsmoke.pytest_front.background_batch`),
hands each item its outcome once final, tallies what pytest saw and writes the artifacts.
Collector and items: :mod:`pytest_tagsmoke.pytest_front.items`; the terminal section:
:mod:`pytest_tagsmoke.pytest_front.reporting`; the sending and finding:
:mod:`pytest_tagsmoke.sending.batch`.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import gc
import glob
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.errors import SetupError
from pytest_tagsmoke.pytest_front.background_batch import BackgroundBatch
from pytest_tagsmoke.pytest_front.items import SESSION_KEY, ScenarioFile, ScenarioItem, smoke_record
from pytest_tagsmoke.pytest_front.planned_items import will_not_run
from pytest_tagsmoke.pytest_front.profile_lookup import run_profile
from pytest_tagsmoke.pytest_front.refusals import ProductionRefusals
from pytest_tagsmoke.pytest_front.reporting import RunTally, WaitingLine, write_terminal_summary
from pytest_tagsmoke.records.smoke_record import SmokeRecord
from pytest_tagsmoke.reports.artifacts import RunArtifacts, new_run_id
from pytest_tagsmoke.sending.batch import Runtime

if TYPE_CHECKING:
    from collections.abc import Generator

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.sending.dispatch import Dispatch

__all__ = ["SESSION_KEY", "TagsmokeSession"]


class TagsmokeSession:
    """Holds the run's profile and, once the first scenario runs, its :class:`Runtime`."""

    def __init__(self, config: pytest.Config, profile: Profile, artifacts_base: Path) -> None:
        self.config = config
        self.profile = profile
        self.artifacts = RunArtifacts(artifacts_base, new_run_id())
        self._runtime: Runtime | None = None
        self._runtime_error: str | None = None
        self.scenario_files = self._glob_scenarios()
        self.dry_run = bool(config.getoption("tagsmoke_dry_run"))
        self.allow_production = bool(config.getoption("tagsmoke_allow_production"))
        # Under pytest-xdist, workers send and judge; the controller writes the artifacts.
        self.is_worker = hasattr(config, "workerinput")
        # Send everything first, then verify; xdist workers are fed items one by one, so
        # they send serially.
        self.serial = bool(config.getoption("tagsmoke_serial")) or self.is_worker
        self.concurrency = max(1, int(config.getoption("tagsmoke_concurrency")))
        #: Each planned item's position in the batch being sent in the background.
        self._planned: dict[str, int] = {}
        self._batch: BackgroundBatch | None = None
        self._batch_progress: WaitingLine | None = None
        self.tally = RunTally()
        self.dry_run_requests: list[tuple[str, str]] = []
        self._refusals = ProductionRefusals(profile, self.allow_production)

    @classmethod
    def from_config(cls, config: pytest.Config) -> TagsmokeSession:
        profile, base = run_profile(config)
        session = cls(config, profile, base.resolve())
        # One bad scenario file is reported as that file's collection error; the other
        # files' scenarios still run (the run still exits non-zero).
        config.option.continue_on_collection_errors = True
        session._use_scenarios_as_default_args()
        config.stash[SESSION_KEY] = session
        return session

    def _glob_scenarios(self) -> set[Path]:
        files: set[Path] = set()
        for pattern in self.profile.scenarios:
            for match in glob.glob(pattern, root_dir=self.profile.base_dir, recursive=True):
                files.add((self.profile.base_dir / match).resolve())
        files.discard(self.profile.path.resolve())
        return files

    def _use_scenarios_as_default_args(self) -> None:
        """``pytest --tagsmoke`` with no path runs the profile's scenarios, not testpaths."""
        if self.config.args_source == pytest.Config.ArgsSource.ARGS:
            self._explicit = {
                Path(self.config.invocation_params.dir, a.split("::")[0]).resolve()
                for a in self.config.args
            }
            return
        self._explicit = set()
        if not self.scenario_files:
            raise pytest.UsageError(
                f"pytest-tagsmoke: the profile's scenarios {list(self.profile.scenarios)} match "
                f"no file under {self.profile.base_dir}.\n"
                "  Add scenario files there or change 'scenarios:' in the profile."
            )
        self.config.args = sorted(str(p) for p in self.scenario_files)

    def is_scenario_file(self, path: Path) -> bool:
        resolved = path.resolve()
        return resolved in self.scenario_files or (
            resolved in self._explicit and resolved != self.profile.path.resolve()
        )

    # -- hooks ---------------------------------------------------------------------------
    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> pytest.Collector | None:
        if file_path.suffix in (".yaml", ".yml") and self.is_scenario_file(file_path):
            return ScenarioFile.from_parent(parent, path=file_path)
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """Plan the batch once, over the final selection (after ``-k``, ``--lf`` and
        deselection), and send it in the background (:class:`BackgroundBatch`); each item
        waits for its own outcome only, judged while later records are still awaited."""
        # What exists now (modules, the profile, the collected items) lives until the run
        # ends: leave it out of the cyclic garbage collector's passes (the interpreter's own
        # while thousands of results are made, and pytest's full collections at exit).
        gc.freeze()
        if (
            self.dry_run
            or self.serial
            or session.config.option.collectonly
            # the pytest-xdist controller runs no item: its workers send
            or session.config.pluginmanager.hasplugin("dsession")
            or (session.testsfailed and not session.config.option.continue_on_collection_errors)
        ):
            return
        batch = [
            item
            for item in session.items
            if isinstance(item, ScenarioItem)
            and not will_not_run(item)
            and self.production_refusal(item.scenario) is None
        ]
        if not batch:
            return
        try:
            runtime = self.runtime()
        except Exception:  # a SetupError, or the endpoint hook's own error
            return  # each item reports it in its setup
        self._planned = {item.nodeid: position for position, item in enumerate(batch)}
        self._batch = BackgroundBatch(runtime, [i.scenario for i in batch], self.concurrency)
        self._batch.start()
        self._batch_progress = self._waiting_line()

    def outcome_for(self, item: ScenarioItem) -> Dispatch:
        """``item``'s sent request and found record: from the batch (waited for until it is
        final), or (serial mode, xdist workers, an item outside the plan) sent now, for
        this item alone."""
        position = self._planned.pop(item.nodeid, None)
        if position is not None and self._batch is not None:
            outcome = self._batch.outcome(position, self._batch_progress)
            if isinstance(outcome, SetupError):  # this scenario's request cannot be built
                raise SetupError(str(outcome))
            dispatch = outcome
        else:
            if self._batch is not None:
                # Not while the batch is sent: this scenario's two counter reads would
                # straddle the batch's requests (and the batch's its own).
                self._batch.wait_until_ended()
            dispatch = self.runtime().dispatch(item.scenario)
        return dispatch

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Carry the smoke record on the report: under xdist only the controller writes."""
        report = yield
        if isinstance(item, ScenarioItem):
            report.tagsmoke_scenario = True  # type: ignore[attr-defined]
            report.tagsmoke_refused = item.refused  # type: ignore[attr-defined]
            if item.smoke is not None and not item.smoke_sent:
                report.tagsmoke_record = item.smoke.to_json_dict()  # type: ignore[attr-defined]
                # The report carries it now: the item (kept to the run's end) lets it go.
                item.smoke, item.smoke_sent = None, True
            if item.dry_run_text is not None and call.when == "call":
                report.tagsmoke_dry_run = item.dry_run_text  # type: ignore[attr-defined]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker:
            return
        self.tally.add(report)
        record = getattr(report, "tagsmoke_record", None)
        if record is not None:
            self.artifacts.write_record(
                SmokeRecord.from_json_dict(record).with_run_id(self.artifacts.run_id)
            )
            # Written: pytest's terminal keeps every report to the end, not this copy.
            del report.tagsmoke_record
        dry_run = getattr(report, "tagsmoke_dry_run", None)
        if dry_run is not None:
            self.dry_run_requests.append((report.nodeid, dry_run))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        interrupted = session.exitstatus == pytest.ExitCode.INTERRUPTED
        if self._batch is not None:  # stopped early (-x, Ctrl-C): nothing more is sent
            try:
                self._batch.stop_and_join()
            except KeyboardInterrupt:
                # A second Ctrl-C while the requests in flight finish: stop waiting for
                # them, but keep every request sent traceable (each is in ``runtime.sent``
                # before it goes out) and write the run's files.
                interrupted = True
        runtime = self._runtime
        if runtime is not None:
            why = (
                "the run was interrupted after the request was sent"
                if interrupted
                else "the run stopped (e.g. -x) after the request was sent"
            )
            self.artifacts.write_unverified(
                [
                    smoke_record(self.artifacts.run_id, runtime, d, None, why)
                    for d in list(runtime.sent)  # a copy: senders may still be appending
                    if not d.reported
                ]
            )
        endpoints = {r.endpoint for r in self.artifacts.records + self.artifacts.unverified}
        unverified = len(self.artifacts.unverified)
        run = self.tally.as_dict(int(session.exitstatus), unverified, interrupted)
        notes = runtime.store_notes() if runtime is not None else []
        self.artifacts.finish(
            self.profile.policy, ", ".join(sorted(endpoints)), run, {"skipped_lines": len(notes)}
        )
        if self.artifacts.claims and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        notes = self._runtime.store_notes() if self._runtime is not None else []
        write_terminal_summary(terminalreporter, self.artifacts, self.dry_run_requests, notes)

    def pytest_unconfigure(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
        self.artifacts.close()

    # -- production safety ---------------------------------------------------------------
    def production_refusal(self, scenario: Scenario) -> str | None:
        """Why ``scenario`` is refused (it carries environment=production), or None."""
        return self._refusals.scenario(scenario)

    def _waiting_line(self) -> WaitingLine | None:
        """The progress line while records are awaited; none under ``-q`` or without a
        terminal."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None or self.config.option.verbose < 0:
            return None
        return WaitingLine(terminal)

    # -- runtime -------------------------------------------------------------------------
    def runtime(self) -> Runtime:
        if self._runtime is not None:
            return self._runtime
        if self._runtime_error is None:
            endpoint = (
                self.config.getoption("tagsmoke_endpoint")
                or self.profile.endpoint
                or self.config.hook.pytest_tagsmoke_endpoint(config=self.config)
            )
            refusal = self._refusals.host(endpoint) if endpoint else None
            if endpoint and refusal is None:
                self._runtime = Runtime(self.profile.with_endpoint(endpoint), self.concurrency)
                # Workers run side by side: another's untagged request can make a bucket
                # counter grow between this worker's two reads (docs/faults.md, Counters).
                self._runtime.check_counters = not self.is_worker
                self._runtime.on_poll_progress = self._waiting_line()
                return self._runtime
            self._runtime_error = refusal or (
                "no gateway endpoint is configured: set 'endpoint' in the profile, pass "
                "--tagsmoke-endpoint URL, or implement the pytest_tagsmoke_endpoint hook in a "
                "conftest.py"
            )
        raise SetupError(self._runtime_error)
