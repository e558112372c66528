"""Review findings on redaction: secrets that went around it, and an amount that went around
the pricing guard. Each case runs pytest (pytester) against the reference gateway on
127.0.0.1, or loads a real profile file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.files.profile import load_profile
from tests.helpers import CANARY, everything_readable

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway


def _with_userinfo(url: str, userinfo: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{userinfo}@{rest}"


@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_http_client_log_lines_carry_no_endpoint_query_secret(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, log_level: str
) -> None:
    # httpx logs "HTTP Request: POST <full URL>" at INFO; live logs and --log-file print it.
    endpoint = f"{tagsmoke_gateway.url}/?sig={CANARY}"
    result = demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={endpoint}",
        f"--log-cli-level={log_level}",
        "--log-file=x.log",
        f"--log-file-level={log_level}",
        "--junitxml=out.xml",
    )
    result.assert_outcomes(passed=6)
    log_file = (demo.path / "x.log").read_text()
    assert "HTTP Request: POST" in log_file  # the lines are there, only the secret is not
    result.stdout.fnmatch_lines(["*HTTP Request: POST http://127.0.0.1:*sig=****"])
    assert CANARY not in log_file
    assert CANARY not in everything_readable(demo, [result])


def test_the_log_filter_is_gone_after_the_run(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    import logging

    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(passed=6)
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.connection"):
        assert logging.getLogger(name).filters == []


@pytest.mark.parametrize(
    "userinfo", [f"ci:{CANARY}", CANARY], ids=["password", "token-as-username"]
)
def test_a_key_in_the_endpoint_url_userinfo_is_never_shown(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, userinfo: str
) -> None:
    # http://user:KEY@host, and http://TOKEN@host (the key is the username, no password).
    endpoint = _with_userinfo(tagsmoke_gateway.url, userinfo)
    result = demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={endpoint}",
        "--log-cli-level=INFO",
        "--log-file=x.log",
        "--junitxml=out.xml",
        "-rA",
    )
    result.assert_outcomes(passed=6)
    assert "HTTP Request: POST" in result.stdout.str()
    assert CANARY not in (demo.path / "x.log").read_text()
    assert CANARY not in everything_readable(demo, [result])


def test_a_public_query_parameter_holding_the_credential_is_still_hidden(
    tmp_path: Path,
) -> None:
    profile_file = tmp_path / "tagsmoke.yaml"
    profile_file.write_text(
        "endpoint: http://127.0.0.1:9/?code=${TAGSMOKE_API_KEY}&region=eu\n"
        "public_query_params: [code, region]\n"
    )
    profile = load_profile(profile_file, {"TAGSMOKE_API_KEY": CANARY})
    shown = profile.shown_endpoint()
    assert CANARY not in shown
    assert "code=***" in shown
    assert "region=eu" in shown  # a public value that is no secret is still shown


def test_a_public_query_parameter_holding_the_credential_variable_is_hidden_by_any_name(
    tmp_path: Path,
) -> None:
    # The variable's name does not look secret, but it feeds the credential.
    profile_file = tmp_path / "tagsmoke.yaml"
    profile_file.write_text(
        "endpoint: http://127.0.0.1:9/?code=${GW}&region=${REGION}\n"
        "credential: ${GW}\n"
        "public_query_params: [code, region]\n"
    )
    profile = load_profile(profile_file, {"GW": CANARY, "REGION": "eu-west"})
    shown = profile.shown_endpoint()
    assert CANARY not in shown
    assert "code=***" in shown
    assert "region=eu-west" in shown
    assert CANARY not in profile.redactor().scrub(f"sent to {profile.endpoint}")


def test_a_public_query_parameter_holding_the_log_store_token_is_still_hidden(
    tmp_path: Path,
) -> None:
    profile_file = tmp_path / "tagsmoke.yaml"
    profile_file.write_text(
        "endpoint: 'http://127.0.0.1:9/?tenant=${LOG_TOKEN}'\n"
        "public_query_params: [tenant]\n"
        "log_store:\n"
        "  record_url: '{endpoint}/logs/{correlation_id}'\n"
        "  auth: {bearer: '${LOG_TOKEN}'}\n"
    )
    profile = load_profile(profile_file, {"LOG_TOKEN": CANARY})
    assert CANARY not in profile.shown_endpoint()
    assert "tenant=***" in profile.shown_endpoint()


def test_an_amount_in_a_record_field_does_not_reach_the_step_summary(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = demo.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    (demo.path / "scenarios" / "extra.yaml").write_text(
        "scenarios:\n  - name: 'cheap call, about $0.02'\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: semantic-search}\n"
    )
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "scenarios/extra.yaml"
    )
    result.assert_outcomes(passed=1)
    text = step_summary.read_text()
    assert "cheap call, about [amount withheld]" in text
    assert "$0.02" not in text
    assert "0.02" not in text
