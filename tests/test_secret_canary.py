"""A canary credential, used everywhere a secret can go, appears nowhere a person or a CI
system can read: stdout, stderr, JUnit XML, artifacts, failure messages, exception text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.helpers import CANARY, everything_readable

if TYPE_CHECKING:
    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway


def test_canary_appears_nowhere(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGSMOKE_API_KEY", CANARY)
    monkeypatch.setenv("LOG_STORE_TOKEN", CANARY)
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            "log_store:\n", "log_store:\n  headers: {x-log-token: '${LOG_STORE_TOKEN}'}\n"
        )
    )
    host = tagsmoke_gateway.url.removeprefix("http://")
    keyed = f"http://smoke:{CANARY}@{host}/?api_key={CANARY}"
    results = []
    # passes (the key also rides in the endpoint's userinfo and query string)
    passes = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={keyed}", "--junitxml=pass.xml", "-v", "-rA"
    )
    passes.assert_outcomes(passed=6)
    results.append(passes)
    # failures
    tagsmoke_gateway.faults.drop_header = "environment"
    failures = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={keyed}", "--junitxml=fail.xml", "-rA"
    )
    failures.assert_outcomes(passed=4, failed=2)
    results.append(failures)
    # errors: an unreachable gateway with the key in its URL, and a log store answering 500
    results.append(
        demo.runpytest(
            "--tagsmoke",
            f"--tagsmoke-endpoint=http://u:{CANARY}@127.0.0.1:9/?key={CANARY}",
            "--junitxml=err.xml",
            "-rA",
        )
    )
    results[-1].assert_outcomes(errors=6)
    tagsmoke_gateway.faults.store_answer = "500"
    results.append(
        demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={keyed}", "--junitxml=err2.xml", "-rA")
    )
    results[-1].assert_outcomes(errors=6)
    # dry run
    dry = demo.runpytest("--tagsmoke", "--tagsmoke-dry-run", f"--tagsmoke-endpoint={keyed}")
    dry.assert_outcomes(passed=6)
    dry.stdout.fnmatch_lines(["*POST http://smoke:***@127.0.0.1:*/v1/chat/completions?api_key=***"])
    results.append(dry)
    everything = everything_readable(demo, results)
    assert "smoke:***@" in everything  # redaction happened where the URL was shown
    assert CANARY not in everything
