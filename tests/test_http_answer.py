"""The plain transport's answer reader (sending/http_answer.py) against http.client itself.

Each answer is written into a real socket pair and read twice: by ``http.client.HTTPResponse``
(what the transport used before) and by :class:`Answer`; status, reason, version, headers,
body and whether the connection closes must be the same. Malformed answers, which
http.client half-accepted, must be a clean ``httpx.RemoteProtocolError`` through the client.
"""

from __future__ import annotations

import http.client
import socket
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.sending.batch import Runtime
from pytest_tagsmoke.sending.http_answer import Answer, Connection
from tests.helpers import REPO, RawServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from io import BufferedReader


def _written(raw: bytes) -> tuple[socket.socket, socket.socket]:
    server, client = socket.socketpair()
    server.sendall(raw)
    server.shutdown(socket.SHUT_WR)
    return server, client


def by_http_client(raw: bytes, method: str) -> tuple[Any, ...]:
    server, client = _written(raw)
    with server, client:
        response = http.client.HTTPResponse(client, method=method)
        response.begin()
        will_close = response.will_close
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in response.getheaders()]
        body = response.read()
        response.close()
        return response.status, response.reason, response.version, headers, body, will_close


def by_answer(raw: bytes, method: str) -> tuple[Any, ...]:
    server, client = _written(raw)
    with server, client:
        answer = Answer(Connection(client), method)
        body = b""
        while chunk := answer.read1(7):  # small reads: chunk and buffer edges crossed
            body += chunk
        assert answer.ended
        return answer.status, answer.reason, answer.version, answer.headers, body, answer.will_close


OK10 = b"HTTP/1.0 200 OK\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
SAME: dict[str, tuple[str, bytes]] = {
    "length": (
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    ),
    "repeated": ("GET", b"HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n"),
    "blanks": (
        "GET",
        b"HTTP/1.1 200 OK\r\nX-A:\t \tv a  \r\nX-B:v\r\nX-C:\r\nContent-Length: 0\r\n\r\n",
    ),
    "bare newlines": ("GET", b"HTTP/1.1 201 Created\nX-A: 1\nContent-Length: 2\n\nok"),
    "latin-1": ("GET", b"HTTP/1.1 200 Fin\xe9\r\nX-A: caf\xe9\r\nContent-Length: 0\r\n\r\n"),
    "no reason": ("GET", b"HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx"),
    "close": ("GET", b"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\nx"),
    "close-delimited": ("GET", b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil the end"),
    "bad length": ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nuntil the end"),
    "negative length": ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\nthe end"),
    "two lengths": ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\nok"),
    "http/1.0": ("GET", b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "http/1.0 kept": ("GET", OK10 + b"Connection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
    "http/1.0 keep-alive": ("GET", OK10 + b"Keep-Alive: 5\r\nContent-Length: 2\r\n\r\nok"),
    "chunked": (
        "GET",
        CHUNKED + b"\r\n5;x=1\r\nhello\r\n10\r\n, chunked world!\r\n0\r\nX: t\r\n\r\n",
    ),
    "chunked upper": ("GET", CHUNKED.upper() + b"\r\n2\r\nok\r\n0\r\n\r\n"),
    "chunked and length": ("GET", CHUNKED + b"Content-Length: 99\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    "head": ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"),
    "204": ("GET", b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"),
    "304": ("GET", b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"),
    "100 continue": (
        "POST",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ),
    "two-part status line": ("GET", b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"),
}


@pytest.mark.parametrize("case", sorted(SAME))
def test_an_answer_reads_as_http_client_reads_it(case: str) -> None:
    method, raw = SAME[case]
    assert by_answer(raw, method) == by_http_client(raw, method)


def test_informational_answers_are_skipped_and_no_body_follows_a_204() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    raw = early + early + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert by_answer(raw, "GET")[:5] == (200, "OK", 11, [(b"Content-Length", b"2")], b"ok")
    # http.client would wait for chunks here; httpcore does not, and neither does the reader.
    raw = b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert by_answer(raw, "GET")[4:] == (b"", False)


MALFORMED: dict[str, bytes] = {
    "obs-fold": b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
    "no colon": b"HTTP/1.1 200 OK\r\nnot a header\r\nContent-Length: 0\r\n\r\n",
    "blank before colon": b"HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n",
    "empty name": b"HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 0\r\n\r\n",
    "bare CR": b"HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 0\r\n\r\n",
    "status line": b"HTCPCP/1.0 418 Teapot\r\nContent-Length: 0\r\n\r\n",
    "status": b"HTTP/1.1 20x OK\r\nContent-Length: 0\r\n\r\n",
    "version": b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    "too many headers": b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 100 + b"\r\n",
    "long line": b"HTTP/1.1 200 OK\r\nX-A: " + b"a" * 70_000 + b"\r\n\r\n",
    "chunk size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
    "negative chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nok\r\n0\r\n\r\n",
    "cut chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nok",
    "cut body": b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nok",
    "nothing": b"",
}


@pytest.fixture
def serve_once() -> Iterator[Callable[[bytes], RawServer]]:
    """A server answering ``raw`` to every request, then closing the connection."""
    servers: list[RawServer] = []

    def start(raw: bytes) -> RawServer:
        def handle(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
            while reader.readline() not in (b"\r\n", b""):
                pass
            server.note("answered")
            sock.sendall(raw)

        servers.append(RawServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_answer_is_a_remote_protocol_error(
    case: str, serve_once: Callable[[bytes], RawServer], client: httpx.Client
) -> None:
    server = serve_once(MALFORMED[case])
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{server.url}/x")
    assert server.requests == ["answered"]


def test_bytes_left_after_an_answer_keep_its_connection_from_reuse(
    client: httpx.Client,
) -> None:
    """A server out of step (more than the answer) costs a new connection, not a wrong
    answer to the next request."""

    def answer_twice(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        while (line := reader.readline()) != b"":
            if line == b"\r\n":
                server.note("answered")
                sock.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"a"' * 2)

    server = RawServer(answer_twice)
    try:
        assert [client.get(f"{server.url}/{i}").json() for i in range(3)] == ["a", "a", "a"]
    finally:
        server.close()
    assert server.connections == 3


def test_one_buffer_per_connection_not_a_file_per_answer(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    original = socket.socket.makefile

    def counting(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return original(self, *args, **kwargs)

    def keep_answering(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        while (line := reader.readline()) != b"":
            if line == b"\r\n":
                server.note("answered")
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = RawServer(keep_answering)  # its own files are made before the count starts
    try:
        client.get(f"{server.url}/warm")
        monkeypatch.setattr(socket.socket, "makefile", counting)
        assert [client.get(f"{server.url}/{i}").text for i in range(5)] == ["ok"] * 5
    finally:
        server.close()
    assert (server.connections, made) == (1, [])


def test_a_store_answer_closed_unread_keeps_its_connection_when_its_rest_came_with_it() -> None:
    """The store closes a 404 unread; its short body came with the head, so the connection
    stays in step and is reused (before: a new connection for every 404)."""

    def not_yet(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        while (line := reader.readline()) != b"":
            if line == b"\r\n":
                server.note("answered")
                body = b'{"error": "not yet"}'
                sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 20\r\n\r\n" + body)

    server = RawServer(not_yet)
    runtime = Runtime(load_profile(REPO / "tagsmoke.yaml", {"TAGSMOKE_ENDPOINT": server.url}))
    try:
        for _ in range(4):
            assert runtime.store.fetch_many(["cid-1"]) == {}
    finally:
        runtime.close()
        server.close()
    assert (len(server.requests), server.connections) == (4, 1)
