"""A cheap httpx transport for plain ``http://``: stdlib sockets, kept alive in a pool per host.

Why: a smoke run is CPU-bound under the GIL (N=5,000: 5,000 POSTs and ~5,100 log-store
GETs), and httpcore spends about half of httpx's client CPU per request above what the
stdlib needs (16 threads: ~0.75 ms a request through httpcore, ~0.5 through this transport,
~0.25 raw ``http.client``). This transport writes the request bytes itself and reads the
answer with :mod:`~pytest_tagsmoke.sending.http_answer` (http.client's framing rules, one
buffer per socket, no ``email`` parsing); httpx.Client stays in front (auth, params, cookies,
redirects not followed, decoding, ``stream=True``), so callers see the same API and the same
exception types. Figures: docs/performance.md
("Plain-HTTP transport"); ``benchmarks/http_client_cpu.py`` measures them.

What it keeps from httpcore (the run's error classification depends on it):

- an error before the request was written is ``ConnectError``/``ConnectTimeout`` (safe to
  send again); after, ``ReadTimeout``, ``ReadError``, ``RemoteProtocolError`` (never re-sent);
- a kept-alive socket is checked before reuse (readable while idle = closed by the server or
  out of step: it is dropped and a new one opened), so an idle close costs no failure and no
  second request;
- a failed write is not raised at once: the server may have answered (an early error
  answer) and that answer is read; no answer is a ``RemoteProtocolError``/``ReadError``;
- an answer not read to its end closes its socket (it cannot be reused in step), unless its
  rest came with what was read already (a store's short 404, closed unread): dropped.

One difference remains: an answer with more than 100 header lines or a line over 64 KiB is
refused, as http.client refuses it (``RemoteProtocolError``, after the request was written:
a setup error, not re-sent), which httpcore would take.

Anything unusual goes to ``fallback`` (the run's httpx transport): another scheme, a request
body that is a stream, an ``Upgrade``. Messages never hold the URL or headers.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import TYPE_CHECKING, Any

import httpx

from pytest_tagsmoke.sending.http_answer import Answer, Connection

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Bytes read from an answer's body at a time (the caller bounds the total).
CHUNK = 65536


class PlainHttpTransport(httpx.BaseTransport):
    """Sends ``http://`` requests over stdlib sockets; anything else through ``fallback``.

    Idle connections (a socket and its read buffer) wait in a pool per host and port, the
    most recently used first (the least likely to have been closed by the server); the pool
    holds as many as were in use at once, whichever threads used them (a serial run's one-off
    sending threads share one socket).
    Every socket opened is noted, so that :meth:`close` closes them all.
    """

    def __init__(self, fallback: httpx.BaseTransport | None = None) -> None:
        self._fallback = fallback
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, int], list[Connection]] = {}
        self._open: set[Connection] = set()

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
        connection = self._idle_connection(key)
        if connection is None:
            connection = self._connect(key, timeout.get("connect"))
        try:
            answer = self._exchange(connection, request, timeout)
        except BaseException:
            self._discard(connection)
            raise
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_Body(self, key, connection, answer),
            extensions={
                "http_version": b"HTTP/1.0" if answer.version == 10 else b"HTTP/1.1",
                "reason_phrase": answer.reason.encode("latin-1", "replace"),
            },
        )

    # -- connections ---------------------------------------------------------------------
    def _idle_connection(self, key: tuple[str, int]) -> Connection | None:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                connection = idle.pop()
            if not connection.pending and not _readable(connection.sock):
                return connection
            # The server closed it while idle (EOF is readable), or sent what nobody asked
            # for: not in step for a new request. Nothing was written on it.
            self._discard(connection)

    def _connect(self, key: tuple[str, int], timeout: float | None) -> Connection:
        try:
            sock = socket.create_connection(key, timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out") from None
        except OSError as exc:  # refused, unreachable, no such host
            raise httpx.ConnectError(str(exc)) from None
        with contextlib.suppress(OSError):  # a platform without TCP_NODELAY
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = Connection(sock)
        with self._lock:
            self._open.add(connection)
        return connection

    def _discard(self, connection: Connection) -> None:
        with self._lock:
            self._open.discard(connection)
        connection.sock.close()

    def _release(self, key: tuple[str, int], connection: Connection, reusable: bool) -> None:
        with self._lock:
            # Not kept when closed by :meth:`close` meanwhile.
            if reusable and connection in self._open:
                self._idle.setdefault(key, []).append(connection)
                return
        self._discard(connection)

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, set()
            self._idle.clear()
        for connection in connections:
            connection.sock.close()

    # -- one request and its answer's head ------------------------------------------------
    def _exchange(
        self, connection: Connection, request: httpx.Request, timeout: dict[str, Any]
    ) -> Answer:
        head = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
        for name, value in request.headers.raw:
            if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name:
                raise httpx.LocalProtocolError("a header name or value holds a line break")
            head.append(b"%s: %s\r\n" % (name, value))
        head.append(b"\r\n")
        head.append(request.content)
        sock = connection.sock
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
        try:
            # Informational answers (100 Continue, 103 Early Hints) are skipped, as httpcore
            # does; no body is waited for after HEAD, 204 or 304, whatever the headers say.
            return Answer(connection, request.method)
        except BaseException as exc:
            raise _read_error(exc) from None


class _Body(httpx.SyncByteStream):
    """An answer's body, read as it comes; its connection is kept only once read to the end
    (and when the server did not say it closes it)."""

    def __init__(
        self,
        transport: PlainHttpTransport,
        key: tuple[str, int],
        connection: Connection,
        answer: Answer,
    ) -> None:
        self._transport = transport
        self._key = key
        self._connection: Connection | None = connection
        self._answer = answer

    def __iter__(self) -> Iterator[bytes]:
        answer = self._answer
        while True:
            try:
                chunk = answer.read1(CHUNK)
            except BaseException as exc:
                self.close()
                raise _read_error(exc) from None
            if not chunk:  # the body's end (or the connection's, for a close-delimited one)
                break
            yield chunk
        self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        answer = self._answer
        answer.finish_buffered()
        reusable = answer.ended and not answer.will_close
        self._transport._release(self._key, connection, reusable)


def _read_error(exc: BaseException) -> BaseException:
    """The httpx exception httpcore raises for ``exc`` met while reading an answer (the
    answer's own errors are httpx's already)."""
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(str(exc) or "timed out")
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
