"""An HTTP/1.x answer read from a kept-alive socket: http.client's framing rules, without its costs.

Why: ``http.client.HTTPResponse`` wraps the socket in a new buffered file for every answer
and parses the headers with the ``email`` package: about a third of the plain transport's
CPU per request (issue #16). Here one buffer lives with the socket across its answers (bytes
left in it when an answer ends mean the server is out of step: the connection is not
reused), and a header line is split at its first colon.

Kept from http.client, so that answers read as before: the status line's parsing (a bad one
is ``RemoteProtocolError``), 100 Continue and the other informational answers skipped (not
101), header names and values as the ``email`` parser gave them (the value's leading blanks
dropped, its trailing ones kept), the first ``Content-Length``/``Transfer-Encoding`` read as
http.client reads them, no body after HEAD, 204, 304 or 1xx (whatever the headers say),
``Connection: close`` and HTTP/1.0 keep-alive, the limits (a line over 64 KiB, more than 100
header lines: ``RemoteProtocolError``), a chunked body's sizes, extensions and trailers.

Where http.client was lenient and httpcore is not, this is strict: a folded header line
(obs-fold), a line with no colon or a bad name, or a bare CR in a line is
``RemoteProtocolError`` (the ``email`` parser dropped such lines and, silently, every line
after them); so is a negative chunk size.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import socket

#: http.client's limits: a line's length, header lines (their ending blank line counted).
MAX_LINE = 65536
MAX_HEADERS = 100
#: Bytes asked of the socket at a time.
RECEIVE = 65536

# The ``email`` parser's header names: printable ASCII but the colon.
_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]+")
_END_OF_HEAD = (b"\r\n", b"\n", b"")
_NO_BODY_STATUSES = frozenset({204, 304})
CUT_SHORT = "peer closed connection without sending complete message body"


def malformed(what: str) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(f"malformed answer: {what}")


class Connection:
    """A socket and the bytes read from it that no answer has used yet."""

    __slots__ = ("_buffer", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        """Whether bytes were read past the last answer (the server is out of step)."""
        return bool(self._buffer)

    def _fill(self) -> bool:
        data = self.sock.recv(RECEIVE)
        self._buffer += data
        return bool(data)

    def readline(self) -> bytes:
        """The next line, its ending kept; at most ``MAX_LINE + 1`` bytes; short at EOF."""
        buffer = self._buffer
        searched = 0
        while True:
            end = buffer.find(b"\n", searched, MAX_LINE + 1)
            if end >= 0:
                return self._take(end + 1)
            if len(buffer) > MAX_LINE:
                return self._take(MAX_LINE + 1)
            searched = len(buffer)
            if not self._fill():
                return self._take(len(buffer))

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes: those buffered, else one read of the socket (b"" at EOF)."""
        if self._buffer:
            return self._take(min(size, len(self._buffer)))
        return self.sock.recv(size) if size > 0 else b""

    def drop_buffered(self, size: int) -> bool:
        """Drop the next ``size`` bytes if they are buffered already; whether they were."""
        if size > len(self._buffer):
            return False
        del self._buffer[:size]
        return True

    def read_exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size and (part := self.read1(size - len(data))):
            data += part
        if len(data) < size:
            raise httpx.RemoteProtocolError(CUT_SHORT)
        return data

    def _take(self, size: int) -> bytes:
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        return taken


