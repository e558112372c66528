"""The plugin object registered when ``--tagsmoke`` is given: collection, items, summary."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke._redact import scrub
from pytest_tagsmoke.artifacts import RunArtifacts, new_run_id
from pytest_tagsmoke.errors import SetupError, TagsmokeFileError
from pytest_tagsmoke.message import failure_message
from pytest_tagsmoke.production import environment_refusal, host_refusal
from pytest_tagsmoke.profile import (
    PROFILE_FILENAME,
    Profile,
    has_pyproject_table,
    load_profile,
)
from pytest_tagsmoke.record import SEED_FIELDS, build_smoke_record
from pytest_tagsmoke.runtime import Dispatch, Runtime
from pytest_tagsmoke.scenario import Mark, Scenario, load_scenario_file
from pytest_tagsmoke.send import build_request, render_request
from pytest_tagsmoke.verify import Verdict, judge

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

SESSION_KEY = pytest.StashKey["TagsmokeSession"]()


def _profile_path(config: pytest.Config) -> Path:
    option = config.getoption("tagsmoke_profile") or str(config.getini("tagsmoke_profile"))
    if option:
        return (
            Path(option).resolve()
            if Path(option).is_absolute()
            else (Path(config.invocation_params.dir) / option).resolve()
        )
    default = config.rootpath / PROFILE_FILENAME
    pyproject = config.rootpath / "pyproject.toml"
    if not default.is_file() and pyproject.is_file() and has_pyproject_table(pyproject):
        return pyproject
    return default


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
        # they dispatch serially.
        self.serial = bool(config.getoption("tagsmoke_serial")) or self.is_worker
        self.concurrency = max(1, int(config.getoption("tagsmoke_concurrency")))
        self._dispatched: dict[str, Dispatch] = {}
        self.dry_run_requests: list[tuple[str, str]] = []

    @classmethod
    def from_config(cls, config: pytest.Config) -> TagsmokeSession:
        path = _profile_path(config)
        if not path.is_file():
            raise pytest.UsageError(
                f"pytest-tagsmoke: no profile at {path}.\n"
                f"  Create {PROFILE_FILENAME} at the rootdir (see README's quick start) or pass "
                "--tagsmoke-profile PATH."
            )
        try:
            profile = load_profile(path)
        except TagsmokeFileError as exc:
            raise pytest.UsageError(f"pytest-tagsmoke: the profile is not valid:\n{exc}") from None
        artifacts = (
            config.getoption("tagsmoke_artifacts")
            or str(config.getini("tagsmoke_artifacts"))
            or None
        )
        base = (
            Path(config.invocation_params.dir) / artifacts
            if artifacts
            else profile.base_dir / profile.artifacts
        )
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

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Carry the smoke record on the report: under xdist only the controller writes."""
        report = yield
        if isinstance(item, ScenarioItem):
            if item.smoke is not None and not item.smoke_sent:
                report.tagsmoke_record = item.smoke  # type: ignore[attr-defined]
                item.smoke_sent = True
            if item.dry_run_text is not None and call.when == "call":
                report.tagsmoke_dry_run = item.dry_run_text  # type: ignore[attr-defined]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker:
            return
        record = getattr(report, "tagsmoke_record", None)
        if record is not None:
            self.artifacts.write_record({**record, "run_id": self.artifacts.run_id})
        dry_run = getattr(report, "tagsmoke_dry_run", None)
        if dry_run is not None:
            self.dry_run_requests.append((report.nodeid, dry_run))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        endpoints = {r["endpoint"] for r in self.artifacts.records}
        self.artifacts.finish(self.profile.policy, ", ".join(sorted(endpoints)))
        if self.artifacts.claims and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.dry_run_requests:
            terminalreporter.write_sep("-", "tagsmoke dry run: nothing was sent")
            for nodeid, text in self.dry_run_requests:
                terminalreporter.write_line(nodeid)
                for line in text.splitlines():
                    terminalreporter.write_line("    " + line)
        results = [r["result"] for r in self.artifacts.records]
        if not results:
            return
        terminalreporter.write_sep("-", "tagsmoke")
        terminalreporter.write_line(
            f"{len(results)} smoke records ({results.count('pass')} pass, "
            f"{results.count('fail')} fail): {self.artifacts.records_path}"
        )
        terminalreporter.write_line(
            f"summaries: {self.artifacts.folder}/{{summary.json,smoke_test_log.yaml,summary.md}}"
        )
        if self.artifacts.claims:
            terminalreporter.write_line(
                "tagsmoke pricing guard FAILED: artifacts must carry no cost, price, spend or "
                "currency amount (a smoke test proves metadata flows, nothing about price). "
                "Found:",
                red=True,
                bold=True,
            )
            for claim in self.artifacts.claims:
                terminalreporter.write_line(f"  {claim}", red=True)

    def pytest_unconfigure(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
        self.artifacts.close()

    # -- production safety ---------------------------------------------------------------
    def _production_host(self, endpoint: str) -> str | None:
        """Why ``endpoint`` is refused (a production host), or None."""
        return (
            None if self.allow_production else host_refusal(endpoint, self.profile.production_hosts)
        )

    def production_refusal(self, scenario: Scenario) -> str | None:
        return None if self.allow_production else environment_refusal(scenario, self.profile)

    # -- sending -------------------------------------------------------------------------
    def dispatch_for(self, item: ScenarioItem) -> Dispatch:
        """``item``'s dispatch. The first item to ask sends every selected scenario at once
        and waits for all their records together; the others find theirs ready."""
        runtime = self.runtime()
        if self.serial:
            return runtime.dispatch(item.scenario)
        if item.nodeid not in self._dispatched:
            batch = [item] + [
                other
                for other in item.session.items
                if isinstance(other, ScenarioItem)
                and other is not item
                and other.nodeid not in self._dispatched
                and other.will_send()
            ]
            for member, dispatch in zip(
                batch,
                runtime.dispatch_all([m.scenario for m in batch], self.concurrency),
                strict=True,
            ):
                self._dispatched[member.nodeid] = dispatch
        return self._dispatched.pop(item.nodeid)

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
            refusal = self._production_host(endpoint) if endpoint else None
            if endpoint and refusal is None:
                self._runtime = Runtime(self.profile.with_endpoint(endpoint), self.artifacts)
                return self._runtime
            self._runtime_error = refusal or (
                "no gateway endpoint is configured: set 'endpoint' in the profile, pass "
                "--tagsmoke-endpoint URL, or implement the pytest_tagsmoke_endpoint hook in a "
                "conftest.py"
            )
        raise SetupError(self._runtime_error)


class ScenarioFile(pytest.File):
    """A YAML scenario file; a bad file is one collection error listing every problem."""

    def collect(self) -> Iterator[ScenarioItem]:
        session = self.config.stash[SESSION_KEY]
        known_fields = session.profile.log_store.fields.keys()
        for scenario in load_scenario_file(self.path, known_fields=known_fields):
            item = ScenarioItem.from_parent(self, name=scenario.id, scenario=scenario)
            for mark in scenario.marks:
                item.add_marker(_pytest_mark(self.config, mark))
            yield item

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        if isinstance(excinfo.value, TagsmokeFileError):
            count = len(excinfo.value.problems)
            return (
                f"{excinfo.value}\n{count} problem{'s' if count != 1 else ''} in {self.path.name}"
            )
        return super().repr_failure(excinfo)


def _pytest_mark(config: pytest.Config, mark: Mark) -> pytest.MarkDecorator:
    if mark.name == "skip":
        return pytest.mark.skip(reason=mark.reason or "")
    if mark.name == "xfail":
        return pytest.mark.xfail(reason=mark.reason or "")
    # Register the scenario file's own marks, so --strict-markers accepts them.
    config.addinivalue_line("markers", f"{mark.name}: mark from a tagsmoke scenario file")
    return getattr(pytest.mark, mark.name)  # type: ignore[no-any-return]


class ScenarioItem(pytest.Item):
    """One scenario: setup sends and finds the record, the call judges it."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self._session = self.config.stash[SESSION_KEY]
        self._dispatch: Dispatch | None = None
        #: The smoke record once made; the report carries it to the artifact writer.
        self.smoke: dict[str, Any] | None = None
        self.smoke_sent = False
        self.dry_run_text: str | None = None

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"tagsmoke: {self.scenario.name}"

    def setup(self) -> None:
        if self._session.dry_run:
            return
        refusal = self._session.production_refusal(self.scenario)
        if refusal is not None:
            pytest.fail(f"tagsmoke setup error: {refusal}", pytrace=False)
        try:
            runtime = self._session.runtime()
        except SetupError as exc:
            pytest.fail(f"tagsmoke setup error: {exc}", pytrace=False)
        dispatch = self._session.dispatch_for(self)
        self._dispatch = dispatch
        if dispatch.setup_problem is not None:
            smoke = self._make_smoke(runtime, dispatch, None)
            pytest.fail(
                f"tagsmoke setup error (not a tagging verdict): {dispatch.setup_problem}"
                f"\n  scenario: {self.scenario.name}\n  correlation id: "
                f"{smoke['correlation_id']}",
                pytrace=False,
            )

    def will_send(self) -> bool:
        """Whether this item's setup will send its request (not skipped, not refused)."""
        return (
            self.get_closest_marker("skip") is None
            and self._session.production_refusal(self.scenario) is None
        )

    def runtest(self) -> None:
        if self._session.dry_run:
            self._dry_run()
            return
        runtime = self._session.runtime()
        dispatch = self._dispatch
        assert dispatch is not None
        assert dispatch.status is not None
        verdict = judge(
            self.scenario,
            runtime.profile.policy,
            dispatch.status,
            dispatch.record,
            dispatch.counts_before,
            dispatch.counts_after,
            dispatch.response_text,
            dispatch.sharing,
        )
        smoke = self._make_smoke(runtime, dispatch, verdict)
        if not verdict.passed:
            held = dict(dispatch.record.values) if dispatch.record else None
            pytest.fail(runtime.scrub(failure_message(smoke, held)), pytrace=False)

    def _dry_run(self) -> None:
        """Render the exact request; no endpoint hook is called and nothing is sent."""
        profile = self._session.profile
        endpoint = self.config.getoption("tagsmoke_endpoint") or profile.endpoint
        profile = profile.with_endpoint(endpoint or "<endpoint>")
        request = build_request(profile, self.scenario, "<correlation-id>")
        self.dry_run_text = scrub(render_request(request), profile.secrets())

    def _make_smoke(
        self, runtime: Runtime, dispatch: Dispatch, verdict: Verdict | None
    ) -> dict[str, Any]:
        smoke = build_smoke_record(
            run_id=runtime.artifacts.run_id,
            scenario=self.scenario,
            policy=runtime.profile.policy,
            endpoint=runtime.endpoint_shown,
            request=dispatch.request,
            http_status=dispatch.status,
            retry_count=dispatch.retry_count,
            lookup_id=dispatch.lookup_id,
            record=dispatch.record,
            verdict=verdict,
            setup_problem=dispatch.setup_problem,
        )
        self.smoke = smoke
        for name in SEED_FIELDS:
            self.user_properties.append((name, smoke[name]))
        return smoke
