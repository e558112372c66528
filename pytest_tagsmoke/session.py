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
from pytest_tagsmoke.profile import (
    PROFILE_FILENAME,
    Profile,
    has_pyproject_table,
    load_profile,
)
from pytest_tagsmoke.record import SEED_FIELDS, build_smoke_record
from pytest_tagsmoke.runtime import Runtime
from pytest_tagsmoke.scenario import Mark, Scenario, load_scenario_file
from pytest_tagsmoke.send import build_request, render_request
from pytest_tagsmoke.verify import judge

if TYPE_CHECKING:
    from collections.abc import Iterator

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

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        endpoint = self._runtime.endpoint_shown if self._runtime else ""
        self.artifacts.finish(self.profile.policy, endpoint)
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
            if endpoint:
                self._runtime = Runtime(self.profile.with_endpoint(endpoint), self.artifacts)
                return self._runtime
            self._runtime_error = (
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
        self._dispatch: Any = None

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"tagsmoke: {self.scenario.name}"

    def setup(self) -> None:
        if self._session.dry_run:
            return
        try:
            runtime = self._session.runtime()
        except SetupError as exc:
            pytest.fail(f"tagsmoke setup error: {exc}", pytrace=False)
        dispatch = runtime.dispatch(self.scenario)
        self._dispatch = dispatch
        if dispatch.setup_problem is not None:
            smoke = self._write(runtime, None)
            pytest.fail(
                f"tagsmoke setup error (not a tagging verdict): {dispatch.setup_problem}"
                f"\n  scenario: {self.scenario.name}\n  correlation id: "
                f"{smoke['correlation_id']}",
                pytrace=False,
            )

    def runtest(self) -> None:
        if self._session.dry_run:
            self._dry_run()
            return
        runtime = self._session.runtime()
        dispatch = self._dispatch
        verdict = judge(
            self.scenario,
            runtime.profile.policy,
            dispatch.status,
            dispatch.record,
            dispatch.counts_before,
            dispatch.counts_after,
            dispatch.response_text,
        )
        smoke = self._write(runtime, verdict)
        if not verdict.passed:
            held = dict(dispatch.record.values) if dispatch.record else None
            pytest.fail(runtime.scrub(failure_message(smoke, held)), pytrace=False)

    def _dry_run(self) -> None:
        """Render the exact request; no endpoint hook is called and nothing is sent."""
        profile = self._session.profile
        endpoint = self.config.getoption("tagsmoke_endpoint") or profile.endpoint
        profile = profile.with_endpoint(endpoint or "<endpoint>")
        request = build_request(profile, self.scenario, "<correlation-id>")
        secrets = [profile.credential, *profile.log_store.secrets()]
        self._session.dry_run_requests.append(
            (self.nodeid, scrub(render_request(request), secrets))
        )

    def _write(self, runtime: Runtime, verdict: Any) -> dict[str, Any]:
        dispatch = self._dispatch
        smoke = build_smoke_record(
            run_id=runtime.artifacts.folder.name,
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
        runtime.artifacts.write_record(smoke)
        for name in SEED_FIELDS:
            self.user_properties.append((name, smoke[name]))
        return smoke
