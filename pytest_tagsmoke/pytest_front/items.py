"""pytest glue: a scenario file is a collector, a scenario an item that looks up its outcome.

An item never sends anything itself: the session plans and sends the batch once, over the
final selection; the item asks for its own outcome, judges it and reports.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pytest

from pytest_tagsmoke.errors import SetupError, TagsmokeFileError
from pytest_tagsmoke.files.scenario import Mark, Scenario, load_scenario_file
from pytest_tagsmoke.judging import Verdict, judge
from pytest_tagsmoke.records.smoke_record import SmokeRecord, build_smoke_record
from pytest_tagsmoke.reports.message import failure_message
from pytest_tagsmoke.safety.redaction import scrub
from pytest_tagsmoke.sending.request import build_request, render_request

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.reports.artifacts import RunArtifacts
    from pytest_tagsmoke.sending.batch import Runtime
    from pytest_tagsmoke.sending.dispatch import Dispatch


class RunHost(Protocol):
    """What the collector and the items ask of the run (the session plugin provides it)."""

    @property
    def profile(self) -> Profile: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def artifacts(self) -> RunArtifacts: ...
    def production_refusal(self, scenario: Scenario) -> str | None: ...
    def runtime(self) -> Runtime: ...
    def outcome_for(self, item: ScenarioItem) -> Dispatch: ...


SESSION_KEY: pytest.StashKey[RunHost] = pytest.StashKey()


class ScenarioFile(pytest.File):
    """A YAML scenario file; a bad file is one collection error listing every problem."""

    def collect(self) -> Iterator[ScenarioItem]:
        session = self.config.stash[SESSION_KEY]
        known_fields = session.profile.log_store.fields.keys()
        for scenario in load_scenario_file(
            self.path, known_fields=known_fields, require_env=not session.dry_run
        ):
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
    """One scenario: setup looks up its outcome (sent and found), the call judges it."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self._session = self.config.stash[SESSION_KEY]
        self._dispatch: Dispatch | None = None
        #: The smoke record once made; the report carries it to the artifact writer.
        self.smoke: SmokeRecord | None = None
        self.smoke_sent = False
        self.dry_run_text: str | None = None
        self.refused = False

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"tagsmoke: {self.scenario.name}"

    def setup(self) -> None:
        if self._session.dry_run:
            return
        refusal = self._session.production_refusal(self.scenario)
        if refusal is not None:
            self.refused = True
            pytest.fail(f"tagsmoke setup error: {refusal}", pytrace=False)
        broken: str | None = None
        try:
            runtime = self._session.runtime()
            dispatch = self._session.outcome_for(self)
        except SetupError as exc:
            broken = str(exc)
        if broken is not None:  # failed outside the except: no "During handling" chain
            pytest.fail(f"tagsmoke setup error: {broken}", pytrace=False)
        self._dispatch = dispatch
        problem = dispatch.error or dispatch.setup_problem
        if problem is not None:
            smoke = self._make_smoke(runtime, dispatch, None)
            kind = "scenario error" if dispatch.error else "setup error"
            pytest.fail(
                f"tagsmoke {kind} (not a tagging verdict): {problem}"
                f"\n  scenario: {self.scenario.name}\n  correlation id: "
                f"{smoke.correlation_id}",
                pytrace=False,
            )

    def runtest(self) -> None:
        if self._session.dry_run:
            self._dry_run()
            return
        runtime = self._session.runtime()
        dispatch = self._dispatch
        assert dispatch is not None
        verdict = judge(dispatch, runtime.profile.policy)
        smoke = self._make_smoke(runtime, dispatch, verdict)
        if not verdict.passed:
            held = dict(dispatch.record.values) if dispatch.record else None
            pytest.fail(runtime.scrub(failure_message(smoke, held)), pytrace=False)

    def _dry_run(self) -> None:
        """Render the exact request; no endpoint hook is called and nothing is sent."""
        profile = self._session.profile
        endpoint = self.config.getoption("tagsmoke_endpoint") or profile.endpoint
        profile = profile.with_endpoint(endpoint or "<endpoint>")
        broken: str | None = None
        try:
            request = build_request(profile, self.scenario, "<correlation-id>")
        except SetupError as exc:  # a tag the profile says not how to send
            broken = str(exc)
        if broken is not None:
            pytest.fail(f"tagsmoke setup error: {broken}", pytrace=False)
        self.dry_run_text = scrub(render_request(request), profile.secrets())

    def _make_smoke(
        self, runtime: Runtime, dispatch: Dispatch, verdict: Verdict | None
    ) -> SmokeRecord:
        smoke = smoke_record(self._session.artifacts.run_id, runtime, dispatch, verdict)
        dispatch.reported = True
        self.smoke = smoke
        self.user_properties += [_shared_property(p) for p in smoke.seed_values()]
        return smoke


#: One tuple per distinct JUnit property: every item, and each of its reports, keeps its
#: properties to the run's end, and scenarios share most (the date, owner, result).
_PROPERTIES: dict[tuple[str, str], tuple[str, str]] = {}
SHARED_PROPERTIES = 1024


def _shared_property(pair: tuple[str, str]) -> tuple[str, str]:
    shared = _PROPERTIES.get(pair)
    if shared is None:
        if len(_PROPERTIES) >= SHARED_PROPERTIES:
            del _PROPERTIES[next(iter(_PROPERTIES))]
        shared = _PROPERTIES[pair] = pair
    return shared


def smoke_record(
    run_id: str,
    runtime: Runtime,
    dispatch: Dispatch,
    verdict: Verdict | None,
    unverified: str | None = None,
) -> SmokeRecord:
    """The smoke record of ``dispatch``: judged (``verdict``), a setup or scenario error
    (neither), or sent and never judged (``unverified`` says why)."""
    return build_smoke_record(
        run_id=run_id,
        outcome=dispatch,
        policy=runtime.profile.policy,
        endpoint=runtime.endpoint_shown,
        verdict=verdict,
        unverified=unverified,
    )
