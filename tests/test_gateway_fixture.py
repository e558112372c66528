"""The demo fixture ``tagsmoke_gateway`` is opt-in (docs/reference-gateway.md): a project gets
it by naming ``pytest_tagsmoke.reference.pytest_plugin``, never from the entry module alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

USES_THE_FIXTURE = """
import httpx

def test_gateway_answers(tagsmoke_gateway):
    answer = httpx.get(tagsmoke_gateway.url + "/health")
    assert answer.json()["status"] == "ok"
"""


def test_without_the_opt_in_there_is_no_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'tagsmoke_gateway' not found*"])


def test_pytest_plugins_in_the_rootdir_conftest_opts_in(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["pytest_tagsmoke.reference.pytest_plugin"]\n')
    pytester.makepyfile(USES_THE_FIXTURE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_dash_p_on_the_command_line_opts_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_FIXTURE)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "pytest_tagsmoke.reference.pytest_plugin"
    )
    result.assert_outcomes(passed=1)
