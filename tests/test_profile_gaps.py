"""A profile short of what a smoke run needs (a log store, an attach for a tag a scenario
sends): what the dry run, ``--collect-only`` and ``tagsmoke validate`` say about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

TEAM_SCENARIO = (
    "scenarios:\n  - name: with a team tag\n    path: happy\n"
    "    tags: {owner: team-search, environment: staging, use_case: s, team: blue}\n"
)


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