class Answer:
    """An answer's head, and its body read as it comes (:meth:`read1`)."""

    def __init__(self, connection: Connection, method: str) -> None:
        self._connection = connection
        while True:
            version, status, reason = _status_line(connection.readline())
            headers = _head(connection)
            if not 100 <= status < 200 or status == 101:
                break
        self.status = status
        self.reason = reason.strip()
        self.version = _version(version)
        self.headers = headers
        first = _firsts(headers)
        encoding = first.get(b"transfer-encoding")
        self.chunked = encoding is not None and encoding.lower() == b"chunked"
        self.will_close = _will_close(first, self.version)
        self.length: int | None = None
        length = first.get(b"content-length")
        if length is not None and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in _NO_BODY_STATUSES or 100 <= status < 200 or method == "HEAD":
            self.length = 0
            self.chunked = False  # httpcore does not wait for chunks where no body can be
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True  # the body ends when the connection does
        self._chunk_left: int | None = None
        self.ended = self.length == 0

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes of the body; b"" at its end (:attr:`ended` tells whether
        the end came, or the connection's). A body cut short is ``RemoteProtocolError``."""
        if self.ended:
            return b""
        if self.chunked:
            return self._read1_chunked(size)
        if self.length is not None:
            size = min(size, self.length)
        data = self._connection.read1(size)
        if self.length is not None:
            if not data:
                raise httpx.RemoteProtocolError(CUT_SHORT)
            self.length -= len(data)
            self.ended = self.length == 0
        elif not data:  # delimited by the connection's close: this is its end
            self.ended = True
        return data

    def finish_buffered(self) -> None:
        """End a body whose unread rest (``Content-Length`` bytes) came with the head
        already: dropped without a read, so the connection stays in step (a store's 404
        answer, closed unread, does not cost a new connection)."""
        if not self.ended and not self.chunked and self.length is not None:
            self.ended = self._connection.drop_buffered(self.length)

    def _read1_chunked(self, size: int) -> bytes:
        connection = self._connection
        left = self._chunk_left
        if not left:
            if left is not None:
                connection.read_exactly(2)  # the CRLF after a chunk, as http.client tosses it
            left = _chunk_size(connection.readline())
            if left == 0:
                _skip_trailer(connection)
                self.ended = True
                return b""
        data = connection.read1(min(size, left))
        if not data:
            raise httpx.RemoteProtocolError(CUT_SHORT)
        self._chunk_left = left - len(data)
        return data


def _status_line(raw: bytes) -> tuple[str, int, str]:
    """http.client's ``_read_status``: (version, status, reason)."""
    if len(raw) > MAX_LINE:
        raise malformed("LineTooLong")
    if not raw:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    line = raw.decode("iso-8859-1")
    parts = line.split(None, 2)
    version = parts[0] if len(parts) >= 2 else ""
    reason = parts[2] if len(parts) == 3 else ""
    if not version.startswith("HTTP/"):
        raise malformed("BadStatusLine")
    try:
        status = int(parts[1])
    except ValueError:
        raise malformed("BadStatusLine") from None
    if not 100 <= status <= 999:
        raise malformed("BadStatusLine")
    return version, status, reason


def _version(version: str) -> int:
    if version in ("HTTP/1.0", "HTTP/0.9"):
        return 10
    if version.startswith("HTTP/1."):
        return 11
    raise malformed("UnknownProtocol")


def _head(connection: Connection) -> list[tuple[bytes, bytes]]:
    """The header lines up to the blank one, as (name, value)."""
    headers: list[tuple[bytes, bytes]] = []
    lines = 0
    while True:
        raw = connection.readline()
        if len(raw) > MAX_LINE:
            raise malformed("LineTooLong")
        lines += 1
        if lines > MAX_HEADERS:
            raise malformed("HTTPException")
        if raw in _END_OF_HEAD:
            return headers
        line = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\n")
        name, colon, value = line.partition(b":")
        if not colon or not _NAME.fullmatch(name) or b"\r" in value:
            # A folded line starts with a blank: no name either.
            raise malformed("a header line that is not 'name: value'")
        headers.append((name, value.lstrip(b" \t")))


def _firsts(headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Each header's first value by lowercased name (http.client reads the first one)."""
    first: dict[bytes, bytes] = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)
    return first


def _will_close(first: dict[bytes, bytes], version: int) -> bool:
    """http.client's ``_check_close``."""
    connection = first.get(b"connection")
    if version == 11:
        return connection is not None and b"close" in connection.lower()
    if first.get(b"keep-alive"):
        return False
    if connection is not None and b"keep-alive" in connection.lower():
        return False
    proxy = first.get(b"proxy-connection")
    return not (proxy is not None and b"keep-alive" in proxy.lower())


def _chunk_size(line: bytes) -> int:
    if len(line) > MAX_LINE:
        raise malformed("LineTooLong")
    try:
        size = int(line.split(b";", 1)[0], 16)
    except ValueError:  # EOF, or not a size: http.client's IncompleteRead
        raise httpx.RemoteProtocolError(CUT_SHORT) from None
    if size < 0:
        raise malformed("a negative chunk size")
    return size


def _skip_trailer(connection: Connection) -> None:
    while True:
        line = connection.readline()
        if len(line) > MAX_LINE:
            raise malformed("LineTooLong")
        if line in _END_OF_HEAD:
            return
