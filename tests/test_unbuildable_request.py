"""A scenario whose request cannot be built is that scenario's own setup error.

Every request is built before any is sent: the other scenarios are sent and judged as usual,
and the one that cannot be built is never sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway


def test_a_tag_without_attach_errors_its_own_scenario_and_the_others_are_sent(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n"
        "  - name: fully tagged\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: s}\n"
        "  - name: with a team tag\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: s, team: blue}\n"
    )
    result = pytester.runpytest("--tagsmoke", "-rA")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*setup error*the profile says not how the tag 'team' travels: add attach.team*"
            "preset: reference*",
            "PASSED*fully-tagged*",
            "ERROR*with-a-team-tag*",
        ]
    )
    result.stdout.no_fnmatch_line("*batch could not be sent*")
    result.stdout.no_fnmatch_line("*During handling*")
    # The scenario that could be built was sent once; the other never was.
    assert len(tagsmoke_gateway.received) == 1
