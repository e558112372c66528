"""SQLite's census without a sort (audit/sqlite_census.py) returns exactly the rows of the
plain one-step GROUP BY, on a store full of edge values: NULL and empty keys, records
outside the window or without a timestamp, tokens that are NULL, text or not numbers, and
raw key values the temporary table's primary key cannot hold as they are: NULL tags and
services, and a service stored as the integer 1, the real 1.0, the text '1' and a blob
(SQLite's keys hold 1 and 1.0 as one value; the census tells '1' from '1.0')."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.audit.source_config import DEFAULT_SQL_FIELDS, SourceConfig
from pytest_tagsmoke.audit.sql_census import build_query
from pytest_tagsmoke.audit.sqlite_census import sqlite_census_rows
from pytest_tagsmoke.audit.window import Window

if TYPE_CHECKING:
    from pathlib import Path

WINDOW = Window(
    dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc),
)
TAGS = [
    {"owner": "team-a", "environment": "production"},
    {"owner": "", "environment": "prd"},
    {"environment": None},
    {},
    None,  # a NULL tags column, not the JSON text 'null'
]
SERVICES: list[object] = ["search", "", None, 1, 1.0, "1", b"1"]
STAMPS: list[str | None] = [
    "2026-11-21T10:00:00+00:00",
    "2026-11-22T23:59:59+00:00",
    "2026-11-23T00:00:00+00:00",
    "2026-11-20T23:59:59+00:00",
    "",
    None,
]
IDS = ["c1", "", None]
TOKENS = [7, None, "12", "abc", 2.0]


def write_store(path: Path) -> int:
    """Every combination of the values above; returns how many records are in the window."""
    conn = sqlite3.connect(path)
    conn.execute(  # service has no type: its values keep their storage class
        "CREATE TABLE request_log (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at "
        "TEXT, tags TEXT, service, request_class TEXT, total_tokens)"
    )
    rows = list(itertools.product(TAGS, SERVICES, STAMPS, IDS, TOKENS))
    conn.executemany(
        "INSERT INTO request_log (correlation_id, received_at, tags, service, request_class, "
        "total_tokens) VALUES (?, ?, ?, ?, ?, ?)",
        [
            # Records without tokens have a class of their own: groups whose sum is NULL.
            (
                record_id,
                stamp,
                None if tags is None else json.dumps(tags),
                service,
                "batch" if tokens is None else "chat",
                tokens,
            )
            for tags, service, stamp, record_id, tokens in rows
        ],
    )
    conn.commit()
    conn.close()
    since, until = "2026-11-21T00:00:00+00:00", "2026-11-23T00:00:00+00:00"
    return sum(1 for row in rows if not row[2] or since <= row[2] < until)


@pytest.mark.parametrize("tokens", [True, False], ids=["tokens", "no-tokens"])
def test_sqlite_census_rows_equal_the_one_step_group_by(tmp_path: Path, tokens: bool) -> None:
    path = tmp_path / "store.sqlite"
    in_window = write_store(path)
    fields = {
        **DEFAULT_SQL_FIELDS,
        "owner": "json_extract(tags, '$.owner')",
        "environment": "json_extract(tags, '$.environment')",
        "service": "service",
        "request_class": "request_class",
    }
    if tokens:
        fields["tokens"] = "total_tokens"
    config = SourceConfig(kind="sql", fields=fields, url=f"sqlite:///{path}", table="request_log")
    query = build_query(config, WINDOW, 13, ["owner", "environment"])

    rows, queries = sqlite_census_rows(path, query)

    conn = sqlite3.connect(path)
    expected = conn.execute(query.groups().sql(dialect="sqlite")).fetchall()
    conn.close()
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    records_at = len(query.text_fields) + 2
    assert sum(row[records_at] for row in rows) == in_window
    assert len(rows) > len(TAGS)  # groups, not one total
    assert len(queries) == 2
    if tokens:  # NULL tokens stay NULL where a group has none, as SUM gives
        assert any(row[-1] is None for row in rows)
        assert any(row[-1] for row in rows)
