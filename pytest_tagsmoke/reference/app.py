"""The reference gateway as an ASGI app: an OpenAI-compatible endpoint that tags and logs.

It never calls a provider: every chat completion gets a canned answer. Routing follows a
fixed, simple policy (missing required tag -> ``untagged``; unapproved environment ->
``quarantine``; shared-cost owner -> ``shared``), written independently of the harness's
own classification so that one cannot hide a bug in the other.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from starlette.requests import Request

    from pytest_tagsmoke.reference.store import LogStoreDB

APPROVED_ENVIRONMENTS = frozenset(
    {"production", "staging", "development", "evaluation", "internal-tooling"}
)
REQUIRED_DIMENSIONS = ("owner", "environment", "use_case")
HEADER_PREFIX = "x-tag-"
CORRELATION_HEADER = "x-correlation-id"
#: The caller's request class (e.g. ``chat-smoke``), logged as the record's ``request_class``.
REQUEST_CLASS_HEADER = "x-request-class"
# A made-up per-token figure so records carry a cost column the way real gateways' do
# (LiteLLM's response_cost): the harness must never copy it into an artifact.
_FAKE_COST_PER_TOKEN = 1.5e-06
_DRIFT = frozenset({"prod", "prd", "live"})


@dataclass
class Faults:
    """Switchable faults, one per failure mode of the seeds; change them while the gateway
    runs, they apply to the next request. docs/faults.md lists each with its verdict."""

    #: The dimension whose ``x-tag-*`` header the gateway ignores (a deploy stopped
    #: forwarding it).
    drop_header: str | None = None
    #: Body ``metadata`` is not copied into the record (middleware stopped copying it).
    drop_metadata: bool = False
    #: The dimension the record loses however it was sent (e.g. the owner goes missing).
    drop_dimension: str | None = None
    #: Drifted environments (``prd``) pass through as if approved, not quarantined.
    pass_drift: bool = False
    #: Untagged traffic is merged into this team's attributed total (no default fallback).
    merge_untagged_into: str | None = None
    #: Every record says this environment whatever was sent (tag pollution).
    hardcode_environment: str | None = None
    #: This environment's traffic is routed to the shared bucket, with no rule.
    shared_environment: str | None = None
    #: The record is never written (lost trace).
    lose_records: bool = False
    #: Every record is written twice.
    duplicate_records: bool = False
    #: How the log API answers record and count reads: ``"500"``, ``"garbage"`` (not JSON)
    #: or ``"empty"`` (``[]`` forever).
    store_answer: str | None = None
    #: The gateway answers this status (e.g. 503, 429) to the next ``gateway_failures``
    #: chat requests, with ``Retry-After: retry_after`` when set.
    gateway_status: int | None = None
    gateway_failures: int = 0
    retry_after: float | None = None
    #: Those failed answers are logged too, tags and all, one record per attempt (LiteLLM
    #: logs a failure record for a 429 it answers).
    log_failures: bool = False
    #: Keys the gateway retired are still accepted and their traffic attributed to the
    #: key's old owner ("key rotation orphans usage": it lands in a team's total).
    attribute_retired_keys: bool = False
    #: Records carry no token usage (a logging change dropped the usage columns).
    drop_usage: bool = False
    #: Seconds the gateway waits before answering a chat request.
    slow: float = 0.0
    #: Random ingestion lag, uniform in [0, ingest_jitter] seconds, on top of ingest_delay.
    ingest_jitter: float = 0.0


@dataclass
class GatewayConfig:
    """How the gateway behaves. ``fail_closed``: refuse a request that lacks a required tag
    with HTTP 400 naming the missing tags (nothing is logged), instead of routing it to
    ``untagged``."""

    ingest_delay: float = 0.0
    fail_closed: bool = False
    faults: Faults = field(default_factory=Faults)
    environments: frozenset[str] = APPROVED_ENVIRONMENTS
    required: tuple[str, ...] = REQUIRED_DIMENSIONS
    shared_owners: frozenset[str] = frozenset({"platform-shared"})
    #: API key -> owner: a request without an owner tag is tagged with its key's owner
    #: (identity-derived attribution).
    key_owners: dict[str, str] = field(default_factory=dict)
    #: Keys taken out of service (rotated): refused with 401, or, with
    #: ``retired_keys_untagged``, served and logged untagged, never attributed.
    retired_keys: dict[str, str] = field(default_factory=dict)
    retired_keys_untagged: bool = False
    #: The gateway's own words for buckets, e.g. ``{untagged: unallocated}``.
    bucket_names: dict[str, str] = field(default_factory=dict)
    #: Requests served, by kind: ``chat``, ``log_reads`` (record and count reads).
    stats: Counter[str] = field(default_factory=Counter)
    #: The correlation id of every chat request received, in order.
    received: list[str] = field(default_factory=list)


def _read_tags(
    request: Request, body: Any, faults: Faults
) -> tuple[dict[str, str], dict[str, str]]:
    tags: dict[str, str] = {}
    sources: dict[str, str] = {}
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if isinstance(metadata, dict) and not faults.drop_metadata:
        for key, value in metadata.items():
            if isinstance(value, str) and value:
                tags[key] = value
                sources[key] = "metadata"
    for name, value in request.headers.items():
        if name.startswith(HEADER_PREFIX) and value:
            dimension = name[len(HEADER_PREFIX) :].replace("-", "_")
            if dimension == faults.drop_header:
                continue
            tags[dimension] = value
            sources[dimension] = "header"
    return tags, sources


def _api_key(request: Request) -> str:
    """The caller's key: the Authorization header without its scheme."""
    value = request.headers.get("authorization", "")
    scheme, _, key = value.partition(" ")
    return key.strip() if key and scheme.lower() == "bearer" else value.strip()


