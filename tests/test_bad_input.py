"""Bad scenario and profile files: one clear error naming file, line and key; the rest runs."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway


def globbed(text: str) -> str:
    """``text`` as an fnmatch pattern: ``[`` is literal (key paths like ``scenarios[0]``)."""
    return text.replace("[", "[[]")


GOOD = """\
scenarios:
  - name: tagged request is attributed
    path: happy
    tags: {owner: team-search, environment: staging, use_case: semantic-search}
"""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "scenarios:\n  - name: a\n    path: happy\n   tags: {owner: x}\n",
            ["*bad.yaml:4:*: YAML syntax error*", "*hint: fix the YAML syntax*"],
            id="yaml-syntax",
        ),
        pytest.param(
            "scenarios:\n  - name: a\n    path: happy\n    expct: {bucket: attributed}\n",
            ["*bad.yaml:4:5: scenarios[0].expct: unknown key 'expct'", "*did you mean 'expect'?"],
            id="misspelt-key",
        ),
        pytest.param(
            "scenarios:\n  - name: a\n    path: hapy\n",
            [
                "*bad.yaml:3:5: scenarios[0].path: expected one of 'happy', 'error', found 'hapy'",
                "*did you mean 'happy'?",
            ],
            id="bad-enum",
        ),
        pytest.param(
            "scenarios:\n  - path: happy\n",
            ["*bad.yaml:2:5: scenarios[0]: missing required key: 'name'"],
            id="missing-name",
        ),
        pytest.param(
            "scenarios:\n  - name: a\n    path: happy\n    tags: {owner: 7}\n",
            ["*bad.yaml:4:12: scenarios[0].tags.owner: expected a text, found 7"],
            id="tag-not-a-string",
        ),
        pytest.param(
            "scenarios:\n  - name: a\n    path: error\n    expect: {bucket: untaged}\n",
            [
                "*bad.yaml:4:14: scenarios[0].expect.bucket: expected one of*found 'untaged'",
                "*did you mean 'untagged'?",
            ],
            id="bad-bucket",
        ),
        pytest.param(
            "scenarios:\n  - name: same\n    path: happy\n  - name: Same\n    path: error\n",
            [
                "*bad.yaml:4:5: scenarios[1].name: scenario id 'same' is already used by the "
                "scenario on line 2"
            ],
            id="duplicate-id",
        ),
        pytest.param(
            "# nothing here\n",
            ["*bad.yaml:1:1: the file is empty"],
            id="empty-file",
        ),
        pytest.param(
            "- just\n- a list\n",
            ["*bad.yaml*: expected a mapping, found a list"],
            id="not-a-mapping",
        ),
    ],
)
def test_bad_scenario_file_is_one_collection_error(
    pytester: pytest.Pytester, content: str, expected: list[str]
) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "bad.yaml").write_text(content)
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([*(globbed(e) for e in expected), "*problem* in bad.yaml"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_bad_file_does_not_stop_the_good_file(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "bad.yaml").write_text("scenarios: [{name: a}]\n")
    (pytester.path / "scenarios" / "good.yaml").write_text(GOOD)
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [globbed("*bad.yaml:1:13: scenarios[0]: missing required key: 'path'")]
    )


def test_literal_key_in_a_scenario_header_is_rejected_without_echo(
    pytester: pytest.Pytester,
) -> None:
    secret = "sk-live-4f9e8d7c6b5a"
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "bad.yaml").write_text(
        "request:\n  headers:\n    Authorization: Bearer " + secret + "\n" + GOOD
    )
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*bad.yaml:3:5: request.headers.Authorization: a literal credential is not allowed*"]
    )
    assert secret not in result.stdout.str() + result.stderr.str()


def _profile_error(pytester: pytest.Pytester, profile: str) -> pytest.RunResult:
    pytester.makefile(".yaml", tagsmoke=textwrap.dedent(profile))
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "good.yaml").write_text(GOOD)
    result = pytester.runpytest("--tagsmoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    return result


def test_literal_credential_in_the_profile_is_rejected_without_echo(
    pytester: pytest.Pytester,
) -> None:
    secret = "sk-proj-0123456789abcdef"
    result = _profile_error(pytester, f"endpoint: http://127.0.0.1:9\ncredential: {secret}\n")
    result.stderr.fnmatch_lines(
        [
            "*the profile is not valid:",
            "*tagsmoke.yaml:2:1: credential: a literal credential is not allowed in a file*",
            "*hint: write ${YOUR_KEY_VAR} and export the key*",
        ]
    )
    assert secret not in result.stdout.str() + result.stderr.str()


def test_unset_environment_variable_in_the_profile(pytester: pytest.Pytester) -> None:
    result = _profile_error(pytester, "endpoint: ${TAGSMOKE_TEST_UNSET_VAR}\n")
    result.stderr.fnmatch_lines(
        [
            "*tagsmoke.yaml:1:1: endpoint: environment variable TAGSMOKE_TEST_UNSET_VAR is not set",
            "*hint: export TAGSMOKE_TEST_UNSET_VAR, or write ${TAGSMOKE_TEST_UNSET_VAR:-default}*",
        ]
    )


def test_misspelt_profile_key(pytester: pytest.Pytester) -> None:
    result = _profile_error(pytester, "endpoint: http://127.0.0.1:9\npoll:\n  timout: 3\n")
    result.stderr.fnmatch_lines(
        [
            globbed("*tagsmoke.yaml:3:3: poll.timout: unknown key 'timout'"),
            "*did you mean 'timeout'?",
        ]
    )


def test_profile_yaml_syntax_error(pytester: pytest.Pytester) -> None:
    result = _profile_error(pytester, "endpoint: [unclosed\n")
    result.stderr.fnmatch_lines(["*tagsmoke.yaml:2:1: YAML syntax error*"])


def test_scenarios_pattern_matching_nothing(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tagsmoke="scenarios: ['smoke/*.yaml']\npreset: reference\n")
    result = pytester.runpytest("--tagsmoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [globbed("*the profile's scenarios ['smoke/*.yaml'] match no file*")]
    )
