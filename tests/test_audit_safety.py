"""The audit's outputs keep secrets and amounts out, refuse what they cannot honour, and
`tagsmoke validate` checks the audit section: both front ends, real stores and files."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.cli import main
from tests import audit_stores as stores

if TYPE_CHECKING:
    from pathlib import Path

CANARY = "SEKRET-canary-pw"
#: A URL psycopg cannot parse: its error quotes the whole URL, password included.
PSYCOPG_URL = f"postgresql+psycopg://auditor:{CANARY}@127.0.0.1/test"
BAD_URL_SOURCE = f"kind: sql\nurl: {PSYCOPG_URL}\ndialect: postgres\ntable: request_log"
SQLITE_SOURCE = (
    f"kind: sql\nurl: sqlite:///store.sqlite\ntable: request_log\n{stores.SQL_GROUP_FIELDS}"
)


def _write(folder: Path, source: str, extra: str = "") -> Path:
    profile = folder / "tagsmoke.yaml"
    profile.write_text(stores.profile_text(source, extra=extra))
    return profile


# -- 1. a store error quoting the URL ------------------------------------------------------
def test_cli_store_error_never_shows_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = _write(tmp_path, BAD_URL_SOURCE)
    assert main(["audit", "--profile", str(profile)]) == 2
    captured = capsys.readouterr()
    assert "setup error, nothing was judged: PostgreSQL store: " in captured.err
    assert CANARY not in captured.out + captured.err


def test_pytest_store_error_never_shows_the_password(pytester: pytest.Pytester) -> None:
    _write(pytester.path, BAD_URL_SOURCE)
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider", "--junitxml=j.xml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*setup error, nothing was judged: PostgreSQL store*"])
    assert CANARY not in result.stdout.str() + result.stderr.str()
    assert CANARY not in (pytester.path / "j.xml").read_text()


# -- 2. the source's secrets, in every form ------------------------------------------------
def test_source_secrets_cover_query_values_url_query_and_basic_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_tagsmoke.audit.run import load
    from pytest_tagsmoke.safety.redaction import Redactor

    for name, value in {
        "URL_PASS": "url-pass-1234",
        "URL_QUERY": "url-query-5678",
        "QUERY_KEY": "query-key-9012",
        "BEARER": "bearer-3456",
    }.items():
        monkeypatch.setenv(name, value)
    source = (
        "kind: http\n"
        "url: https://auditor:${URL_PASS}@logs.example/api?token=${URL_QUERY}\n"
        "query: {api_key: '${QUERY_KEY}', since: '{since}'}\n"
        "auth: {bearer: '${BEARER}'}"
    )
    profile, config = load(_write(tmp_path, source))
    text = (
        "url-pass-1234 url-query-5678 query-key-9012 bearer-3456 "
        "YXVkaXRvcjp1cmwtcGFzcy0xMjM0 url-pass-1234 {since}"
    )
    redactor = Redactor([*profile.secrets(), *config.source.secrets()])
    assert redactor.scrub(text) == "*** *** *** *** *** *** {since}"


# -- 3. no amount in the audit files -------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "source", "key"),
    [
        ("  dimensions: [owner, environment, response_cost]\n", SQLITE_SOURCE, "dimensions[2]"),
        (
            "",
            SQLITE_SOURCE.replace("fields: {", "fields: {response_cost: response_cost, "),
            "source.fields.response_cost",
        ),
    ],
)
def test_a_price_field_is_refused_as_dimension_or_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, source: str, key: str
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    profile = _write(tmp_path, source, extra)
    assert main(["audit", "--profile", str(profile), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    text = profile.read_text().splitlines()
    line = next(n for n, t in enumerate(text, 1) if "response_cost" in t)
    assert f"tagsmoke.yaml:{line}:" in err
    assert f"audit.{key}: 'response_cost': expectations about" in err
    assert not (tmp_path / "out").exists()
    assert main(["validate", str(profile)]) == 1
    assert f"audit.{key}" in capsys.readouterr().out


#: A dimension mapped to a column that holds amounts: the pricing guard's case.
AMOUNT_SOURCE = SQLITE_SOURCE.replace("fields: {", "fields: {use_case: \"'$0.0389'\", ")


def test_cli_an_amount_in_the_audit_files_fails_the_audit_and_is_withheld(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    profile = _write(tmp_path, AMOUNT_SOURCE, "  failure_limit: 1000\n  drift: report\n")
    out = tmp_path / "out"
    assert main(["audit", "--profile", str(profile), "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL pricing_guard: the audit files would carry price, cost or currency" in printed
    assert "audit_sample.jsonl:1: " in printed
    assert "0.0389" not in printed
    for path in out.iterdir():
        assert "0.0389" not in path.read_text(), path.name
    summary = json.loads((out / "audit_summary.json").read_text())
    assert summary["result"] == "fail"
    assert summary["checks"][-1]["name"] == "pricing_guard"


def test_pytest_an_amount_in_the_audit_files_is_a_failing_item(
    pytester: pytest.Pytester,
) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    _write(pytester.path, AMOUNT_SOURCE)
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines(["FAILED tagsmoke.yaml::pricing_guard*"])
    result.stdout.fnmatch_lines(["*audit_sample.jsonl:1: *"])
    assert "0.0389" not in result.stdout.str()
    for path in pytester.path.glob("tagsmoke-artifacts/*/*"):
        assert "0.0389" not in path.read_text(), path.name


# -- 4. pytest-xdist -----------------------------------------------------------------------
def test_pytest_audit_refuses_xdist_workers(pytester: pytest.Pytester) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    _write(pytester.path, SQLITE_SOURCE)
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--tagsmoke-audit*cannot be split over pytest-xdist workers*"])
    assert not (pytester.path / "tagsmoke-artifacts").exists()


# -- 5. a folder that cannot be written ----------------------------------------------------
def test_cli_out_under_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    profile = _write(tmp_path, SQLITE_SOURCE)
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "sub"
    assert main(["audit", "--profile", str(profile), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"tagsmoke audit: --out: {tmp_path / 'a-file'} is not a folder" in err
    assert "Traceback" not in err


def test_pytest_artifacts_under_a_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    _write(pytester.path, SQLITE_SOURCE)
    (pytester.path / "a-file").write_text("")
    result = pytester.runpytest(
        "--tagsmoke-audit", "-p", "no:cacheprovider", "--tagsmoke-artifacts", "a-file/sub"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--tagsmoke-artifacts: *a-file is not a folder*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


# -- 6. tagsmoke validate reads the audit section ------------------------------------------
def test_validate_reports_a_bad_audit_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = stores.profile_text(SQLITE_SOURCE, extra="  coverage_threshold: high\n  windw: 7d\n")
    (tmp_path / "tagsmoke.yaml").write_text(text)
    assert main(["validate", str(tmp_path / "tagsmoke.yaml")]) == 1
    out = capsys.readouterr().out
    lines = text.splitlines()
    assert f"tagsmoke.yaml:{lines.index('  coverage_threshold: high') + 1}:" in out
    assert "audit.coverage_threshold" in out
    assert f"tagsmoke.yaml:{lines.index('  windw: 7d') + 1}:3: audit.windw" in out
    assert "1 file valid" not in out


def test_validate_accepts_a_good_audit_section_with_unset_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUDIT_DB_PASSWORD", raising=False)
    source = "kind: sql\nurl: postgresql://a:${AUDIT_DB_PASSWORD}@127.0.0.1/test\ntable: t"
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    assert main(["validate", str(tmp_path / "tagsmoke.yaml")]) == 0
    assert "1 file valid" in capsys.readouterr().out
