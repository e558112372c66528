"""A cheap httpx transport for plain ``http://``: stdlib sockets, kept alive in a pool per host.

Why: a smoke run is CPU-bound under the GIL (N=5,000: 5,000 POSTs and ~5,100 log-store
GETs), and httpcore spends about half of httpx's client CPU per request above what the
stdlib needs (16 threads: ~0.75 ms a request through httpcore, ~0.5 through this transport,
~0.25 raw ``http.client``). This transport writes the request bytes itself and parses the
answer with the stdlib's ``http.client.HTTPResponse``; httpx.Client stays in front (auth,
params, cookies, redirects not followed, decoding, ``stream=True``), so callers see the same
API and the same exception types. Figures: docs/performance.md
("Plain-HTTP transport"); ``benchmarks/http_client_cpu.py`` measures them.

What it keeps from httpcore (the run's error classification depends on it):

- an error before the request was written is ``ConnectError``/``ConnectTimeout`` (safe to
  send again); after, ``ReadTimeout``, ``ReadError``, ``RemoteProtocolError`` (never re-sent);
- a kept-alive socket is checked before reuse (readable while idle = closed by the server or
  out of step: it is dropped and a new one opened), so an idle close costs no failure and no
  second request;
- a failed write is not raised at once: the server may have answered (an early error
  answer) and that answer is read; no answer is a ``RemoteProtocolError``/``ReadError``;
- an answer not read to its end closes its socket (it cannot be reused in step).

One difference remains: ``http.client`` refuses an answer with more than 100 header lines
or a line over 64 KiB (``RemoteProtocolError``, after the request was written: a setup
error, not re-sent), which httpcore would take.

Anything unusual goes to ``fallback`` (the run's httpx transport): another scheme, a request
body that is a stream, an ``Upgrade``. Messages never hold the URL or headers.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import threading
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Bytes read from an answer's body at a time (the caller bounds the total).
CHUNK = 65536


class PlainHttpTransport(httpx.BaseTransport):
    """Sends ``http://`` requests over stdlib sockets; anything else through ``fallback``.

    Idle sockets wait in a pool per host and port, the most recently used first (the least
    likely to have been closed by the server); the pool holds as many as were in use at once,
    whichever threads used them (a serial run's one-off sending threads share one socket).
    Every socket opened is noted, so that :meth:`close` closes them all.
    """

    def __init__(self, fallback: httpx.BaseTransport | None = None) -> None:
        self._fallback = fallback
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, int], list[socket.socket]] = {}
        self._open: set[socket.socket] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if (
            url.scheme != "http"
            or not isinstance(request.stream, httpx.ByteStream)
            or "upgrade" in request.headers
        ):
            if self._fallback is None:
                raise httpx.UnsupportedProtocol("this request needs the httpx transport")
            return self._fallback.handle_request(request)
        timeout = request.extensions.get("timeout", {})
        key = (url.host, url.port or 80)
        sock = self._idle_socket(key)
        if sock is None:
            sock = self._connect(key, timeout.get("connect"))
        try:
            answer = self._exchange(sock, request, timeout)
        except BaseException:
            self._discard(sock)
            raise
        return httpx.Response(
            answer.status,
            headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in answer.getheaders()],
            stream=_Body(self, key, sock, answer),
            extensions={
                "http_version": b"HTTP/1.0" if answer.version == 10 else b"HTTP/1.1",
                "reason_phrase": answer.reason.encode("latin-1", "replace"),
            },
        )

    # -- sockets -------------------------------------------------------------------------
    def _idle_socket(self, key: tuple[str, int]) -> socket.socket | None:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                sock = idle.pop()
            if not _readable(sock):
                return sock
            # The server closed it while idle (EOF is readable), or sent what nobody asked
            # for: not in step for a new request. Nothing was written on it.
            self._discard(sock)

    def _connect(self, key: tuple[str, int], timeout: float | None) -> socket.socket:
        try:
            sock = socket.create_connection(key, timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out") from None
        except OSError as exc:  # refused, unreachable, no such host
            raise httpx.ConnectError(str(exc)) from None
        with contextlib.suppress(OSError):  # a platform without TCP_NODELAY
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._open.add(sock)
        return sock

    def _discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        sock.close()

    def _release(self, key: tuple[str, int], sock: socket.socket, reusable: bool) -> None:
        with self._lock:
            # Not kept when closed by :meth:`close` meanwhile.
            if reusable and sock in self._open:
                self._idle.setdefault(key, []).append(sock)
                return
        self._discard(sock)

    def close(self) -> None:
        with self._lock:
            sockets, self._open = self._open, set()
            self._idle.clear()
        for sock in sockets:
            sock.close()

    # -- one request and its answer's head ------------------------------------------------
    def _exchange(
        self, sock: socket.socket, request: httpx.Request, timeout: dict[str, Any]
    ) -> http.client.HTTPResponse:
        head = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
        for name, value in request.headers.raw:
            if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name:
                raise httpx.LocalProtocolError("a header name or value holds a line break")
            head.append(b"%s: %s\r\n" % (name, value))
        head.append(b"\r\n")
        head.append(request.content)
        sock.settimeout(timeout.get("write"))
        try:
            sock.sendall(b"".join(head))
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc) or "timed out") from None
        except OSError:
            # As httpcore: the server may have answered before it stopped reading (an
            # early error answer); the read below finds that answer or the reason it has none.
            pass
        sock.settimeout(timeout.get("read"))
        answer = http.client.HTTPResponse(sock, method=request.method)
        try:
            answer.begin()
            while 100 < answer.status < 200 and answer.status != 101:
                # An informational answer (103 Early Hints) before the real one: skipped, as
                # httpcore does (http.client skips 100 Continue only).
                answer = _following(sock, answer, request.method)
        except BaseException as exc:
            answer.close()
            raise _read_error(exc) from None
        if answer.length == 0:
            # No body can follow (HEAD, 204, 304): http.client would still wait for chunks
            # when the answer says ``Transfer-Encoding: chunked``; httpcore does not.
            answer.chunked = False
        return answer


class _Body(httpx.SyncByteStream):
    """An answer's body, read as it comes; its socket is kept only once read to the end."""

    def __init__(
        self,
        transport: PlainHttpTransport,
        key: tuple[str, int],
        sock: socket.socket,
        answer: http.client.HTTPResponse,
    ) -> None:
        self._transport = transport
        self._key = key
        self._sock: socket.socket | None = sock
        self._answer = answer
        self._ended = False

    def __iter__(self) -> Iterator[bytes]:
        answer = self._answer
        while True:
            try:
                chunk = answer.read1(CHUNK)
            except BaseException as exc:
                self.close()
                raise _read_error(exc) from None
            if not chunk:  # the body's end, or the server's (read1 does not tell which)
                if answer.length:  # Content-Length bytes still owed: the answer was cut
                    self.close()
                    raise _read_error(http.client.IncompleteRead(b"", answer.length))
                self._ended = True
                break
            yield chunk
        self.close()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        answer = self._answer
        ended = self._ended or answer.length == 0  # HEAD, 204, 304, Content-Length: 0
        reusable = ended and not answer.will_close
        answer.close()
        self._transport._release(self._key, sock, reusable)


def _following(
    sock: socket.socket, informational: http.client.HTTPResponse, method: str
) -> http.client.HTTPResponse:
    """The answer after ``informational``, read on from the same buffered bytes."""
    answer = http.client.HTTPResponse(sock, method=method)
    answer.fp.close()
    answer.fp = informational.fp
    # Detached, or ``informational``'s close (when it is collected) would close the bytes.
    informational.fp = None  # type: ignore[assignment]
    answer.begin()
    return answer


def _read_error(exc: BaseException) -> BaseException:
    """The httpx exception httpcore raises for ``exc`` met while reading an answer."""
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(str(exc) or "timed out")
    if isinstance(exc, http.client.RemoteDisconnected):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if isinstance(exc, http.client.IncompleteRead):
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"malformed answer: {type(exc).__name__}")
    if isinstance(exc, OSError):
        return httpx.ReadError(str(exc))
    return exc


def _readable(sock: socket.socket) -> bool:
    """Whether ``sock`` has something to read now (EOF included), without waiting."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):  # closed: as good as readable
        return True
