"""Issue #11, files that cannot hurt: alias bombs, duplicate keys, bytes that are not UTF-8.

The runs go through a subprocess with a timeout, so a regression fails instead of hanging
the suite (the bound is generous: it is not a speed test; benchmarks/ has the figures).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.cli import main as tagsmoke_main
from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.files.scenario import load_scenario_file
from pytest_tagsmoke.files.yaml_loader import MAX_ALIASES, load_yaml
from tests.helpers import alias_bomb

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway

HANG_GUARD = 120  # seconds: only a hang reaches it


def _bomb_line() -> int:
    """The line of the first level whose expansion passes the bound (200,000 values): a5."""
    return 6


def test_alias_bomb_in_a_scenario_file_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb() + "scenarios: []\n")
    with pytest.raises(TagsmokeFileError) as excinfo:
        load_scenario_file(path)
    (problem,) = excinfo.value.problems
    assert (problem.line, problem.column) == (_bomb_line(), 5)
    assert "YAML aliases here expand to more than 200,000 values" in str(problem)


def test_too_many_alias_uses_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    uses = ", ".join(["*x"] * (MAX_ALIASES + 1))
    path.write_text(f"x: &x 1\ny: [{uses}]\n")
    with pytest.raises(TagsmokeFileError) as excinfo:
        load_yaml(path)
    assert f"more than {MAX_ALIASES} YAML alias uses" in str(excinfo.value)
    assert f"{path}:2:" in str(excinfo.value)


def test_a_few_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(
        textwrap.dedent("""\
        scenarios:
          - name: a
            path: happy
            tags: &tags {owner: team-search, environment: staging, use_case: s}
          - name: b
            path: happy
            tags: {<<: *tags, environment: development}
        """)
    )
    a, b = load_scenario_file(path)
    assert a.tags["environment"] == "staging"
    assert b.tags == {"owner": "team-search", "environment": "development", "use_case": "s"}


def test_self_referring_alias_and_deep_nesting_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    for text, message in (
        ("a: &a [*a]\n", "refers to a value that contains it"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels deep"),
    ):
        with pytest.raises(TagsmokeFileError) as excinfo:
            load_yaml(path, text)
        assert message in str(excinfo.value)
        assert f"{path}:1:" in str(excinfo.value)


def test_alias_bomb_does_not_hang_validate_or_the_run(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "bomb.yaml").write_text(alias_bomb() + "scenarios: []\n")
    validate = pytester.run("tagsmoke", "validate", "scenarios", timeout=HANG_GUARD)
    assert validate.ret == 1
    validate.stdout.fnmatch_lines([f"*bomb.yaml:{_bomb_line()}:5: YAML aliases here expand*"])
    run = pytester.runpytest_subprocess("--tagsmoke", timeout=HANG_GUARD)
    run.assert_outcomes(errors=1)
    run.stdout.fnmatch_lines([f"*bomb.yaml:{_bomb_line()}:5: YAML aliases here expand*"])


def test_alias_bomb_in_the_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml", tagsmoke=alias_bomb() + "endpoint: http://127.0.0.1:9\npreset: reference\n"
    )
    run = pytester.runpytest_subprocess("--tagsmoke", timeout=HANG_GUARD)
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines([f"*tagsmoke.yaml:{_bomb_line()}:5: YAML aliases here expand*"])


# -- duplicate keys ---------------------------------------------------------------------------
def test_second_endpoint_in_a_profile_is_an_error_naming_both_lines(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(
        ".yaml",
        tagsmoke=textwrap.dedent("""\
        endpoint: http://127.0.0.1:9
        production_hosts: [gateway.prod.internal]
        scenarios: [scenarios/*.yaml]
        production_hosts: []
        endpoint: https://gateway.prod.internal
        """),
    )
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n  - name: a\n    path: happy\n    tags: {owner: o, environment: staging}\n"
    )
    run = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines(
        [
            "*tagsmoke.yaml:4:1: key 'production_hosts' is written twice in one mapping: on line "
            "2 and on line 4*",
            "*tagsmoke.yaml:5:1: key 'endpoint' is written twice in one mapping: on line 1 and "
            "on line 5*",
        ]
    )
    assert "gateway.prod.internal/" not in run.stdout.str()


def test_second_tags_in_a_scenario_is_an_error_naming_both_lines(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        textwrap.dedent("""\
        scenarios:
          - name: a
            path: happy
            tags: {owner: team-search, environment: staging, use_case: s}
            tags: {owner: team-other, environment: staging, use_case: s}
        """)
    )
    run = pytester.runpytest("--tagsmoke")
    run.assert_outcomes(errors=1)
    run.stdout.fnmatch_lines(
        ["*s.yaml:5:5: key 'tags' is written twice in one mapping: on line 4 and on line 5*"]
    )
    assert tagsmoke_main(["validate", str(pytester.path / "scenarios")]) == 1


def test_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nmine: {<<: *b, x: 3}\n")
    assert load_yaml(path) == {"base": {"x": 1, "y": 2}, "mine": {"x": 3, "y": 2}}


# -- encodings --------------------------------------------------------------------------------
def test_a_file_that_is_not_utf8_gets_a_line_and_column(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "latin1.yaml").write_bytes(
        "scenarios:\n  - name: caf\u00e9\n    path: happy\n".encode("latin-1")
    )
    run = pytester.runpytest("--tagsmoke")
    run.assert_outcomes(errors=1)
    run.stdout.fnmatch_lines(
        ["*latin1.yaml:2:14: the file is not UTF-8: byte 0xe9 cannot start or continue*"]
    )


def test_a_profile_that_is_not_utf8_gets_a_line_and_column(tmp_path: Path) -> None:
    for name, content in (
        ("tagsmoke.yaml", b"endpoint: http://127.0.0.1:9\n# caf\xe9\n"),
        ("pyproject.toml", b'[tool.tagsmoke]\nendpoint = "http://127.0.0.1:9"\n# caf\xe9\n'),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(TagsmokeFileError) as excinfo:
            load_profile(path, {})
        line = content.count(b"\n")
        assert f"{path}:{line}:6: the file is not UTF-8" in str(excinfo.value)
