"""Without --tagsmoke the plugin collects nothing and imports nothing heavy."""

from __future__ import annotations

import pytest


def test_plain_pytest_collects_no_scenario(demo: pytest.Pytester) -> None:
    demo.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = demo.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_plain.py::test_ok PASSED*"])
    result.stdout.no_fnmatch_line("*chat.yaml*")
    assert not (demo.path / "tagsmoke-artifacts").exists()


def test_plain_pytest_on_scenario_dir_collects_nothing(demo: pytest.Pytester) -> None:
    result = demo.runpytest("scenarios")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_heavy_modules_stay_unimported_without_the_flag(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_modules="""
        import sys

        def test_nothing_heavy_loaded():
            heavy = {"httpx", "yaml", "jsonschema", "tenacity", "jmespath", "uvicorn",
                     "starlette", "pytest_tagsmoke.pytest_front.session"}
            assert "pytest_tagsmoke.plugin" in sys.modules
            assert heavy.isdisjoint(sys.modules)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


def test_help_lists_the_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "*tagsmoke*",
            "*--tagsmoke *run the tag smoke scenarios*",
            "*--tagsmoke-profile=PATH*",
            "*--tagsmoke-endpoint=URL*",
            "*--tagsmoke-artifacts=DIR*",
            "*tagsmoke_profile*",
        ]
    )


def test_missing_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--tagsmoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no profile at*tagsmoke.yaml*", "*--tagsmoke-profile PATH*"])
