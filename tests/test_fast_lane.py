"""The fast lane (sending/fast_lane.py) against httpx.Client's own path, over real sockets.

A raw TCP server on 127.0.0.1 keeps the exact bytes of every request it reads; each request
is sent once through ``client.build_request`` + ``client.send`` and once through the lane, and
the bytes on the wire, the answers and the exceptions must be the same. Counting calls of
httpx's ``Client.build_request`` and ``Cookies.extract_cookies`` (wrapped, still run) shows
that the lane is taken: with the lane removed those tests fail.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import zlib
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.sending import fast_lane
from pytest_tagsmoke.sending.batch import Runtime
from pytest_tagsmoke.sending.request import PreparedRequest, send
from tests.helpers import REPO, RawServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from io import BufferedReader


def read_raw(reader: BufferedReader) -> bytes | None:
    """The next request's exact bytes (head and ``Content-Length`` body); None at EOF."""
    head = b""
    while True:
        line = reader.readline()
        if not line:
            return None
        head += line
        if line in (b"\r\n", b"\n"):
            break
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + reader.read(length)


class Recorder:
    """A keep-alive server noting every request's bytes, answering ``answers(request)``."""

    def __init__(self, answers: Callable[[bytes], bytes]) -> None:
        self.answers = answers
        self.seen: list[bytes] = []
        self.server = RawServer(self._handle)
        self.url = self.server.url

    def _handle(self, sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        while (raw := read_raw(reader)) is not None:
            self.seen.append(raw)
            sock.sendall(self.answers(raw))

    def last(self) -> bytes:
        return self.seen[-1]


def answer(
    status: int = 200, body: bytes = b'{"ok": true}', headers: tuple[tuple[str, str], ...] = ()
) -> bytes:
    head = [f"HTTP/1.1 {status} Fine", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


@pytest.fixture
def recorder() -> Iterator[Callable[[Callable[[bytes], bytes]], Recorder]]:
    made: list[Recorder] = []

    def start(answers: Callable[[bytes], bytes]) -> Recorder:
        made.append(Recorder(answers))
        return made[-1]

    yield start
    for one in made:
        one.server.close()


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Calls of httpx's ``Client.build_request`` and ``Cookies.extract_cookies`` (still run)."""
    calls = {"build_request": 0, "extract_cookies": 0}
    for owner, name in ((httpx.Client, "build_request"), (httpx.Cookies, "extract_cookies")):
        original = getattr(owner, name)

        def counting(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            calls[_name] += 1
            return _original(*args, **kw)

        monkeypatch.setattr(owner, name, counting)
    return calls


def normal(
    client: httpx.Client, method: str, url: str, auth: httpx.Auth | None = None, **given: Any
) -> httpx.Response:
    """What the callers did before the lane: build_request + send."""
    built = client.build_request(method, url, **given)
    return client.send(built, auth=auth or httpx.USE_CLIENT_DEFAULT)


CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "POST",
        "/v1/chat/completions",
        {
            "headers": {"authorization": "Bearer sk-x", "x-tag-owner": "team-a"},
            "json": {"model": "m", "messages": [{"content": "héllo ☃ 𝄞"}], "n": 1.5},
        },
    ),
    (
        "post",
        "/v1/chat",
        {
            "headers": {"ACCEPT": "application/json", "user-Agent": "tagsmoke/1", "x-a": "1"},
            "json": ["a", None, True],
        },
    ),
    (
        "POST",
        "/v1/chat",
        {"headers": {"content-type": "application/json; charset=utf-8"}, "json": {"a": 1}},
    ),
    ("POST", "/v1/empty", {"headers": {"x-b": "2"}}),  # no body: Content-Length: 0
    ("PUT", "/v1/put", {"headers": {}, "json": {}}),
    ("GET", "/logs/cid-1", {"headers": {}}),
    ("GET", "/logs?existing=1&x=%20y", {"headers": {"accept-encoding": "identity"}}),
    ("GET", "/logs?existing=1&ids=a%2Cb&n=2&q=%C3%A9", {"headers": {}}),
    ("GET", "/logs/é%2Fx?k=v", {"headers": {"Host": "gateway.test", "Connection": "close"}}),
    ("GET", "/logs", {"headers": {"x-dup": "1", "X-Dup": "2", "Accept": "*/*"}}),
    ("POST", "/logs/query", {"headers": {"x-k": "v"}, "json": {"ids": ["a"]}}),
]


@pytest.mark.parametrize(("method", "path", "given"), CASES)
def test_the_lane_writes_the_same_bytes_as_httpx_client(
    recorder: Callable[..., Recorder],
    client: httpx.Client,
    counted: dict[str, int],
    method: str,
    path: str,
    given: dict[str, Any],
) -> None:
    server = recorder(lambda raw: answer())
    before = normal(client, method, server.url + path, **given)
    assert counted["build_request"] == 1
    after = fast_lane.request(client, method, server.url + path, **given)
    assert counted == {"build_request": 1, "extract_cookies": 1}  # the lane was taken
    assert server.seen[0] == server.seen[1]
    assert (after.status_code, after.json(), after.request.url) == (200, {"ok": True}, before.url)
    assert after.request.extensions == before.request.extensions  # the client's timeout
    assert after.request.headers.raw == before.request.headers.raw


def test_basic_auth_is_applied_as_httpx_does(
    recorder: Callable[..., Recorder], client: httpx.Client, counted: dict[str, int]
) -> None:
    server = recorder(lambda raw: answer())
    auth = httpx.BasicAuth("reader", "pä55")
    normal(client, "GET", f"{server.url}/logs", headers={"x-a": "1"}, auth=auth)
    fast_lane.request(client, "GET", f"{server.url}/logs", headers={"x-a": "1"}, auth=auth)
    assert counted["build_request"] == 1
    assert server.seen[0] == server.seen[1]
    assert b"\r\nAuthorization: Basic " in server.seen[1]


def _both(client: httpx.Client, url: str) -> tuple[httpx.Response, httpx.Response]:
    return normal(client, "GET", url, headers={}), fast_lane.request(client, "GET", url, headers={})


def _same_answer(before: httpx.Response, after: httpx.Response) -> None:
    assert after.status_code == before.status_code
    assert after.headers.multi_items() == before.headers.multi_items()
    assert (after.content, after.text, after.encoding) == (
        before.content,
        before.text,
        before.encoding,
    )
    assert (after.http_version, after.reason_phrase) == (before.http_version, before.reason_phrase)
    assert after.request.url == before.request.url
    assert after.elapsed.total_seconds() >= 0  # set when the stream closed, as httpx does
    assert after.is_closed
    assert after.history == before.history == []


GZIPPED = gzip.compress('{"text": "gzipped é"}'.encode())
DEFLATED = zlib.compress(b'{"text": "deflated"}')
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
    b'5\r\n{"a":\r\n3\r\n 1}\r\n0\r\n\r\n'
)
LATIN = "caf\u00e9 cr\u00e8me".encode("latin-1")
ANSWERS: dict[str, bytes] = {
    "gzip": answer(body=GZIPPED, headers=(("Content-Encoding", "gzip"),)),
    "deflate": answer(body=DEFLATED, headers=(("Content-Encoding", "deflate"),)),
    "chunked": CHUNKED,
    "charset": answer(body=LATIN, headers=(("Content-Type", "text/plain; charset=iso-8859-1"),)),
    "early hints": b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n" + answer(),
    "repeated": answer(headers=(("X-Many", "1"), ("x-many", "2"))),
    "error": answer(503, b"busy", (("Retry-After", "1"),)),
}


