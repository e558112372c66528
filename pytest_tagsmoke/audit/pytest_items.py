"""``pytest --tagsmoke-audit``: the audit's checks as pytest items.

The profile file is collected as an :class:`AuditFile` whose items are the checks —
coverage per dimension, each service's sample, drift (and a complete census, where the
store's listing was bounded). The store is read when the file is collected (read-only
queries); the files are written when the session ends.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.reports.artifacts import artifacts_folder_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _pytest._code.code import TerminalRepr

    from pytest_tagsmoke.audit.run import AuditResult, Check

PLUGIN_NAME = "tagsmoke-audit"


def _profile_path(config: pytest.Config) -> Path:
    option = config.getoption("tagsmoke_profile") or str(config.getini("tagsmoke_profile"))
    if option:
        return (Path(config.invocation_params.dir) / option).resolve()
    default = config.rootpath / "tagsmoke.yaml"
    pyproject = config.rootpath / "pyproject.toml"
    if not default.is_file() and pyproject.is_file():
        from pytest_tagsmoke.files.profile import has_pyproject_table

        if has_pyproject_table(pyproject):
            return pyproject.resolve()
    return default.resolve()


class AuditPlugin:
    """Collects the profile as the audit's file and writes the audit files at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.profile_path = _profile_path(config)
        if not self.profile_path.is_file():
            raise pytest.UsageError(
                f"pytest-tagsmoke: no profile at {self.profile_path} for --tagsmoke-audit.\n"
                "  Pass --tagsmoke-profile PATH, or add tagsmoke.yaml with an audit: section."
            )
        if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
            raise pytest.UsageError(
                "pytest-tagsmoke: --tagsmoke-audit runs one census and writes one run folder; "
                "it cannot be split over pytest-xdist workers.\n"
                "  Run the audit without -n (or with -n 0)."
            )
        chosen = config.getoption("tagsmoke_artifacts")
        if chosen:
            problem = artifacts_folder_problem(Path(config.invocation_params.dir) / chosen)
            if problem:
                raise pytest.UsageError(f"pytest-tagsmoke: --tagsmoke-artifacts: {problem}")
        self.result: AuditResult | None = None
        self.folder: Path | None = None
        self.write_error = ""
        if str(self.profile_path) not in {str(Path(a).resolve()) for a in config.args}:
            if config.args_source != pytest.Config.ArgsSource.ARGS and not config.getoption(
                "tagsmoke"
            ):
                config.args = []  # the audit alone: not the project's testpaths
            config.args = [*config.args, str(self.profile_path)]

    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> pytest.Collector | None:
        if file_path.resolve() == self.profile_path:
            return AuditFile.from_parent(parent, path=file_path, plugin=self)
        return None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.result is None or self.config.option.collectonly:
            return
        from pytest_tagsmoke.audit.outputs import write_outputs

        assert self.folder is not None
        try:
            write_outputs(self.result, self.folder)
        except OSError as exc:
            self.write_error = f"cannot write the audit files in {self.folder}: {exc.strerror}"
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.write_error:
            terminalreporter.write_sep("-", "tagsmoke audit")
            terminalreporter.write_line(f"ERROR: {self.write_error}", red=True)
            return
        if self.result is None or self.folder is None or self.config.option.collectonly:
            return
        summary = self.result.summary
        terminalreporter.write_sep("-", "tagsmoke audit")
        terminalreporter.write_line(
            f"{summary['records_in_window']} records from {summary['window']['since']} to "
            f"{summary['window']['until']} ({summary['source']['engine']}, "
            f"{summary['source']['rows_fetched']} rows fetched); sample "
            f"{summary['sample']['pass']} pass, {summary['sample']['fail']} fail"
        )
        terminalreporter.write_line(f"audit files: {self.folder}")

    def artifacts_folder(self, base_dir: Path, profile_artifacts: str, run_id: str) -> Path:
        chosen = self.config.getoption("tagsmoke_artifacts") or str(
            self.config.getini("tagsmoke_artifacts")
        )
        base = (
            Path(self.config.invocation_params.dir) / chosen
            if chosen
            else (base_dir / profile_artifacts)
        )
        return (base / run_id).resolve()


class AuditSetupError(Exception):
    """The profile or the store could not be used: reported as a collection error."""


class AuditFile(pytest.File):
    def __init__(self, *, plugin: AuditPlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self) -> Iterator[AuditItem]:
        from pytest_tagsmoke.audit.outputs import guard_pricing
        from pytest_tagsmoke.audit.run import audit_redactor, load, run_audit
        from pytest_tagsmoke.audit.source import AuditStoreError
        from pytest_tagsmoke.reports.artifacts import new_run_id

        try:
            profile, config = load(self.path)
        except TagsmokeFileError as exc:
            raise AuditSetupError(f"the profile is not valid:\n{exc}") from None
        run_id = new_run_id()
        folder = self.plugin.artifacts_folder(profile.base_dir, profile.artifacts, run_id)
        problem = artifacts_folder_problem(folder)
        if problem:
            raise AuditSetupError(f"the audit files cannot be written: {problem}")
        try:
            result = run_audit(profile, config, run_id=run_id)
        except AuditStoreError as exc:
            # No redaction plugin runs for an audit alone: scrub before the message leaves.
            message = audit_redactor(profile, config).scrub(str(exc))
            raise AuditSetupError(f"setup error, nothing was judged: {message}") from None
        guard_pricing(result)
        self.plugin.result = result
        self.plugin.folder = folder
        line = _audit_line(self.path)
        for check in result.checks:
            yield AuditItem.from_parent(self, name=check.name, check=check, line=line)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, AuditSetupError):
            return f"tagsmoke audit: {excinfo.value}"
        return super().repr_failure(excinfo)


def _audit_line(path: Path) -> int:
    """0-based line of the profile's ``audit:`` key (for reportinfo)."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if text.startswith(("audit:", "[tool.tagsmoke.audit")):
            return number
    return 0


class AuditCheckFailed(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.message)
        self.check = check


class AuditItem(pytest.Item):
    def __init__(self, *, check: Check, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self._line = line
        for key in ("sampled", "failures", "follow_up_owner", "valid", "records", "percent"):
            if key in check.details:
                self.user_properties.append((key, check.details[key]))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self._line, f"tagsmoke audit: {self.check.name}"

    def runtest(self) -> None:
        if not self.check.passed:
            raise AuditCheckFailed(self.check)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, AuditCheckFailed):
            return f"tagsmoke audit {self.check.name} failed:\n{self.check.message}"
        return super().repr_failure(excinfo)
