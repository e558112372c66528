"""The reference gateway's SQLite log store: one row per request it handled.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    correlation_id TEXT NOT NULL,
    request_id TEXT,
    received_at TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    model TEXT,
    tags TEXT NOT NULL,
    tag_sources TEXT NOT NULL,
    bucket TEXT NOT NULL,
    reason TEXT,
    follow_up TEXT,
    response_cost REAL,
    request_class TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    total_tokens INTEGER
);
CREATE INDEX IF NOT EXISTS request_log_correlation_id ON request_log (correlation_id);
"""
BUCKETS = ("attributed", "untagged", "quarantine", "shared")
_ADDED_COLUMNS = (
    ("request_class", "TEXT"),
    ("prompt_tokens", "INTEGER"),
    ("completion_tokens", "INTEGER"),
    ("total_tokens", "INTEGER"),
)


class LogStoreDB:
    """Thread-safe access to the SQLite file; other processes may read it too (WAL).

    Like a log shipper, it can also append every record to a JSONL file and copy it into a
    PostgreSQL table, so each log-store adapter can be tested against a real store.
    """

    def __init__(
        self,
        path: Path,
        *,
        jsonl_path: Path | None = None,
        postgres_url: str | None = None,
        postgres_table: str = "tagsmoke_request_log",
    ) -> None:
        self.path = path
        self.jsonl_path = jsonl_path
        self._postgres: Any = None
        self._postgres_table = postgres_table
        if postgres_url:
            self._postgres = _connect_postgres(postgres_url, postgres_table)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        present = {row[1] for row in self._conn.execute("PRAGMA table_info(request_log)")}
        for column, kind in _ADDED_COLUMNS:
            if column not in present:  # a log file written by an older version
                self._conn.execute(f"ALTER TABLE request_log ADD COLUMN {column} {kind}")

    def insert(self, row: dict[str, Any]) -> int:
        values = {
            **row,
            "tags": json.dumps(row["tags"]),
            "tag_sources": json.dumps(row["tag_sources"]),
        }
        columns = ", ".join(values)
        placeholders = ", ".join(f":{name}" for name in values)
        with self._lock:
            cursor = self._conn.execute(
                f"INSERT INTO request_log ({columns}) VALUES ({placeholders})", values
            )
            row_id = int(cursor.lastrowid or 0)
            record = {"id": row_id, **row, "source_record": f"request_log:{row_id}"}
            if self.jsonl_path is not None:
                with self.jsonl_path.open("a", encoding="utf-8") as stream:
                    stream.write(json.dumps(record) + "\n")
            if self._postgres is not None:
                self._postgres.execute(
                    f"INSERT INTO {self._postgres_table} (id, correlation_id, received_at, "
                    "tags, bucket, reason, follow_up, response_cost) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        row_id,
                        row["correlation_id"],
                        row["received_at"],
                        json.dumps(row["tags"]),
                        row["bucket"],
                        row["reason"],
                        row["follow_up"],
                        row["response_cost"],
                    ),
                )
            return row_id

    def find(self, correlation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM request_log WHERE correlation_id = ? ORDER BY id", (correlation_id,)
            ).fetchall()
        return [_decode(row) for row in rows]

    def find_many(self, correlation_ids: list[str]) -> list[dict[str, Any]]:
        if not correlation_ids:
            return []
        marks = ", ".join("?" for _ in correlation_ids)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM request_log WHERE correlation_id IN ({marks}) ORDER BY id",
                correlation_ids,
            ).fetchall()
        return [_decode(row) for row in rows]

    def bucket_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT bucket, COUNT(*) FROM request_log GROUP BY bucket"
            ).fetchall()
        counts = dict.fromkeys(BUCKETS, 0)
        counts.update({str(bucket): int(count) for bucket, count in rows})
        return counts

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            if self._postgres is not None:
                self._postgres.close()


def _connect_postgres(url: str, table: str) -> Any:
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY, correlation_id TEXT NOT "
        "NULL, received_at TEXT NOT NULL, tags JSONB NOT NULL, bucket TEXT NOT NULL, reason "
        "TEXT, follow_up TEXT, response_cost DOUBLE PRECISION)"
    )
    return conn


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    record = dict(row)
    record["tags"] = json.loads(record["tags"])
    record["tag_sources"] = json.loads(record["tag_sources"])
    record["source_record"] = f"request_log:{record['id']}"
    return record
