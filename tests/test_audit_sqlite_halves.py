"""SQLite's census read in two halves of the rowid range at once (audit/sqlite_halves.py)
returns exactly the rows of the one-step GROUP BY and of the one-connection read: on the
edge-value store, on records spread unevenly over the halves, on groups whose tokens are
NULL in one half or in both; tables without a rowid to split on are read on one
connection; and a whole audit with the split forced gives the composition's figures."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.audit.run import load, run_audit
from pytest_tagsmoke.audit.source_config import DEFAULT_SQL_FIELDS, SourceConfig
from pytest_tagsmoke.audit.sql_census import build_query
from pytest_tagsmoke.audit.sqlite_census import read_census
from pytest_tagsmoke.audit.sqlite_halves import SPLIT_FROM_VARIABLE, add_up
from tests import audit_stores as stores
from tests.sqlite_edge_store import WINDOW, write_store

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.audit.sql_query import CensusQuery
    from pytest_tagsmoke.audit.window import Window

FIELDS = {
    **DEFAULT_SQL_FIELDS,
    "owner": "json_extract(tags, '$.owner')",
    "environment": "json_extract(tags, '$.environment')",
    "service": "service",
    "request_class": "request_class",
    "tokens": "total_tokens",
}
NEVER = 10**12


def census_query(path: Path, table: str = "request_log", window: Window = WINDOW) -> CensusQuery:
    config = SourceConfig(kind="sql", fields=FIELDS, url=f"sqlite:///{path}", table=table)
    return build_query(config, window, 13, ["owner", "environment"])


def one_step(path: Path, query: CensusQuery) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    rows = conn.execute(query.groups().sql(dialect="sqlite")).fetchall()
    conn.close()
    return sorted(rows, key=repr)


def test_halves_equal_one_connection_and_the_one_step_group_by(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    write_store(path)
    query = census_query(path)

    split = read_census(path, query, split=1)
    whole = read_census(path, query, split=NEVER)

    assert sorted(split.rows, key=repr) == one_step(path, query)
    assert sorted(whole.rows, key=repr) == one_step(path, query)
    assert len(whole.queries) == 2
    assert len(split.queries) == 4  # each half: its upsert and its regroup
    assert "rowid <" in split.queries[0]
    assert "rowid >=" in split.queries[2]
    # Both halves have groups of their own, and groups in common added up.
    assert len(split.rows) < split.rows_fetched < 2 * len(split.rows)
    assert any(row[-1] is None for row in split.rows)  # NULL tokens stay NULL


def test_uneven_halves_and_null_token_sums_add_up(tmp_path: Path) -> None:
    """Rowids 1..40 and 1,000,000: the middle leaves one record in the upper half. Per
    group: tokens NULL in both halves (NULL), in one half only (the other's sum), in
    neither (the sum)."""
    path = tmp_path / "store.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE request_log (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at "
        "TEXT, tags TEXT, service TEXT, request_class TEXT, total_tokens INTEGER)"
    )
    tags = json.dumps({"owner": "team-a", "environment": "production"})
    rows = []
    for number in range(1, 41):
        service = ("both-null", "lower-null", "upper-null", "no-null")[number % 4]
        tokens = None if service in ("both-null", "lower-null") else number
        rows.append((number, f"c{number}", "2026-11-21T10:00:00+00:00", tags, service, tokens))
    upper = [
        (1_000_000 + i, "c-up", "2026-11-21T11:00:00+00:00", tags, service, tokens)
        for i, (service, tokens) in enumerate(
            [("both-null", None), ("lower-null", 5), ("upper-null", None), ("no-null", 7)]
        )
    ]
    conn.executemany(
        "INSERT INTO request_log (id, correlation_id, received_at, tags, service, "
        "request_class, total_tokens) VALUES (?, ?, ?, ?, ?, 'chat', ?)",
        rows + upper,
    )
    conn.commit()
    conn.close()
    query = census_query(path)

    split = read_census(path, query, split=1)

    assert sorted(split.rows, key=repr) == one_step(path, query)
    by_service = {row[2]: row for row in split.rows}
    assert by_service["both-null"][-2:] == (11, None)
    assert by_service["lower-null"][-2:] == (11, 5)
    assert by_service["upper-null"][-2:] == (11, sum(range(2, 41, 4)))
    assert by_service["no-null"][-2:] == (11, sum(range(3, 41, 4)) + 7)
    assert split.rows_fetched == 8  # four groups in each half


def test_add_up_keeps_sql_sum_rules() -> None:
    rows_a = [("x", "d", 1, 2, None), ("y", "d", 1, 1, 4), ("z", "d", 0, 3, None)]
    rows_b = [("x", "d", 1, 5, None), ("y", "d", 1, 2, None), ("z", "d", 0, 1, 6)]
    added = add_up([rows_a, rows_b], 3, tokens=True)
    assert sorted(added) == [("x", "d", 1, 7, None), ("y", "d", 1, 3, 4), ("z", "d", 0, 4, 6)]
    assert sorted(add_up([[("x", 2)], [("x", 3)]], 1, tokens=False)) == [("x", 5)]


@pytest.mark.parametrize(
    ("setup", "table"),
    [
        (
            "CREATE TABLE keyed (correlation_id TEXT PRIMARY KEY, received_at TEXT, tags TEXT, "
            "service, request_class TEXT, total_tokens) WITHOUT ROWID;"
            "INSERT INTO keyed SELECT coalesce(correlation_id, '') || id, received_at, tags, "
            "service, request_class, total_tokens FROM request_log",
            "keyed",
        ),
        ("CREATE VIEW logs AS SELECT * FROM request_log", "logs"),
        (
            "CREATE TABLE named (rowid, _rowid_, oid, correlation_id TEXT, received_at TEXT, "
            "tags TEXT, service, request_class TEXT, total_tokens);"
            "INSERT INTO named SELECT NULL, NULL, NULL, correlation_id, received_at, tags, "
            "service, request_class, total_tokens FROM request_log",
            "named",
        ),
    ],
    ids=["without-rowid", "view", "rowid-names-taken"],
)
def test_no_rowid_to_split_on_reads_on_one_connection(
    tmp_path: Path, setup: str, table: str
) -> None:
    path = tmp_path / "store.sqlite"
    write_store(path)
    conn = sqlite3.connect(path)
    conn.executescript(setup)
    conn.close()
    query = census_query(path, table)

    read = read_census(path, query, split=1)

    assert len(read.queries) == 2
    assert sorted(read.rows, key=repr) == one_step(path, query)


def test_a_column_named_rowid_splits_on_another_name(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    write_store(path)
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE named (rowid TEXT, correlation_id TEXT, received_at TEXT, tags TEXT, "
        "service, request_class TEXT, total_tokens);"
        "INSERT INTO named SELECT 'r' || id, correlation_id, received_at, tags, service, "
        "request_class, total_tokens FROM request_log"
    )
    conn.close()
    query = census_query(path, "named")

    read = read_census(path, query, split=1)

    assert "_rowid_ <" in read.queries[0]
    assert sorted(read.rows, key=repr) == one_step(path, query)


def test_affinity_and_collation_edges_match_the_one_step_group_by(tmp_path: Path) -> None:
    """A view column of TEXT affinity holding a real, an integer and a text '1' (kept
    apart), and a timestamp compared with RTRIM collation, where blanks are no value."""
    path = tmp_path / "store.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE base (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at TEXT "
        "COLLATE RTRIM, tags TEXT, service TEXT, request_class TEXT, total_tokens);"
        "INSERT INTO base (correlation_id, received_at, tags, service, request_class, "
        "total_tokens) VALUES ('c1', '2026-11-21T01:00:00+00:00', '{}', '1', 'chat', 1),"
        "('c2', '   ', '{}', 'search', 'chat', 2), ('c3', '', NULL, 'search', 'chat', 3),"
        "('c4', '2026-11-22T01:00:00+00:00  ', '{}', '1', 'chat', 4);"
        "CREATE VIEW mixed AS SELECT * FROM base UNION ALL SELECT 100, 'c5', "
        "'2026-11-21T02:00:00+00:00', '{}', 1.0, 'chat', 5 UNION ALL SELECT 101, 'c6', "
        "'2026-11-21T03:00:00+00:00', '{}', 1, 'chat', 6"
    )
    conn.close()
    for table in ("base", "mixed"):
        query = census_query(path, table)
        rows = sorted(read_census(path, query, split=1).rows, key=repr)
        assert rows == one_step(path, query), table
    services = {row[2] for row in read_census(path, census_query(path, "mixed")).rows}
    assert services == {"1", "1.0", "search"}


def test_an_audit_with_the_split_forced_gives_the_composition_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    source = (
        f"kind: sql\nurl: sqlite:///store.sqlite\ntable: request_log\n{stores.SQL_GROUP_FIELDS}"
    )
    path = tmp_path / "tagsmoke.yaml"
    path.write_text(stores.profile_text(source, seed=13, extra=""))
    profile, config = load(path)
    whole = run_audit(profile, config, run_id="test").summary
    monkeypatch.setenv(SPLIT_FROM_VARIABLE, "1")

    split = run_audit(profile, config, run_id="test").summary

    expected = stores.EXPECTED
    for summary in (split, whole):
        assert summary["records_in_window"] == expected["records_in_window"]
        assert summary["tokens_in_window"] == expected["tokens_in_window"]
        assert summary["counts"] == expected["counts"]
        assert summary["reasons"] == expected["reasons"]
        assert summary["drift"] == expected["drift"]
    for key in ("coverage", "buckets", "services", "request_classes", "most_variable"):
        assert split[key] == whole[key], key
    assert split["source"]["rows_fetched"] > whole["source"]["rows_fetched"]
