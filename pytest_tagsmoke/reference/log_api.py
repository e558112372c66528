"""The reference gateway's log API: records by correlation id, bucket counts and health,
with the store faults (``500``, not JSON, always empty) switched on in ``Faults``.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from starlette.requests import Request

    from pytest_tagsmoke.reference.settings import GatewayConfig
    from pytest_tagsmoke.reference.store import LogStoreDB


def log_api_routes(db: LogStoreDB, config: GatewayConfig) -> list[Route]:
    """``/logs/records``, ``/logs/records/{correlation_id}``, ``/logs/buckets``, ``/health``."""

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

    return [
        Route("/logs/records", records, methods=["GET"]),
        Route("/logs/records/{correlation_id}", record, methods=["GET"]),
        Route("/logs/buckets", buckets, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
    ]
