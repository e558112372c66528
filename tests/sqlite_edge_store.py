"""A SQLite store full of edge values for the census's exactness tests: NULL and empty
keys, records outside the window or without a timestamp, tokens that are NULL, text or not
numbers, NULL tags and services, and a service stored as the integer 1, the real 1.0, the
text '1' and a blob."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from typing import TYPE_CHECKING

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
