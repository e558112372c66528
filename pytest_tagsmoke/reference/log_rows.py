"""The row the reference gateway logs for a request, and its write to the log store with
the configured ingestion lag and record faults (lost, duplicated, no usage).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.reference.settings import REQUEST_CLASS_HEADER

if TYPE_CHECKING:
    from starlette.requests import Request

    from pytest_tagsmoke.reference.settings import GatewayConfig
    from pytest_tagsmoke.reference.store import LogStoreDB

# A made-up per-token figure so records carry a cost column the way real gateways' do
# (LiteLLM's response_cost): the harness must never copy it into an artifact.
_FAKE_COST_PER_TOKEN = 1.5e-06


def log_row(
    request: Request,
    correlation_id: str,
    model: Any,
    tags: dict[str, str],
    sources: dict[str, str],
    bucket: str,
    reason: str | None,
    follow_up: str | None,
) -> dict[str, Any]:
    """The log record of a served request: its tags, where they came from, its bucket, one
    token each way and a made-up cost."""
    return {
        "correlation_id": correlation_id,
        # Like LiteLLM's SpendLogs.request_id: the completion's id, not the sent one.
        "request_id": f"chatcmpl-ref-{uuid.uuid4().hex[:12]}",
        "received_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "method": request.method,
        "path": request.url.path,
        "status": 200,
        "model": model,
        "tags": tags,
        "tag_sources": sources,
        "bucket": bucket,
        "reason": reason,
        "follow_up": follow_up,
        "response_cost": 2 * _FAKE_COST_PER_TOKEN,
        "request_class": request.headers.get(REQUEST_CLASS_HEADER),
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "total_tokens": 2,
    }


def write_row(db: LogStoreDB, row: dict[str, Any], config: GatewayConfig) -> None:
    """Write ``row`` to the log store, after the configured ingestion lag."""
    faults = config.faults
    if faults.drop_usage:
        row = {**row, "prompt_tokens": None, "completion_tokens": None, "total_tokens": None}
    copies = 0 if faults.lose_records else 2 if faults.duplicate_records else 1
    delay = config.ingest_delay + random.uniform(0, faults.ingest_jitter)
    for _ in range(copies):
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, db.insert, row)
        else:
            db.insert(row)