@pytest.mark.parametrize("kind", sorted(ANSWERS))
def test_the_answer_is_the_same(
    recorder: Callable[..., Recorder], client: httpx.Client, counted: dict[str, int], kind: str
) -> None:
    server = recorder(lambda raw: ANSWERS[kind])
    before, after = _both(client, f"{server.url}/x")
    _same_answer(before, after)
    assert counted == {"build_request": 1, "extract_cookies": 1}  # the normal path's only


def test_a_redirect_is_offered_not_followed_as_httpx_does(
    recorder: Callable[..., Recorder], client: httpx.Client
) -> None:
    server = recorder(lambda raw: answer(302, b"", (("Location", "/elsewhere?a=1"),)))
    before, after = _both(client, f"{server.url}/x")
    _same_answer(before, after)
    assert before.next_request is not None
    assert after.next_request is not None
    assert after.next_request.url == before.next_request.url == f"{server.url}/elsewhere?a=1"
    assert len(server.seen) == 2


def test_a_set_cookie_is_kept_and_sent_with_the_next_request(
    recorder: Callable[..., Recorder], client: httpx.Client, counted: dict[str, int]
) -> None:
    def answers(raw: bytes) -> bytes:
        if b"/login" in raw.split(b"\r\n", 1)[0]:
            return answer(headers=(("Set-Cookie", "session=abc; Path=/"),))
        return answer()

    server = recorder(answers)
    fast_lane.request(client, "GET", f"{server.url}/first", headers={})
    fast_lane.request(client, "GET", f"{server.url}/login", headers={})
    assert counted == {"build_request": 0, "extract_cookies": 1}  # for the cookie only
    assert client.cookies["session"] == "abc"
    fast_lane.request(client, "GET", f"{server.url}/after", headers={})
    assert b"\r\nCookie: session=abc\r\n" in server.last()
    normal(client, "GET", f"{server.url}/after", headers={})
    assert server.seen[-1] == server.seen[-2]


