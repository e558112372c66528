"""``tagsmoke validate``: every problem in every file, no network; exit 0 / 1 / 2."""

from __future__ import annotations

import shutil
import sys

import pytest

from tests.helpers import REPO


def _validate(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", *args)


def test_the_repository_demo_is_valid(pytester: pytest.Pytester) -> None:
    result = _validate(pytester, str(REPO / "scenarios"), str(REPO / "tagsmoke.yaml"))
    assert result.ret == 0
    result.stdout.fnmatch_lines(["tagsmoke validate: 3 files valid"])


def test_every_problem_in_every_file(pytester: pytest.Pytester) -> None:
    shutil.copy(REPO / "tagsmoke.yaml", pytester.path / "tagsmoke.yaml")
    folder = pytester.mkdir("scenarios")
    (folder / "a.yaml").write_text("scenarios:\n  - name: a\n    path: hapy\n")
    (folder / "b.yaml").write_text(
        "scenarios:\n  - name: b\n    path: happy\n    expect:\n      record: {team: present}\n"
    )
    (folder / "c.yaml").write_text("scenarios: [\n")
    result = _validate(pytester, ".")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*a.yaml:3:5: scenarios[[]0].path: expected one of 'happy', 'error', found 'hapy'",
            "*did you mean 'happy'?",
            "*b.yaml:5:16: scenarios[[]0].expect.record.team: the profile maps no record field "
            "'team'",
            "*c.yaml:2:1: YAML syntax error*",
            "tagsmoke validate: 3 problem(s) in 4 files",
        ]
    )


def test_unset_variables_are_not_problems_for_validate(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: ${NOT_SET_IN_A_PR_JOB}\npreset: reference\n")
    assert _validate(pytester, "tagsmoke.yaml").ret == 0


def test_literal_key_is_reported_without_echo(pytester: pytest.Pytester) -> None:
    secret = "sk-ant-api03-abcdefghijklmnop"
    pytester.makefile(".yaml", tagsmoke=f"credential: {secret}\n")
    result = _validate(pytester, "tagsmoke.yaml")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*tagsmoke.yaml:1:1: credential: a literal credential*"])
    assert secret not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("args", [["missing.yaml"], []])
def test_usage_errors_exit_2(pytester: pytest.Pytester, args: list[str]) -> None:
    assert _validate(pytester, *args).ret == 2


def test_empty_folder_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.mkdir("empty")
    result = _validate(pytester, "empty")
    assert result.ret == 2
    result.stderr.fnmatch_lines(["*no YAML files found*"])
