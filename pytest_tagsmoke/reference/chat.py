"""The reference gateway's OpenAI-compatible chat endpoint: it reads the request's tags,
routes it to a bucket, logs it and answers a canned completion (no provider is called).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse
from starlette.routing import Route

from pytest_tagsmoke.reference.log_rows import log_row, write_row
from pytest_tagsmoke.reference.routing import api_key, read_tags, route
from pytest_tagsmoke.reference.settings import CORRELATION_HEADER

if TYPE_CHECKING:
    from starlette.requests import Request

    from pytest_tagsmoke.reference.settings import GatewayConfig
    from pytest_tagsmoke.reference.store import LogStoreDB


def chat_route(db: LogStoreDB, config: GatewayConfig) -> Route:
    """``POST /v1/chat/completions``, logging to ``db`` and behaving as ``config`` says."""

    async def chat_completions(request: Request) -> JSONResponse:
        if not request.headers.get("authorization"):
            return JSONResponse(
                {
                    "error": {
                        "message": "missing Authorization header",
                        "type": "authentication_error",
                    }
                },
                status_code=401,
            )
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return JSONResponse(
                {"error": {"message": "the body is not JSON", "type": "invalid_request_error"}},
                status_code=400,
            )
        config.stats["chat"] += 1
        faults = config.faults
        if faults.slow > 0:
            await asyncio.sleep(faults.slow)
        correlation_id = request.headers.get(CORRELATION_HEADER) or f"ref-{uuid.uuid4().hex}"
        config.received.append(correlation_id)
        tags, sources = read_tags(request, body, faults)
        key = api_key(request)
        if key in config.retired_keys:
            if faults.attribute_retired_keys:
                tags.setdefault("owner", config.retired_keys[key])
                sources.setdefault("owner", "key")
            elif not config.retired_keys_untagged:
                return JSONResponse(
                    {"error": {"message": "this API key is retired", "type": "invalid_api_key"}},
                    status_code=401,
                )
            else:
                tags.pop("owner", None)  # a retired key's traffic is never attributed
                sources.pop("owner", None)
        elif key in config.key_owners and not tags.get("owner"):
            tags["owner"] = config.key_owners[key]
            sources["owner"] = "key"
        if faults.drop_dimension:
            tags.pop(faults.drop_dimension, None)
            sources.pop(faults.drop_dimension, None)
        if faults.hardcode_environment:
            tags["environment"] = faults.hardcode_environment
        bucket, reason, follow_up = route(tags, config)
        logged_bucket = config.bucket_names.get(bucket, bucket)
        model = body.get("model", "reference-model") if isinstance(body, dict) else None
        if faults.gateway_status is not None and faults.gateway_failures > 0:
            faults.gateway_failures -= 1
            if faults.log_failures:
                row = log_row(
                    request, correlation_id, model, tags, sources, logged_bucket, reason, follow_up
                )
                write_row(db, {**row, "status": faults.gateway_status}, config)
            retry = {"retry-after": f"{faults.retry_after:g}"} if faults.retry_after else {}
            return JSONResponse(
                {"error": {"message": "upstream unavailable"}},
                status_code=faults.gateway_status,
                headers=retry,
            )
        if config.fail_closed and bucket == "untagged":
            return JSONResponse(
                {
                    "error": {
                        "message": f"request refused: {follow_up}",
                        "type": "invalid_request_error",
                    }
                },
                status_code=400,
                headers={CORRELATION_HEADER: correlation_id},
            )
        row = log_row(
            request, correlation_id, model, tags, sources, logged_bucket, reason, follow_up
        )
        completion_id = row["request_id"]
        write_row(db, row, config)
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(dt.datetime.now(dt.timezone.utc).timestamp()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "ok"},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
            headers={CORRELATION_HEADER: correlation_id},
        )

    return Route("/v1/chat/completions", chat_completions, methods=["POST"])
