"""The reference gateway's SQLite log store: one row per request it handled."""

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
    response_cost REAL
);
CREATE INDEX IF NOT EXISTS request_log_correlation_id ON request_log (correlation_id);
"""
BUCKETS = ("attributed", "untagged", "quarantine", "shared")


class LogStoreDB:
    """Thread-safe access to the SQLite file; other processes may read it too (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

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
            return int(cursor.lastrowid or 0)

    def find(self, correlation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM request_log WHERE correlation_id = ? ORDER BY id", (correlation_id,)
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


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    record = dict(row)
    record["tags"] = json.loads(record["tags"])
    record["tag_sources"] = json.loads(record["tag_sources"])
    record["source_record"] = f"request_log:{record['id']}"
    return record
