"""The reference gateway over real HTTP: auth, routing, SQLite log store, delay, faults."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from pytest_tagsmoke.reference import Faults, ReferenceGateway

if TYPE_CHECKING:
    from pathlib import Path

AUTH = {"Authorization": "Bearer <API_KEY_PLACEHOLDER>"}
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def _send(
    url: str, cid: str, headers: dict[str, str] | None = None, body: dict[str, Any] | None = None
) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/chat/completions",
        headers={**AUTH, "x-correlation-id": cid, **(headers or {})},
        json=body if body is not None else BODY,
    )


def test_answers_like_openai_and_logs_to_sqlite(tagsmoke_gateway: ReferenceGateway) -> None:
    response = _send(
        tagsmoke_gateway.url,
        "cid-1",
        {"x-tag-owner": "team-a", "x-tag-environment": "staging", "x-tag-use-case": "search"},
    )
    assert response.status_code == 200
    assert response.headers["x-correlation-id"] == "cid-1"
    assert response.json()["choices"][0]["message"]["role"] == "assistant"
    record = httpx.get(f"{tagsmoke_gateway.url}/logs/records/cid-1").json()
    assert record["tags"] == {"owner": "team-a", "environment": "staging", "use_case": "search"}
    assert record["tag_sources"] == {
        "owner": "header",
        "environment": "header",
        "use_case": "header",
    }
    assert record["bucket"] == "attributed"
    assert record["source_record"] == f"request_log:{record['id']}"
    # The log store is a real SQLite file that other processes can read.
    with contextlib.closing(sqlite3.connect(tagsmoke_gateway.db.path)) as conn:
        rows = conn.execute("SELECT correlation_id, bucket FROM request_log").fetchall()
    assert rows == [("cid-1", "attributed")]


def test_requires_authorization(tagsmoke_gateway: ReferenceGateway) -> None:
    response = httpx.post(f"{tagsmoke_gateway.url}/v1/chat/completions", json=BODY)
    assert response.status_code == 401
    assert "Authorization" in response.json()["error"]["message"]
    assert tagsmoke_gateway.db.bucket_counts()["untagged"] == 0


@pytest.mark.parametrize(
    ("headers", "body", "bucket", "reason"),
    [
        ({"x-tag-owner": "a", "x-tag-use-case": "u"}, BODY, "untagged", "missing_environment"),
        (
            {"x-tag-environment": "staging", "x-tag-use-case": "u"},
            BODY,
            "untagged",
            "missing_owner",
        ),
        (
            {"x-tag-owner": "a", "x-tag-environment": "prd", "x-tag-use-case": "u"},
            BODY,
            "quarantine",
            "invalid_environment",
        ),
        (
            {},
            {**BODY, "metadata": {"owner": "a", "environment": "evaluation", "use_case": "u"}},
            "attributed",
            None,
        ),
        (
            {
                "x-tag-owner": "platform-shared",
                "x-tag-environment": "staging",
                "x-tag-use-case": "u",
            },
            BODY,
            "shared",
            "shared_cost_rule_needed",
        ),
    ],
)
def test_routes_requests_to_buckets(
    tagsmoke_gateway: ReferenceGateway,
    headers: dict[str, str],
    body: dict[str, Any],
    bucket: str,
    reason: str | None,
) -> None:
    _send(tagsmoke_gateway.url, "cid", headers, body)
    record = httpx.get(f"{tagsmoke_gateway.url}/logs/records/cid").json()
    assert (record["bucket"], record["reason"]) == (bucket, reason)
    counts = httpx.get(f"{tagsmoke_gateway.url}/logs/buckets").json()
    assert counts == {"attributed": 0, "untagged": 0, "quarantine": 0, "shared": 0, bucket: 1}


def test_record_is_404_until_the_ingestion_delay_passes(tmp_path: Path) -> None:
    # 2 s: long enough that a loaded CI machine still asks before the record is visible.
    with ReferenceGateway(tmp_path / "log.sqlite", ingest_delay=2.0) as gateway:
        _send(gateway.url, "slow")
        assert httpx.get(f"{gateway.url}/logs/records/slow").status_code == 404
        deadline = time.monotonic() + 10
        status = 404
        while status == 404 and time.monotonic() < deadline:
            time.sleep(0.05)
            status = httpx.get(f"{gateway.url}/logs/records/slow").status_code
        assert status == 200


def test_drop_header_fault_ignores_that_dimension(tmp_path: Path) -> None:
    with ReferenceGateway(
        tmp_path / "log.sqlite", faults=Faults(drop_header="environment")
    ) as gateway:
        _send(
            gateway.url,
            "cid",
            {"x-tag-owner": "a", "x-tag-environment": "staging", "x-tag-use-case": "u"},
        )
        record = httpx.get(f"{gateway.url}/logs/records/cid").json()
    assert "environment" not in record["tags"]
    assert record["bucket"] == "untagged"
    assert record["follow_up"] == "missing tag(s): environment"


def test_command_line_runs_the_gateway(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "pytest_tagsmoke.reference",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "cli.sqlite"),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert f"reference gateway at http://127.0.0.1:{port}" in line
            assert _send(f"http://127.0.0.1:{port}", "cli").status_code == 200
        finally:
            process.terminate()
    assert (tmp_path / "cli.sqlite").exists()
