"""A LiteLLM custom callback that logs each request without LiteLLM's database.

LiteLLM loads this file in its own process (``litellm_settings: callbacks:
tagsmoke_log.logger`` in the proxy's config; the module is found beside the config file).
For every request, success or failure, it writes LiteLLM's standard logging payload
(``kwargs["standard_logging_object"]``) as one line of ``litellm-log.jsonl`` and one row of
the ``litellm_log`` table in ``litellm-log.sqlite``, keyed by the payload's
``litellm_call_id``: LiteLLM's call id, the ``x-litellm-call-id`` it answers with (a caller's
own ``x-litellm-call-id`` is kept). The payload's ``id`` is the provider's completion id
(``chatcmpl-…``) on success and the call id on failure. Both files go to the folder named by
``TAGSMOKE_LITELLM_LOG_DIR`` (default: the current directory).

Documented LiteLLM feature: custom callbacks (``CustomLogger``); verified with
litellm[proxy] 1.108.7. This module runs under LiteLLM's interpreter, not the project's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from litellm.integrations.custom_logger import (  # type: ignore[import-not-found,unused-ignore]
    CustomLogger,
)

# request_tags and metadata hold the payload's values as JSON text.
SCHEMA = """
CREATE TABLE IF NOT EXISTS litellm_log (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    litellm_call_id TEXT,
    id TEXT,
    trace_id TEXT,
    status TEXT,
    startTime REAL,
    request_tags TEXT,
    metadata TEXT
);
CREATE INDEX IF NOT EXISTS litellm_log_call_id ON litellm_log (litellm_call_id);
"""


class TagsmokeLog(CustomLogger):  # type: ignore[misc,unused-ignore]
    def __init__(self, folder: Path) -> None:
        super().__init__()
        folder.mkdir(parents=True, exist_ok=True)
        self.jsonl = folder / "litellm-log.jsonl"
        self.sqlite = folder / "litellm-log.sqlite"
        with contextlib.closing(sqlite3.connect(self.sqlite)) as db:
            db.executescript(SCHEMA)
        self._lock = asyncio.Lock()

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        await self._write(kwargs)

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        await self._write(kwargs)

    async def _write(self, kwargs: dict[str, Any]) -> None:
        payload = kwargs.get("standard_logging_object")
        if not isinstance(payload, dict):
            return
        line = json.dumps(payload, default=str)
        async with self._lock:
            # SQLite first, then the JSONL line: a reader that saw the line finds the row.
            with contextlib.closing(sqlite3.connect(self.sqlite)) as db, db:
                db.execute(
                    "INSERT INTO litellm_log"
                    " (litellm_call_id, id, trace_id, status, startTime, request_tags, metadata)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        payload.get("litellm_call_id"),
                        payload.get("id"),
                        payload.get("trace_id"),
                        payload.get("status"),
                        payload.get("startTime"),
                        json.dumps(payload.get("request_tags"), default=str),
                        json.dumps(payload.get("metadata"), default=str),
                    ),
                )
            with self.jsonl.open("a", encoding="utf-8") as out:
                out.write(line + "\n")


logger = TagsmokeLog(Path(os.environ.get("TAGSMOKE_LITELLM_LOG_DIR", ".")))