def _refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/x"


def test_a_refused_connection_and_a_read_timeout_raise_the_same_exceptions(
    recorder: Callable[..., Recorder], client: httpx.Client, counted: dict[str, int]
) -> None:
    silent = threading.Event()

    def never(raw: bytes) -> bytes:
        silent.wait(5)
        return b""

    server = recorder(never)
    url = _refused_url()
    for attempt in (normal, fast_lane.request):
        with pytest.raises(httpx.ConnectError) as refused:
            attempt(client, "POST", url, headers={}, json={"a": 1})
        assert refused.value.request.url == url
        with pytest.raises(httpx.ReadTimeout) as late:
            attempt(client, "POST", f"{server.url}/slow", headers={}, json={"a": 1})
        assert late.value.request.url == f"{server.url}/slow"
    silent.set()
    assert counted["build_request"] == 2
    assert server.seen[0] == server.seen[1]


def test_send_and_its_retries_take_the_lane(
    recorder: Callable[..., Recorder],
    client: httpx.Client,
    counted: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    statuses = iter([503, 503, 200])
    server = recorder(lambda raw: answer(next(statuses), b'{"id": "x"}'))
    request = PreparedRequest("POST", f"{server.url}/v1", {"x-tag": "t"}, {"a": "é"}, "cid", {})
    sent = send(client, request, budget=5.0)
    assert (sent.status, sent.retry_count, sent.body) == (200, 2, {"id": "x"})
    assert counted["build_request"] == 0
    assert len(server.seen) == 3
    assert len(set(server.seen)) == 1


def test_the_log_store_takes_the_lane(
    recorder: Callable[..., Recorder], counted: dict[str, int]
) -> None:
    records = [{"correlation_id": cid, "tags": {"owner": "a"}} for cid in ("cid-1", "cid-2")]
    server = recorder(lambda raw: answer(body=json.dumps(records).encode()))
    runtime = Runtime(load_profile(REPO / "tagsmoke.yaml", {"TAGSMOKE_ENDPOINT": server.url}))
    try:
        runtime.client.get(f"{server.url}/warm")  # opens the client: httpx's own request
        for _ in range(3):
            assert set(runtime.store.fetch_many(["cid-1", "cid-2"])) == {"cid-1", "cid-2"}
    finally:
        runtime.close()
    assert counted["build_request"] == 1
    assert server.seen[1].startswith(b"GET /logs/records?ids=cid-1,cid-2 HTTP/1.1\r\nHost: ")


@pytest.mark.parametrize(
    "change",
    [
        "event hook",
        "client auth",
        "follow redirects",
        "client params",
        "https",
        "userinfo",
    ],
)
def test_what_the_lane_does_not_reproduce_takes_the_normal_path(
    recorder: Callable[..., Recorder], client: httpx.Client, counted: dict[str, int], change: str
) -> None:
    server = recorder(lambda raw: answer())
    client.get(f"{server.url}/warm")
    hooked: list[httpx.Request] = []
    url = f"{server.url}/x"
    if change == "event hook":
        client.event_hooks = {"request": [hooked.append]}
    elif change == "client auth":
        client.auth = httpx.BasicAuth("u", "p")
    elif change == "follow redirects":
        client.follow_redirects = True
    elif change == "client params":
        client.params = httpx.QueryParams({"p": "1"})
    elif change == "https":
        url = "https://127.0.0.1:1/x"
    else:
        url = url.replace("http://", "http://user:pw@")
    try:
        fast_lane.request(client, "GET", url, headers={})
    except httpx.ConnectError:
        assert change == "https"
    assert counted["build_request"] == 2
    assert len(hooked) == (change == "event hook")


def test_a_client_header_changed_later_is_sent_as_httpx_sends_it(
    recorder: Callable[..., Recorder], client: httpx.Client, counted: dict[str, int]
) -> None:
    server = recorder(lambda raw: answer())
    fast_lane.request(client, "GET", f"{server.url}/x", headers={"x-a": "1"})
    client.headers["X-Client"] = "1"
    client.headers["user-agent"] = "other"
    client.timeout = httpx.Timeout(0.2)
    normal(client, "GET", f"{server.url}/x", headers={"x-a": "1"})
    fast_lane.request(client, "GET", f"{server.url}/x", headers={"x-a": "1"})
    assert counted["build_request"] == 1
    assert server.seen[1] == server.seen[2] != server.seen[0]
    assert b"\r\nX-Client: 1\r\n" in server.seen[2]
    assert client.timeout.as_dict() == {"connect": 0.2, "read": 0.2, "write": 0.2, "pool": 0.2}
