"""A send's first attempt goes straight; a retryable failure hands over to tenacity."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
import pytest

from pytest_tagsmoke.sending.request import PreparedRequest, SendError, send
from tests.helpers import REPO

if TYPE_CHECKING:
    from collections.abc import Iterator


class _Scripted(BaseHTTPRequestHandler):
    """Answers each POST with the next (status, headers) of ``script``; the last repeats.
    A status of 0 answers nothing (the client's read times out)."""

    protocol_version = "HTTP/1.1"
    script: ClassVar[list[tuple[int, dict[str, str]]]] = []
    received: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        index = len(self.received)
        self.received.append(self.headers.get("x-correlation-id", ""))
        status, headers = self.script[min(index, len(self.script) - 1)]
        if status == 0:
            time.sleep(1.0)
            return
        body = b'{"ok": true}'
        self.send_response(status)
        for name, value in {"content-length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def gateway() -> Iterator[str]:
    _Scripted.script = [(200, {})]
    _Scripted.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # no real waiting: the waits are noted
    return waits


def _request(url: str) -> PreparedRequest:
    return PreparedRequest("POST", url, {"x-correlation-id": "cid-1"}, {}, "cid-1", {})


def _send(url: str, **kwargs: Any) -> Any:
    with httpx.Client(timeout=httpx.Timeout(5.0, read=0.3)) as client:
        return send(client, _request(url), **kwargs)


def test_an_answer_not_retried_is_sent_once(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(500, {})]
    sent = _send(gateway)
    assert (sent.status, sent.retry_count, len(_Scripted.received), slept) == (500, 0, 1, [])


def test_a_503_then_200_is_retried_once_after_a_backoff(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(503, {}), (200, {})]
    sent = _send(gateway)
    assert (sent.status, sent.retry_count, sent.body) == (200, 1, {"ok": True})
    assert _Scripted.received == ["cid-1", "cid-1"]
    assert len(slept) == 1
    assert 0.1 <= slept[0] <= 0.2  # 0.1 s plus up to 0.1 s of jitter


def test_a_gateway_always_busy_gets_three_attempts_and_its_last_answer_back(
    gateway: str, slept: list[float]
) -> None:
    _Scripted.script = [(503, {})]
    sent = _send(gateway)
    assert (sent.status, sent.retry_count, len(_Scripted.received)) == (503, 2, 3)
    assert 0.1 <= slept[0] <= 0.2
    assert 0.2 <= slept[1] <= 0.3  # doubled


def test_retry_after_is_honoured_and_capped(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(429, {"retry-after": "0.3"}), (429, {"retry-after": "600"}), (200, {})]
    sent = _send(gateway)
    assert (sent.status, sent.retry_count) == (200, 2)
    assert slept == [0.3, 5.0]


def test_an_expected_status_is_not_retried(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(429, {})]
    sent = _send(gateway, retry_statuses=frozenset({503}))
    assert (sent.status, sent.retry_count, len(_Scripted.received), slept) == (429, 0, 1, [])


def test_a_spent_budget_stops_the_retries(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(503, {})]
    sent = _send(gateway, budget=0.0)
    assert (sent.status, sent.retry_count, len(_Scripted.received), slept) == (503, 0, 1, [])


def test_the_wait_never_runs_past_the_budget(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(429, {"retry-after": "4"}), (200, {})]
    sent = _send(gateway, budget=1.0)
    assert (sent.status, sent.retry_count) == (200, 1)
    assert len(slept) == 1
    assert 0.0 < slept[0] <= 1.0


def test_a_refused_connection_is_retried_then_named(slept: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: every attempt is refused before it is written.
    with pytest.raises(SendError) as raised:
        _send(f"http://127.0.0.1:{port}/v1/chat/completions")
    assert raised.value.retry_count == 2
    assert str(raised.value).startswith("ConnectError: ")
    assert str(raised.value).endswith(" after 2 retries")
    assert len(slept) == 2


def test_a_read_timeout_after_a_retry_is_not_sent_again(gateway: str, slept: list[float]) -> None:
    _Scripted.script = [(502, {}), (0, {})]
    with pytest.raises(SendError) as raised:
        _send(gateway)
    assert raised.value.retry_count == 1
    assert "ReadTimeout" in str(raised.value)
    assert "not re-sent" in str(raised.value)
    assert str(raised.value).endswith(" after 1 retry")
    assert len(_Scripted.received) == 2


_IMPORTS = """
import sys
import httpx
from pytest_tagsmoke.sending.request import PreparedRequest, send

with httpx.Client() as client:
    for url in sys.argv[1:]:
        sent = send(client, PreparedRequest("POST", url, {}, {}, "cid-1", {}))
        print(sent.status, sent.retry_count, "tenacity" in sys.modules)
"""


def test_tenacity_is_imported_only_when_a_send_is_retried(gateway: str) -> None:
    _Scripted.script = [(200, {}), (200, {}), (503, {}), (200, {})]
    shown = subprocess.run(
        [sys.executable, "-c", _IMPORTS, gateway, gateway, gateway],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=60,
    ).stdout.split("\n")
    assert shown[:3] == ["200 0 False", "200 0 False", "200 1 True"]
