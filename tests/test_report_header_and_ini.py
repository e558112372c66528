"""The run's header lines (profile, endpoint without secrets, preset, log store, mode), and the
ini options a team pins (docs/ci.md's example, run as printed)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.helpers import REPO

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway

CANARY = "sk-header-canary-0123456789"


def test_header_names_profile_endpoint_store_and_mode(
    demo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "TAGSMOKE_ENDPOINT", f"https://smoke:{CANARY}@gw.example/v1?api_key={CANARY}&team=x"
    )
    result = demo.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    # docs/reference.md shows this run's header.
    text = (REPO / "docs" / "reference.md").read_text()
    shown = text[text.index("A `--tagsmoke` run's header") :].split("```\n")[1]
    assert shown.startswith("tagsmoke profile: tagsmoke.yaml\n")
    lines = shown.splitlines()
    start = result.stdout.lines.index(lines[0])
    assert result.stdout.lines[start : start + len(lines)] == lines
    assert CANARY not in result.stdout.str() + result.stderr.str()


def test_header_names_the_preset_and_the_endpoint_hook(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        tagsmoke="preset: litellm\nendpoint: ${LITELLM_URL:-}\n"
        "credential: <API_KEY_PLACEHOLDER>\npolicy: {owners: {team-search: search-oncall}}\n"
        "log_store: {auth: {bearer: '${LITELLM_MASTER_KEY:-x}'}}\n",
    )
    pytester.makefile(".yaml", **{"scenarios/chat": "scenarios: []\n"})
    result = pytester.runpytest("--tagsmoke", "--collect-only")
    result.stdout.fnmatch_lines(
        [
            "tagsmoke profile: tagsmoke.yaml (preset litellm)",
            "tagsmoke endpoint: from the pytest_tagsmoke_endpoint hook, when the first "
            "scenario runs",
            "tagsmoke log store: http",
            "tagsmoke mode: send all, verify each as its record comes (16 in flight)",
        ]
    )


def test_no_header_without_tagsmoke(demo: pytest.Pytester) -> None:
    demo.makepyfile("def test_plain(): pass")
    result = demo.runpytest()
    result.assert_outcomes(passed=1)
    assert "tagsmoke profile" not in result.stdout.str()


def _pinned_settings() -> str:
    text = (REPO / "docs" / "ci.md").read_text()
    blocks = re.findall(r"^```toml\n(.*?)^```$", text, flags=re.M | re.S)
    (block,) = [b for b in blocks if "[tool.pytest.ini_options]" in b]
    return str(block)


def test_settings_pinned_as_docs_ci_shows(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    (pytester.path / "pyproject.toml").write_text(_pinned_settings())
    gateway_dir = pytester.mkdir("gateway")
    (gateway_dir / "tagsmoke.yaml").write_text((REPO / "tagsmoke.yaml").read_text())
    (gateway_dir / "scenarios").mkdir()
    (gateway_dir / "scenarios" / "chat.yaml").write_text(
        (REPO / "scenarios" / "chat.yaml").read_text()
    )
    endpoint = f"--tagsmoke-endpoint={tagsmoke_gateway.url}"
    result = pytester.runpytest("--tagsmoke", endpoint)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "tagsmoke profile: gateway/tagsmoke.yaml",
            "tagsmoke mode: send all, verify each as its record comes (8 in flight)",
        ]
    )
    assert list(pytester.path.glob("reports/tagsmoke/*/records.jsonl"))

    overridden = pytester.runpytest(
        "--tagsmoke", endpoint, "--tagsmoke-concurrency=2", "-o", "tagsmoke_serial=true"
    )
    overridden.assert_outcomes(passed=6)
    overridden.stdout.fnmatch_lines(["tagsmoke mode: serial: one scenario sent and verified*"])
    concurrency = pytester.runpytest("--tagsmoke", endpoint, "--tagsmoke-concurrency=2")
    concurrency.stdout.fnmatch_lines(
        ["tagsmoke mode: send all, verify each as its record comes (2 in flight)"]
    )


def test_bad_pinned_concurrency_is_a_usage_error(demo: pytest.Pytester) -> None:
    demo.makeini("[pytest]\ntagsmoke_concurrency = many\n")
    result = demo.runpytest("--tagsmoke")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        [
            "*tox.ini: ini option tagsmoke_concurrency = 'many': expected a whole number*",
            "*override it for this run with --tagsmoke-concurrency N.",
        ]
    )


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_bad_concurrency_option_is_a_usage_error_not_clamped(
    demo: pytest.Pytester, value: str
) -> None:
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-concurrency={value}")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        [
            f"*argument --tagsmoke-concurrency: {value!r}: expected a whole number of requests"
            " in flight at once, 1 or more"
        ]
    )
