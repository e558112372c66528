"""A database password with an unencoded ``@`` (or ``/``, ``?``, ``#``): urllib takes the
last ``@`` for the host's start, libpq the first, and quotes the rest as the host it could
not resolve (``failed to resolve host 'Pw@127.0.0.1'``). No piece of such a password reaches
any output, of a smoke run or an audit, against the real PostgreSQL on 127.0.0.1:5432."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.cli import main as tagsmoke_main
from pytest_tagsmoke.logstore.settings import settings_from
from pytest_tagsmoke.logstore.sql_connect import PostgresConnection, SqlConnectError
from pytest_tagsmoke.safety.redaction import malformed_userinfo, userinfo, userinfo_secrets
from tests import audit_stores as stores
from tests.helpers import everything_readable

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway

#: Passwords whose pieces are distinctive enough to search all output for.
PASSWORDS = ["S3cret@Pw", "Wv:Kq@Xj7", "Zq9/Wk@Vx5", "Hq?Jz@Yb4", "Mx@Qv@Kj8"]


def _pieces(password: str) -> list[str]:
    return [p for p in re.split(r"[@:/?#]", password) if p]


def _url(password: str, port: int = 5432) -> str:
    return f"postgresql://bob:{password}@127.0.0.1:{port}/test"


def test_the_userinfo_is_everything_up_to_the_last_at() -> None:
    url = _url("S3cret@Pw")
    assert userinfo(url) == "bob:S3cret@Pw"
    assert userinfo_secrets(url) == ["bob:S3cret@Pw", "S3cret@Pw", "S3cret", "Pw"]
    assert malformed_userinfo(url)
    assert userinfo_secrets(_url("p/w@x")) == ["bob:p/w@x", "p/w@x", "p", "w", "x"]
    # A well-formed URL: its password; a lone user name is no secret; no userinfo at all.
    assert userinfo_secrets("postgresql://u:pw@h/db") == ["u:pw", "pw", "pw"]
    assert not malformed_userinfo("postgresql://u:pw@h/db")
    assert userinfo_secrets("postgresql://postgres@127.0.0.1/test") == []
    assert userinfo("sqlite:///x.db") is None
    assert not malformed_userinfo("sqlite:///x.db")


def test_the_store_settings_know_every_piece_of_the_password() -> None:
    settings = settings_from({"kind": "sql", "url": _url("S3cret@Pw"), "query": "q"})
    assert {"bob:S3cret@Pw", "S3cret@Pw", "S3cret", "Pw"} <= set(settings.secrets())


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_driver_message_is_replaced_by_its_cause(password: str) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(SqlConnectError) as excinfo:
        PostgresConnection(_url(password), eager=True, label="log store")
    message = str(excinfo.value)
    assert message.startswith("PostgreSQL log store: OperationalError: the URL's user or ")
    assert "percent-encode them: %40" in message
    for piece in _pieces(password):
        assert piece not in message


def test_a_well_formed_url_keeps_the_driver_message() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(SqlConnectError) as excinfo:
        PostgresConnection(_url("S3cret%40Pw", port=1), eager=True, label="log store")
    message = str(excinfo.value)
    assert message.startswith("PostgreSQL log store: OperationalError: ")
    assert "percent-encode" not in message
    assert "S3cret" not in message


SQL_STORE = """\
log_store:
  kind: sql
  url: postgresql://bob:${DB_PASSWORD}@127.0.0.1:5432/test
  query: SELECT * FROM request_log WHERE correlation_id IN (:correlation_ids)
  id_field: correlation_id
  fields: {owner: owner, environment: environment, use_case: use_case, bucket: bucket}
"""


@pytest.mark.parametrize("password", PASSWORDS[:3])
def test_no_piece_of_the_password_reaches_a_smoke_runs_output(
    demo: pytest.Pytester,
    tagsmoke_gateway: ReferenceGateway,
    monkeypatch: pytest.MonkeyPatch,
    password: str,
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("DB_PASSWORD", password)
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(re.sub(r"log_store:\n(  .*\n)+", SQL_STORE, profile.read_text()))
    result = demo.runpytest(
        "--tagsmoke",
        f"--tagsmoke-endpoint={tagsmoke_gateway.url}",
        "--junitxml=out.xml",
        "-rA",
        "-k",
        "header",
    )
    result.assert_outcomes(errors=1, deselected=5)
    result.stdout.fnmatch_lines(
        ["*PostgreSQL log store: OperationalError: the URL's user or password holds an*"]
    )
    everything = everything_readable(demo, [result])
    assert "records.jsonl" in result.stdout.str()
    for piece in _pieces(password):
        assert piece not in everything


@pytest.mark.parametrize("password", PASSWORDS[3:])
def test_no_piece_of_the_password_reaches_an_audits_output(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    password: str,
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("AUDIT_DB_PASSWORD", password)
    source = (
        "kind: sql\nurl: postgresql://auditor:${AUDIT_DB_PASSWORD}@127.0.0.1:5432/test\n"
        "table: request_log"
    )
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    out = tmp_path / "out"
    assert (
        tagsmoke_main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml"), "--out", str(out)])
        == 2
    )
    captured = capsys.readouterr()
    assert "PostgreSQL store: OperationalError: the URL's user or password holds" in (captured.err)
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    for piece in _pieces(password):
        assert piece not in captured.out + captured.err + written