def _route(tags: dict[str, str], config: GatewayConfig) -> tuple[str, str | None, str | None]:
    faults = config.faults
    missing = [d for d in config.required if not tags.get(d)]
    if missing and faults.merge_untagged_into:
        tags.setdefault("owner", faults.merge_untagged_into)
        return "attributed", None, None
    if not missing and faults.shared_environment == tags["environment"]:
        return "shared", "shared_cost_rule_needed", "shared environment: no allocation rule"
    if not missing and faults.pass_drift and tags["environment"] in _DRIFT:
        return "attributed", None, None
    if missing:
        reason = (
            "missing_environment"
            if "environment" in missing
            else ("missing_owner" if "owner" in missing else "missing_tag")
        )
        return "untagged", reason, f"missing tag(s): {', '.join(missing)}"
    if tags["environment"] not in config.environments:
        return (
            "quarantine",
            "invalid_environment",
            f"environment {tags['environment']!r} is not approved",
        )
    if tags["owner"] in config.shared_owners:
        return "shared", "shared_cost_rule_needed", f"owner {tags['owner']!r} is shared cost"
    return "attributed", None, None


def _row(
    request: Request,
    correlation_id: str,
    model: Any,
    tags: dict[str, str],
    sources: dict[str, str],
    bucket: str,
    reason: str | None,
    follow_up: str | None,
) -> dict[str, Any]:
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


def _log(db: LogStoreDB, row: dict[str, Any], config: GatewayConfig) -> None:
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


def create_app(db: LogStoreDB, config: GatewayConfig) -> Starlette:
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
        tags, sources = _read_tags(request, body, faults)
        key = _api_key(request)
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
        bucket, reason, follow_up = _route(tags, config)
        logged_bucket = config.bucket_names.get(bucket, bucket)
        model = body.get("model", "reference-model") if isinstance(body, dict) else None
        if faults.gateway_status is not None and faults.gateway_failures > 0:
            faults.gateway_failures -= 1
            if faults.log_failures:
                row = _row(
                    request, correlation_id, model, tags, sources, logged_bucket, reason, follow_up
                )
                _log(db, {**row, "status": faults.gateway_status}, config)
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
        row = _row(request, correlation_id, model, tags, sources, logged_bucket, reason, follow_up)
        completion_id = row["request_id"]
        _log(db, row, config)
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

    def store_fault() -> Response | None:
        answer = config.faults.store_answer
        if answer == "500":
            return JSONResponse({"error": "log store unavailable"}, status_code=500)
        if answer == "garbage":
            return Response("<html>upstream gone</html>", media_type="text/html")
        if answer == "empty":
            return JSONResponse([])
        return None

    async def records(request: Request) -> Response:
        """Several records in one query: ``?ids=a,b,c`` answers a list (maybe empty)."""
        config.stats["log_reads"] += 1
        fault = store_fault()
        if fault is not None:
            return fault
        wanted = [i for i in request.query_params.get("ids", "").split(",") if i]
        return JSONResponse(db.find_many(wanted))

    async def record(request: Request) -> Response:
        config.stats["log_reads"] += 1
        fault = store_fault()
        if fault is not None:
            return fault
        rows = db.find(request.path_params["correlation_id"])
        if len(rows) > 1:
            return JSONResponse(rows)  # duplicates: every record, as a list
        if not rows:
            return JSONResponse({"error": "no record for this correlation id yet"}, status_code=404)
        return JSONResponse(rows[0])

    async def buckets(request: Request) -> Response:
        config.stats["log_reads"] += 1
        fault = store_fault()
        if fault is not None and config.faults.store_answer != "empty":
            return fault
        return JSONResponse(db.bucket_counts())

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "faults": dataclasses.asdict(config.faults)})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/logs/records", records, methods=["GET"]),
            Route("/logs/records/{correlation_id}", record, methods=["GET"]),
            Route("/logs/buckets", buckets, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
