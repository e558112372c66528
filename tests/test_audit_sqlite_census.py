"""SQLite's census without a sort (audit/sqlite_census.py) returns exactly the rows of the
plain one-step GROUP BY, on a store full of edge values: NULL and empty keys, records
outside the window or without a timestamp, tokens that are NULL, text or not numbers, and
raw key values the temporary table's primary key cannot hold as they are: NULL tags and
services, and a service stored as the integer 1, the real 1.0, the text '1' and a blob
(SQLite's keys hold 1 and 1.0 as one value; the census tells '1' from '1.0')."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.audit.source_config import DEFAULT_SQL_FIELDS, SourceConfig
from pytest_tagsmoke.audit.sql_census import build_query
from pytest_tagsmoke.audit.sqlite_census import sqlite_census_rows
from tests.sqlite_edge_store import TAGS, WINDOW, write_store

if TYPE_CHECKING:
    from pathlib import Path


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
