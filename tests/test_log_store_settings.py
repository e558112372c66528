"""The log store's own settings and helpers, and a profile with no gateway wire format.

A profile says how tags travel (``attach``) and where records are (``log_store``), itself or
through a preset: nothing defaults to the reference gateway's format.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import TYPE_CHECKING

import httpx
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.logstore import LogStoreError, TimeWindow
from pytest_tagsmoke.logstore.jsonl import JsonlLogStore
from pytest_tagsmoke.logstore.mapping import FieldMapper, FieldSpec
from pytest_tagsmoke.logstore.matching import IdMatcher
from pytest_tagsmoke.logstore.open_store import open_log_store
from pytest_tagsmoke.logstore.settings import (
    HttpSettings,
    JsonlSettings,
    SqlSettings,
    settings_from,
)
from pytest_tagsmoke.logstore.sql_connect import (
    PostgresConnection,
    SqlConnectError,
    SqliteConnection,
)
from pytest_tagsmoke.policy.tag_policy import TagPolicy, normalizer
from tests.helpers import CANARY

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway

SCENARIO = (
    "scenarios:\n  - name: staging chat\n    path: happy\n"
    "    tags: {owner: team-search, environment: staging, use_case: s}\n"
)


# -- no wire format by default ---------------------------------------------------------------


def test_a_smoke_run_without_a_wire_format_names_each_missing_key(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text(SCENARIO)
    result = pytester.runpytest("--tagsmoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*tagsmoke.yaml:1:1: log_store: the profile names no log store*",
            "*hint: add a log_store section (http, jsonl or sql), or `preset: reference`*",
            "*tagsmoke.yaml:1:1: attach.owner: the profile says not how the tag 'owner' travels",
            "*hint: add attach.owner*`preset: reference`*",
            "*attach.environment:*",
            "*attach.use_case:*",
        ]
    )
    assert tagsmoke_gateway.received == []  # nothing was sent
    # The preset names the format: the same project runs.
    (pytester.path / "tagsmoke.yaml").write_text(
        f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n"
    )
    pytester.runpytest("--tagsmoke").assert_outcomes(passed=1)


def test_a_tag_the_profile_cannot_send_is_a_setup_error_naming_its_attach(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    """A tag outside the policy's dimensions, with no attach: never sent in some header the
    profile did not name (it was ``x-tag-team`` while that was the core's default)."""
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n  - name: with a team tag\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: s, team: blue}\n"
    )
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*the profile says not how the tag 'team' travels: add attach.team*preset: reference*"]
    )
    assert tagsmoke_gateway.received == []


def test_a_profile_without_a_store_loads_for_validate_and_audit(tmp_path: Path) -> None:
    path = tmp_path / "tagsmoke.yaml"
    path.write_text("endpoint: http://127.0.0.1:9\n")
    profile = load_profile(path, {})
    assert profile.log_store.kind == "none"
    assert profile.known_fields is None  # scenario field expectations are not checked yet
    assert profile.attach == {}
    with (
        pytest.raises(LogStoreError, match=r"names no log store.*preset: reference"),
        httpx.Client() as client,
    ):
        open_log_store(
            profile.log_store, endpoint=profile.endpoint, base_dir=tmp_path, client=client
        )


def test_the_reference_format_comes_from_its_preset(tmp_path: Path) -> None:
    path = tmp_path / "tagsmoke.yaml"
    path.write_text("endpoint: http://127.0.0.1:9\npreset: reference\n")
    profile = load_profile(path, {})
    assert profile.attach_for("environment").describe() == "header x-tag-environment"
    assert isinstance(profile.log_store, HttpSettings)
    assert profile.log_store.counts_url == "{endpoint}/logs/buckets"
    assert profile.log_store.fields["owner"] == FieldSpec("tags.owner")


# -- one settings class per kind -------------------------------------------------------------


def test_each_kind_reads_its_own_keys_and_ignores_the_others() -> None:
    shared = {"path": "x.jsonl", "query": "SELECT 1", "record_url": "u", "url": "sqlite:///d"}
    jsonl = settings_from({"kind": "jsonl", **shared})
    assert jsonl == JsonlSettings(fields=jsonl.fields, path="x.jsonl")
    sql = settings_from({"kind": "sql", **shared, "counts_query": "SELECT b, n FROM c"})
    assert isinstance(sql, SqlSettings)
    assert (sql.url, sql.query, sql.counts_query) == (
        "sqlite:///d",
        "SELECT 1",
        "SELECT b, n FROM c",
    )
    http = settings_from({**shared, "query": {"id": "{correlation_id}"}, "id_field": "id"})
    assert isinstance(http, HttpSettings)
    assert (http.record_url, dict(http.query), http.id_field) == (
        "u",
        {"id": "{correlation_id}"},
        "id",
    )


