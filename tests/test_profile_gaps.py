"""A profile short of what a smoke run needs (a log store, an attach for a tag a scenario
sends): what the dry run, ``--collect-only`` and ``tagsmoke validate`` say about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.cli import EXIT_INVALID, EXIT_VALID
from pytest_tagsmoke.cli import main as tagsmoke_main

if TYPE_CHECKING:
    from pathlib import Path


TEAM_SCENARIO = (
    "scenarios:\n  - name: with a team tag\n    path: happy\n"
    "    tags: {owner: team-search, environment: staging, use_case: s, team: blue}\n"
)
BARE = "endpoint: http://127.0.0.1:9\n"


def test_dry_run_of_a_tag_without_attach_fails_that_scenario_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text(TEAM_SCENARIO)
    result = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run", "--tb=long")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "tagsmoke setup error: the profile says not how the tag 'team' travels: "
            "add attach.team*",
            "FAILED scenarios/s.yaml::with-a-team-tag - Failed: tagsmoke setup error*",
        ]
    )
    text = result.stdout.str()
    for traceback_mark in ("Traceback", "SetupError", "During handling", "items.py"):
        assert traceback_mark not in text


def _validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str, *paths: str
) -> tuple[int, str]:
    (tmp_path / "tagsmoke.yaml").write_text(profile)
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    (tmp_path / "scenarios" / "s.yaml").write_text(TEAM_SCENARIO)
    code = tagsmoke_main(["validate", *(str(tmp_path / p) for p in paths)])
    return code, capsys.readouterr().out


def test_validate_reports_what_a_smoke_run_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _validate(tmp_path, capsys, BARE, "tagsmoke.yaml", "scenarios")
    assert code == EXIT_INVALID
    for key in ("log_store", "attach.owner", "attach.environment", "attach.use_case"):
        assert f"tagsmoke.yaml:1:1: {key}: the profile " in out
    assert "tagsmoke validate: 5 problem(s) in 2 files" in out
    # The same profile alone (no audit section): it is a smoke run's, refused all the same.
    code, out = _validate(tmp_path, capsys, BARE, "tagsmoke.yaml")
    assert code == EXIT_INVALID
    assert "tagsmoke validate: 4 problem(s) in 1 file" in out


def test_validate_reports_a_scenario_tag_without_attach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = "endpoint: http://127.0.0.1:9\npreset: reference\n"
    code, out = _validate(tmp_path, capsys, profile, "tagsmoke.yaml", "scenarios")
    assert code == EXIT_INVALID
    assert (
        f"{tmp_path / 'scenarios' / 's.yaml'}:2: tags.team: the profile says not how the tag "
        "'team' travels, so pytest --tagsmoke fails this scenario\n    hint: add attach.team"
    ) in out
    assert "tagsmoke validate: 1 problem(s) in 2 files" in out
    # Sent as metadata by the scenario, or attached by the profile: nothing to report.
    (tmp_path / "scenarios" / "m.yaml").write_text(
        TEAM_SCENARIO.replace("path: happy", "path: happy\n    attach: metadata")
    )
    code = tagsmoke_main(
        ["validate", str(tmp_path / "tagsmoke.yaml"), str(tmp_path / "scenarios" / "m.yaml")]
    )
    assert (code, capsys.readouterr().out) == (EXIT_VALID, "tagsmoke validate: 2 files valid\n")
    profile += "attach: {team: {header: x-team}}\n"
    (tmp_path / "scenarios" / "m.yaml").unlink()
    code, out = _validate(tmp_path, capsys, profile, "tagsmoke.yaml", "scenarios")
    assert (code, out) == (EXIT_VALID, "tagsmoke validate: 2 files valid\n")


def test_an_audit_only_profile_is_warned_that_a_smoke_run_would_refuse_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = BARE + "audit:\n  source: {kind: jsonl, path: log.jsonl}\n"
    code, out = _validate(tmp_path, capsys, profile, "tagsmoke.yaml")
    assert code == EXIT_VALID
    assert (
        "warning: tagsmoke.yaml:1:1: log_store: the profile names no log store, so a run "
        "cannot find its records: pytest --tagsmoke would refuse this profile (tagsmoke audit "
        "does not need it)"
    ) in out.replace(f"{tmp_path}/", "")
    assert "tagsmoke validate: 1 file valid, 4 warning(s)" in out
    # With scenarios to run, the gaps are problems again.
    code, out = _validate(tmp_path, capsys, profile, "tagsmoke.yaml", "scenarios")
    assert code == EXIT_INVALID
    assert "tagsmoke validate: 5 problem(s) in 2 files" in out


NO_STORE = (
    "endpoint: http://127.0.0.1:9\n"
    "attach: {owner: {header: x-o}, environment: {header: x-e}, use_case: {header: x-u}}\n"
)
HAPPY = (
    "scenarios:\n  - name: staging chat\n    path: happy\n"
    "    tags: {owner: team-search, environment: staging, use_case: s}\n"
)


def test_dry_run_and_collect_only_need_no_log_store(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tagsmoke=NO_STORE)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text(HAPPY)
    dry = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    dry.assert_outcomes(passed=1)
    dry.stdout.fnmatch_lines(["*x-o: team-search*"])
    collected = pytester.runpytest("--tagsmoke", "--collect-only", "-q")
    assert collected.ret == pytest.ExitCode.OK
    collected.stdout.fnmatch_lines(["scenarios/s.yaml::staging-chat"])
    # A run reads the store: it still refuses to start without one, and so does a dry run
    # whose profile says not how a tag travels.
    run = pytester.runpytest("--tagsmoke")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines(["*tagsmoke.yaml:1:1: log_store: the profile names no log store*"])
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\n")
    dry = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    assert dry.ret == pytest.ExitCode.USAGE_ERROR
    dry.stderr.fnmatch_lines(["*attach.owner: the profile says not how the tag 'owner'*"])
    assert ": log_store: " not in dry.stderr.str()
