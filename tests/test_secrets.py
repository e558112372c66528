"""Issue #11, secrets: a canary credential, put where a careless user puts keys, reaches no
output — stdout, stderr, JUnit XML, any artifact file — in any of these cases."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.cli import main as tagsmoke_main
from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.safety.redaction import Redactor, basic_credential, redact_url
from tests.helpers import CANARY, everything_readable, read_records

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway

TAGS = "{owner: team-search, environment: staging, use_case: semantic-search}"


def _no_canary(pytester: pytest.Pytester, results: list[pytest.RunResult]) -> str:
    everything = everything_readable(pytester, results)
    assert CANARY not in everything
    return everything


# -- credentials as exported carelessly -------------------------------------------------------
def test_credential_with_a_trailing_newline_is_stripped_and_never_shown(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # export TAGSMOKE_API_KEY=$(cat keyfile): the file's newline comes along.
    monkeypatch.setenv("TAGSMOKE_API_KEY", CANARY + "\n")
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--junitxml=out.xml", "-rA"
    )
    result.assert_outcomes(passed=6)
    _no_canary(demo, [result])


def test_credential_with_a_non_ascii_character_is_refused_naming_the_variable(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGSMOKE_API_KEY", CANARY[:10] + "\u201d" + CANARY[10:])
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--junitxml=out.xml"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*tagsmoke.yaml:*: credential: environment variable TAGSMOKE_API_KEY has a "
            "non-ASCII character (U+201D) at character 11*(the value is not shown*",
            "*hint: export TAGSMOKE_API_KEY again without it*",
        ]
    )
    everything = _no_canary(demo, [result])
    assert CANARY[:10] not in everything
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 0  # nothing was sent


@pytest.mark.parametrize("bad", ["\t", "\x00", "\r\n"], ids=["tab", "nul", "crlf-inside"])
def test_credential_with_a_control_character_is_refused(tmp_path: Path, bad: str) -> None:
    profile = tmp_path / "tagsmoke.yaml"
    profile.write_text("endpoint: http://127.0.0.1:9\ncredential: ${KEY}\n")
    with pytest.raises(TagsmokeFileError) as excinfo:
        load_profile(profile, {"KEY": CANARY[:8] + bad + CANARY[8:]})
    text = str(excinfo.value)
    assert "environment variable KEY has a" in text
    assert "at character 9" in text
    assert CANARY[:8] not in text
    assert CANARY[8:] not in text


def test_log_store_header_with_a_bad_character_names_its_variable(tmp_path: Path) -> None:
    profile = tmp_path / "tagsmoke.yaml"
    profile.write_text(
        "endpoint: http://127.0.0.1:9\nlog_store:\n  record_url: '{endpoint}/r/{correlation_id}'"
        "\n  headers: {x-log-token: '${LOG_TOKEN}'}\n"
    )
    with pytest.raises(TagsmokeFileError) as excinfo:
        load_profile(profile, {"LOG_TOKEN": CANARY + "\u00e9"})
    assert "log_store.headers.x-log-token: environment variable LOG_TOKEN has a non-ASCII" in (
        str(excinfo.value)
    )
    assert CANARY not in str(excinfo.value)


def test_a_traceback_that_holds_the_key_is_scrubbed_keeping_its_layout(
    demo: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGSMOKE_API_KEY", CANARY)
    demo.makeconftest(
        """
        import os

        import pytest

        @pytest.hookimpl(optionalhook=True)
        def pytest_tagsmoke_endpoint(config):
            key = os.environ["TAGSMOKE_API_KEY"]
            raise RuntimeError("cannot start a gateway for key " + key)
        """
    )
    result = demo.runpytest("--tagsmoke", "--junitxml=out.xml", "--showlocals", "-rA")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines(
        [
            "exc * = RuntimeError('cannot start a gateway for key [*][*][*]')",
            ">       raise RuntimeError(*",
            "E       RuntimeError: cannot start a gateway for key [*][*][*]",
            "conftest.py:8: RuntimeError",
            "ERROR *tagged-by-header-is-attributed - RuntimeError: *",
        ]
    )
    _no_canary(demo, [result])


# -- keys in query strings ------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [f"code={CANARY}", f"sig={CANARY}", f"api-version=2024-02-01&subscription-key={CANARY}"],
    ids=["azure-functions-code", "sas-sig", "subscription-key"],
)
def test_key_in_the_endpoint_query_string_is_never_shown(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, query: str
) -> None:
    if "api-version" in query:
        profile = demo.path / "tagsmoke.yaml"
        profile.write_text(profile.read_text() + "public_query_params: [api-version]\n")
    endpoint = f"--tagsmoke-endpoint={tagsmoke_gateway.url}/?{query}"
    passes = demo.runpytest("--tagsmoke", endpoint, "--junitxml=pass.xml", "-rA")
    passes.assert_outcomes(passed=6)
    tagsmoke_gateway.faults.drop_header = "environment"
    fails = demo.runpytest("--tagsmoke", endpoint, "--junitxml=fail.xml", "-rA")
    fails.assert_outcomes(passed=4, failed=2)
    dry = demo.runpytest("--tagsmoke", "--tagsmoke-dry-run", endpoint)
    dry.assert_outcomes(passed=6)
    dry.stdout.fnmatch_lines(["*POST http://127.0.0.1:*/v1/chat/completions?*=[*][*][*]*"])
    if "api-version" in query:  # marked public: its value stays readable
        dry.stdout.fnmatch_lines(["*?api-version=2024-02-01&subscription-key=[*][*][*]"])
    _no_canary(demo, [passes, fails, dry])
    folders = sorted((demo.path / "tagsmoke-artifacts").iterdir())
    assert {p.name for p in folders[0].iterdir()} >= {
        "records.jsonl",
        "summary.json",
        "smoke_test_log.yaml",
        "summary.md",
    }
    assert "=***" in read_records(demo.path)[0]["endpoint"]


def test_key_in_the_query_of_an_endpoint_from_the_hook_is_never_shown(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_URL", f"{tagsmoke_gateway.url}/?code={CANARY}")
    demo.makeconftest(
        """
        import os

        import pytest

        @pytest.hookimpl(optionalhook=True)
        def pytest_tagsmoke_endpoint(config):
            return os.environ["GATEWAY_URL"]
        """
    )
    tagsmoke_gateway.faults.drop_header = "environment"
    result = demo.runpytest("--tagsmoke", "--junitxml=out.xml", "-rA", "--showlocals")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["*sent to http://127.0.0.1:*/?code=[*][*][*] -> HTTP 200*"])
    _no_canary(demo, [result])


def test_key_in_a_log_store_url_query_is_never_shown(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_CODE", CANARY)
    pytester.makefile(
        ".yaml",
        tagsmoke=textwrap.dedent(f"""\
        endpoint: {tagsmoke_gateway.url}
        log_store:
          record_url: "{tagsmoke_gateway.url}/logs/records/{{correlation_id}}?code=${{LOG_CODE}}"
          counts_url: "{tagsmoke_gateway.url}/logs/buckets?code=${{LOG_CODE}}"
        preset: reference
        """),
    )
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        f"scenarios:\n  - name: a\n    path: happy\n    tags: {TAGS}\n"
    )
    tagsmoke_gateway.faults.store_answer = "500"
    result = pytester.runpytest("--tagsmoke", "--junitxml=out.xml", "-rA")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*log store at *code=[*][*][*]* answered HTTP 500*"])
    _no_canary(pytester, [result])


def test_secret_header_of_a_scenario_is_redacted_everywhere(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    # A header whose name does not look secret, marked secret by the profile.
    pytester.makefile(
        ".yaml",
        tagsmoke=f"endpoint: {tagsmoke_gateway.url}\nsecret_headers: [x-tenant-pass]\n"
        "preset: reference\n",
    )
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        textwrap.dedent(f"""\
        request:
          headers: {{x-tenant-pass: {CANARY[3:]}}}
        scenarios:
          - name: a
            path: happy
            tags: {{owner: team-search, environment: missing, use_case: semantic-search}}
        """)
    )
    dry = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    dry.stdout.fnmatch_lines(["*x-tenant-pass: [*][*][*]"])
    failed = pytester.runpytest("--tagsmoke", "--junitxml=out.xml", "-rA", "--showlocals")
    failed.assert_outcomes(failed=1)
    assert CANARY[3:] not in everything_readable(pytester, [dry, failed])


def test_a_scenario_file_may_mark_its_own_secret_headers(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        textwrap.dedent(f"""\
        secret_headers: [x-tenant-pass]
        request:
          headers: {{x-tenant-pass: {CANARY[3:]}}}
        scenarios:
          - name: a
            path: happy
            tags: {{owner: team-search, environment: missing, use_case: semantic-search}}
        """)
    )
    dry = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    dry.assert_outcomes(passed=1)
    dry.stdout.fnmatch_lines(["*x-tenant-pass: [*][*][*]"])
    failed = pytester.runpytest("--tagsmoke", "--junitxml=out.xml", "-rA", "--showlocals")
    failed.assert_outcomes(failed=1)
    assert CANARY[3:] not in everything_readable(pytester, [dry, failed])


# -- values of the wrong type ------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        f"request: [{{headers: {{Authorization: 'Bearer {CANARY}'}}}}]\nscenarios: []\n",
        f"- {CANARY}\n- name: a\n",
        f"{CANARY}\n",
        f"scenarios:\n  - name: a\n    path: happy\n    tags: {{owner: [{CANARY}]}}\n",
        f"scenarios:\n  - name: a\n    path: happy\n    request: {{headers: {{x-api-key: 12}}}}"
        f"\n    expect: {{status: '{CANARY}'}}\n",
    ],
    ids=["list-instead-of-request", "top-level-list", "top-level-scalar", "list-tag", "enum"],
)
def test_a_literal_key_in_a_value_of_the_wrong_type_is_not_echoed(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "bad.yaml").write_text(content)
    result = pytester.runpytest("--tagsmoke", "--junitxml=out.xml")
    result.assert_outcomes(errors=1)
    assert tagsmoke_main(["validate", str(pytester.path / "scenarios")]) == 1
    printed = capsys.readouterr().out
    assert "bad.yaml:" in printed
    assert CANARY not in printed
    _no_canary(pytester, [result])


def test_a_literal_key_in_a_profile_of_the_wrong_shape_is_not_echoed(tmp_path: Path) -> None:
    for content in (f"- {CANARY}\n", f"{CANARY}\n", f"log_store: [{{auth: {{bearer: {CANARY}}}}}]"):
        profile = tmp_path / "tagsmoke.yaml"
        profile.write_text(content)
        with pytest.raises(TagsmokeFileError) as excinfo:
            load_profile(profile, {})
        assert CANARY not in str(excinfo.value)
        assert "tagsmoke.yaml:1:1" in str(excinfo.value)


# -- an amount in a mapped log-store field ---------------------------------------------------
def test_an_amount_in_a_mapped_field_reaches_no_output(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    tagsmoke_gateway.faults.hardcode_environment = "charge $0.02 to team"
    result = demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={tagsmoke_gateway.url}",
        "--junitxml=out.xml",
        "-rA",
        "-k",
        "tagged-by-header",
    )
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(["*environment = 'charge [[]amount withheld] to team'*"])
    junit = (demo.path / "out.xml").read_text()
    assert "$0.02" not in result.stdout.str() + junit
    assert "amount withheld" in junit


# -- units --------------------------------------------------------------------------------------
def test_redactor_knows_every_form_a_secret_takes_on_its_way_out() -> None:
    secret = "s3cr3t/+ key&x"
    redactor = Redactor([secret, basic_credential("user", secret)])
    forms = [
        secret,
        "s3cr3t%2F%2B%20key%26x",  # URL-encoded
        "s3cr3t%2F%2B+key%26x",  # form-encoded
        "s3cr3t/+ key&amp;x",  # XML
        basic_credential("user", secret),  # as an HTTP client sends Basic auth
    ]
    for form in forms:
        assert redactor.scrub(f"before {form} after") == "before *** after"
    assert Redactor(["abc"]).scrub("abc") == "abc"  # too short to search for in free text
    assert redactor.scrub_value({"k": [secret, 1]}) == {"k": ["***", 1]}


def test_redact_url_hides_every_query_value_unless_public() -> None:
    url = "https://u:pw@gw.example/x?code=abc&api-version=2024-02-01&ids={correlation_ids}"
    assert redact_url(url, ["API-Version"]) == (
        "https://u:***@gw.example/x?code=***&api-version=2024-02-01&ids={correlation_ids}"
    )


def test_profile_knows_every_secret_of_the_run(tmp_path: Path) -> None:
    profile = tmp_path / "tagsmoke.yaml"
    profile.write_text(
        textwrap.dedent("""\
        endpoint: http://gw.example/?code=${CODE}&api-version=2024-02-01
        credential: ${KEY}
        public_query_params: [api-version]
        log_store:
          record_url: "{endpoint}/r/{correlation_id}?sig=${SIG}"
          auth: {basic: "${BASIC}"}
        """)
    )
    loaded = load_profile(
        profile,
        {"KEY": "  key-value-1\n", "CODE": "code-value", "SIG": "sig-value", "BASIC": "pk:sk-v"},
    )
    assert loaded.credential == "key-value-1"  # surrounding whitespace stripped
    secrets = set(loaded.secrets())
    assert {"key-value-1", "Bearer key-value-1", "code-value", "sig-value", "pk:sk-v"} <= secrets
    assert basic_credential("pk", "sk-v") in secrets
    assert "2024-02-01" not in secrets
    assert loaded.shown_endpoint() == "http://gw.example/?code=***&api-version=2024-02-01"