def test_fields_keep_the_shown_order_and_the_harness_names() -> None:
    settings = settings_from(
        {"kind": "jsonl", "path": "x", "fields": {"tokens": "u.t", "timestamp": "at", "owner": "o"}}
    )
    assert list(settings.fields) == [
        "owner",
        "bucket",
        "timestamp",
        "source_record",
        "follow_up",
        "tokens",
    ]
    assert settings.fields["bucket"] == FieldSpec("bucket")


def test_each_kind_knows_its_own_secrets() -> None:
    http = settings_from(
        {
            "record_url": f"{{endpoint}}/r?sig={CANARY}",
            "auth": {"basic": f"public:{CANARY}"},
            "headers": {"x-log": "h-value"},
            "query": {"code": "q-value", "id": "{correlation_id}"},
        }
    )
    assert {CANARY, "public", "h-value", "q-value"} <= set(http.secrets())
    sql = settings_from({"kind": "sql", "url": f"postgresql://u:{CANARY}@db/x", "query": "q"})
    assert f"postgresql://u:{CANARY}@db/x" in sql.secrets()
    assert settings_from({"kind": "jsonl", "path": "x"}).secrets() == []


# -- one id matcher ---------------------------------------------------------------------------


def _mapper() -> FieldMapper:
    return FieldMapper({"owner": FieldSpec("owner")})


def test_rows_are_matched_to_the_ids_they_carry() -> None:
    rows = [
        {"id": "a", "owner": "first"},
        {"id": "b", "owner": "b"},
        {"id": "a", "owner": "second"},
        {"id": "z", "owner": "not asked"},
        {"owner": "no id"},
    ]
    found = IdMatcher(_mapper(), "id").match(rows, ["a", "b", "c"])
    assert {k: (r.get("owner"), r.count) for k, r in found.items()} == {
        "a": ("first", 2),
        "b": ("b", 1),
    }
    everything = IdMatcher(_mapper(), "id").match(rows)
    assert set(everything) == {"a", "b", "z"}


def test_without_an_id_field_every_row_is_the_one_id_asked_for() -> None:
    matcher = IdMatcher(_mapper(), None)
    assert not matcher.by_field
    found = matcher.match([{"owner": "x"}, {"owner": "y"}], ["only"])
    assert {k: (r.get("owner"), r.count) for k, r in found.items()} == {"only": ("x", 2)}
    assert matcher.match([], ["only"]) == {}


# -- the second use: a time window ----------------------------------------------------------


def test_a_jsonl_store_answers_a_time_window(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    lines = [
        {"correlation_id": "a", "owner": "o", "at": "2026-01-01T10:00:00Z"},
        {"correlation_id": "b", "owner": "o", "at": "2026-01-01T10:00:00Z"},
        {"correlation_id": "c", "owner": "late", "at": "2026-01-02T10:00:00+00:00"},
        {"correlation_id": "d", "owner": "untimed"},
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    settings = JsonlSettings(
        path="log.jsonl", fields={"owner": FieldSpec("owner"), "timestamp": FieldSpec("at")}
    )
    store = JsonlLogStore(settings, tmp_path, FieldMapper(settings.fields))
    utc = dt.timezone.utc
    window = TimeWindow(dt.datetime(2026, 1, 1, tzinfo=utc), dt.datetime(2026, 1, 2, tzinfo=utc))
    found = {(r.get("owner"), r.count) for r in store.records_in(window)}
    assert found == {("o", 2), ("untimed", 1)}


# -- the policy normalizes; the mapper only asks -------------------------------------------


def test_a_normalized_field_goes_through_the_policy() -> None:
    policy = TagPolicy(aliases={"environment": {"prd": "production"}})
    mapper = FieldMapper({"environment": FieldSpec("env", normalize=True)}, normalizer(policy))
    assert mapper.map({"env": "prd"}) == {"environment": "production"}
    assert mapper.map({"env": "staging"}) == {"environment": "staging"}


# -- one set of SQL connections --------------------------------------------------------------


def test_a_sqlite_store_is_opened_read_only(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    with sqlite3.connect(db) as setup:
        setup.execute("CREATE TABLE t (id TEXT, owner TEXT)")
        setup.execute("INSERT INTO t VALUES ('a', 'o')")
    setup.close()
    connection = SqliteConnection(db)
    assert connection.dict_rows("SELECT * FROM t WHERE id = :id", {"id": "a"}) == [
        {"id": "a", "owner": "o"}
    ]
    assert connection.rows("SELECT owner FROM t") == [("o",)]
    with pytest.raises(SqlConnectError, match=f"SQLite log store {db}: .*readonly"):
        connection.rows("INSERT INTO t VALUES ('b', 'p')")
    connection.close()


def test_a_postgres_error_never_shows_the_password() -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql://auditor:{CANARY}@127.0.0.1:9/test"
    with pytest.raises(SqlConnectError) as excinfo:
        PostgresConnection(url, eager=True, label="store")
    message = str(excinfo.value)
    assert message.startswith("PostgreSQL store: ")
    assert CANARY not in message
