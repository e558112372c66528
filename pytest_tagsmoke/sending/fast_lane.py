"""The common request handed straight to the client's transport: httpx.Client's layers skipped.

Why: a smoke run is CPU-bound under the GIL, and about half of a plain-HTTP request's CPU is
httpx.Client's own (issue #16): ``build_request`` parses the URL and merges headers twice
over, every answer is turned into urllib objects for the cookie jar, and the auth, redirect,
event-hook and logging layers run for a run that uses none of them. For the common case (an
``http://`` URL without credentials in it, a client without auth, event hooks, redirects
followed, base params or cookies) :func:`request` builds the same ``httpx.Request`` itself,
with the client's default headers worked out once per client, and hands it to the transport
the client would pick; the client's work on the answer is done only where it can matter (the
cookie jar only for an answer with ``Set-Cookie``: later requests then carry the cookie
through the normal path).

What stays identical (tests/test_fast_lane.py checks it on real sockets): the bytes on the
wire (header order and casing: ``Host``, the client's defaults, the caller's, then
``Content-Length``/``Content-Type``; the JSON body as httpx 0.28 encodes it), the URL and
its query, the timeout, the exceptions (raised by the same transport, the request
attached), the answer (decoded by httpx, ``elapsed``, ``request``, ``next_request``,
``default_encoding``) and httpx's INFO log line.
Anything else (another httpx version, https, a changed client, an auth other than
``httpx.BasicAuth``) takes the normal ``build_request`` + ``send`` path.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import json as json_module
import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

import httpx
from httpx._client import BoundSyncStream, ClientState

if TYPE_CHECKING:
    from collections.abc import Mapping

#: The httpx whose ``Client`` this module reproduces; any other takes the normal path.
SUPPORTED = httpx.__version__.startswith("0.28.")
#: Parsed URLs kept (a run sends every scenario to one URL; the log store asks for an id
#: again at later ticks); the cache is emptied when full.
URLS_KEPT = 512

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_LENGTH_HEADERS = frozenset({b"content-length", b"transfer-encoding"})
_COOKIE_HEADERS = frozenset({b"set-cookie", b"set-cookie2"})
_logger = logging.getLogger("httpx")
_urls: dict[str, httpx.URL] = {}


class _Lane:
    """What a client adds to every request, worked out once (again if the client's headers
    or timeout are changed): its default headers (name, lowercased name, value) and its
    timeout as the transport reads it."""

    def __init__(self, client: httpx.Client) -> None:
        self.raw_defaults = client.headers.raw
        self.defaults = [(name, name.lower(), value) for name, value in self.raw_defaults]
        self.timeout = client.timeout
        self.timeout_extension = client.timeout.as_dict()

    def current(self, client: httpx.Client) -> bool:
        return client.timeout is self.timeout and client.headers.raw == self.raw_defaults


_lanes: weakref.WeakKeyDictionary[httpx.Client, _Lane] = weakref.WeakKeyDictionary()
_lanes_lock = threading.Lock()


def _lane(client: httpx.Client) -> _Lane | None:
    """``client``'s lane; None when the client adds something the lane does not reproduce."""
    hooks = client.event_hooks
    if (
        client._state is not ClientState.OPENED  # opened (or refused) by httpx itself
        or client.auth is not None
        or client.follow_redirects
        or client.max_redirects < 0
        or hooks["request"]
        or hooks["response"]
        or client.params
        or client.cookies
    ):
        return None
    lane = _lanes.get(client)
    if lane is None or not lane.current(client):
        with _lanes_lock:
            lane = _lanes[client] = _Lane(client)
    return lane


def _url(url: str) -> httpx.URL:
    parsed = _urls.get(url)
    if parsed is None:
        parsed = httpx.URL(url)
        if len(_urls) >= URLS_KEPT:
            _urls.clear()
        _urls[url] = parsed
    return parsed


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    json: Any = None,
    auth: httpx.Auth | None = None,
    stream: bool = False,
) -> httpx.Response:
    """``client.send(client.build_request(...), auth=auth, stream=stream)``, the same answer
    and the same exceptions, cheaper in the common case (see the module's docstring)."""
    built = _built(client, method, url, headers, json, auth) if SUPPORTED else None
    if built is None:
        normal = client.build_request(method, url, json=json, headers=headers)
        chosen = httpx.USE_CLIENT_DEFAULT if auth is None else auth
        return client.send(normal, auth=chosen, stream=stream)
    return _sent(client, built, stream)


def _built(
    client: httpx.Client,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Any,
    auth: httpx.Auth | None,
) -> httpx.Request | None:
    """The request ``client.build_request`` would build (auth applied), or None when the
    lane does not fit."""
    if auth is not None and type(auth) is not httpx.BasicAuth:
        return None
    lane = _lane(client)
    if lane is None:
        return None
    target = _url(url)
    if target.scheme != "http" or not target.host or target.userinfo:
        return None
    given: list[tuple[bytes, bytes]] = []
    for name, value in headers.items():
        if type(name) is not str or type(value) is not str:
            return None  # httpx's own checks word what is wrong
        given.append((name.encode("ascii"), value.encode("ascii")))
    method = method.upper()
    # httpx.Headers.update: a default named again by the caller (in any case) goes, and the
    # caller's come after the defaults that stay.
    overridden = {name.lower() for name, _ in given}
    merged = [(name, value) for name, lower, value in lane.defaults if lower not in overridden]
    merged += given
    present = {name.lower() for name, _ in merged}
    content = b""
    if body is not None:  # httpx._content.encode_json, then Request's setdefault
        content = json_module.dumps(
            body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
        if b"content-length" not in present:
            merged.append((b"Content-Length", str(len(content)).encode("ascii")))
            present.add(b"content-length")
        if b"content-type" not in present:
            merged.append((b"Content-Type", b"application/json"))
    automatic: list[tuple[bytes, bytes]] = []
    if b"host" not in present:
        automatic.append((b"Host", target.netloc))
    if method in _BODY_METHODS and present.isdisjoint(_LENGTH_HEADERS):
        automatic.append((b"Content-Length", b"0"))
    built = httpx.Request(
        method,
        target,
        headers=automatic + merged,
        stream=httpx.ByteStream(content),
        extensions={"timeout": dict(lane.timeout_extension)},
    )
    built.read()
    if auth is not None:  # BasicAuth's flow: sets Authorization, yields once, ends
        flow = auth.sync_auth_flow(built)
        built = next(flow)
        flow.close()
    return built


def _sent(client: httpx.Client, request: httpx.Request, stream: bool) -> httpx.Response:
    """What ``Client.send`` does with a built request when nothing of the client applies."""
    transport = client._transport_for_url(request.url)
    start = time.perf_counter()
    try:
        response = transport.handle_request(request)
    except httpx.RequestError as exc:  # httpx's request_context
        exc.request = request
        raise
    assert isinstance(response.stream, httpx.SyncByteStream)  # as httpx checks
    response.request = request
    response.stream = BoundSyncStream(response.stream, response=response, start=start)
    try:
        if any(name.lower() in _COOKIE_HEADERS for name, _ in response.headers.raw):
            client.cookies.extract_cookies(response)
        response.default_encoding = client._default_encoding
        if _logger.isEnabledFor(logging.INFO):
            _logger.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        if response.has_redirect_location:  # not followed: only offered, as httpx does
            response.next_request = client._build_redirect_request(request, response)
        if not stream:
            response.read()
    except BaseException:
        response.close()
        raise
    return response
