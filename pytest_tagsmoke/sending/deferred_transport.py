"""httpx's own transport, made at its first request.

A run whose gateway and log store are plain ``http://`` never uses httpcore (the
:class:`~pytest_tagsmoke.sending.plain_http.PlainHttpTransport` carries it all), yet making
``httpx.HTTPTransport`` imports httpcore and h11: ~16-22 ms of every run's start-up. This
wrapper makes it only when an https request (or one the plain transport hands over) comes.
Given to ``httpx.Client(transport=...)`` it also keeps httpx's rule that a client given a
transport reads no proxy from the environment.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import Callable


class DeferredTransport(httpx.BaseTransport):
    """``make()``'s transport, made once, at the first request (by whichever thread)."""

    def __init__(self, make: Callable[[], httpx.BaseTransport]) -> None:
        self._make = make
        self._made: httpx.BaseTransport | None = None
        self._lock = threading.Lock()

    @property
    def made(self) -> httpx.BaseTransport | None:
        """The transport, once a request made it; None before."""
        return self._made

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._made
        if transport is None:
            with self._lock:
                if self._made is None:
                    self._made = self._make()
                transport = self._made
        return transport.handle_request(request)

    def close(self) -> None:
        with self._lock:
            transport, self._made = self._made, None
        if transport is not None:
            transport.close()
