"""The run's plain-HTTP transport over real sockets: what httpcore did, it does.

Servers here are raw TCP on 127.0.0.1 so that each test can answer exactly what it needs
(close while idle, drop mid-answer, a HEAD's length without a body, repeated headers).
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.logstore import LogStoreError
from pytest_tagsmoke.sending.batch import Runtime
from pytest_tagsmoke.sending.deferred_transport import DeferredTransport
from pytest_tagsmoke.sending.plain_http import PlainHttpTransport
from pytest_tagsmoke.sending.request import PreparedRequest, SendError, send
from tests.helpers import REPO, RawServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from io import BufferedReader

    from pytest_tagsmoke.reference import ReferenceGateway

SECRET = "sk-plain-secret-4242"


def read_request(reader: BufferedReader) -> tuple[str, dict[str, str], bytes] | None:
    """The next request on a connection: (request line, headers, body); None at EOF."""
    line = reader.readline()
    if not line:
        return None
    headers: dict[str, str] = {}
    while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return line.decode("latin-1").strip(), headers, body


def take_request(reader: BufferedReader, server: RawServer) -> str:
    """Read the connection's next request and note it; its request line."""
    request = read_request(reader)
    assert request is not None
    server.note(request[0])
    return request[0]


def answer(
    status: int = 200, body: bytes = b"{}", headers: tuple[tuple[str, str], ...] = ()
) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def keep_alive(answers: Callable[[str], bytes]) -> Callable[..., None]:
    """A handler answering every request on the connection with ``answers(request line)``."""

    def handle(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        while (request := read_request(reader)) is not None:
            server.note(request[0])
            sock.sendall(answers(request[0]))
        with server.lock:
            server.closed_by_client += 1

    return handle


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[..., None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Callable[..., None]) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _post(url: str) -> PreparedRequest:
    headers = {"authorization": f"Bearer {SECRET}", "x-correlation-id": "cid-1"}
    return PreparedRequest("POST", f"{url}/v1/chat?key={SECRET}", headers, {"a": 1}, "cid-1", {})


def test_the_runs_client_sends_plain_http_through_it_and_https_through_httpx() -> None:
    runtime = Runtime(load_profile(REPO / "tagsmoke.yaml", {"TAGSMOKE_ENDPOINT": "http://x"}))
    try:
        route = runtime.client._transport_for_url
        assert isinstance(route(httpx.URL("http://gateway:4000/v1")), PlainHttpTransport)
        https = route(httpx.URL("https://gateway/v1"))
        assert isinstance(https, DeferredTransport)
        assert https.made is None  # httpcore's transport: made at the first https request
        # nothing listens on port 1: httpx's own exception, through httpcore's transport
        with pytest.raises(httpx.ConnectError):
            runtime.client.get("https://127.0.0.1:1/v1")
        assert isinstance(https.made, httpx.HTTPTransport)
    finally:
        runtime.close()


def test_a_plain_http_run_never_imports_httpcore(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    """httpcore and h11 (~16-22 ms of start-up) are imported only for https."""
    demo.makeconftest(
        "import sys\n"
        "def pytest_unconfigure(config):\n"
        "    print('httpcore imported:', 'httpcore' in sys.modules, 'h11' in sys.modules)\n"
    )
    result = demo.runpytest_subprocess("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["httpcore imported: False False"])


def test_no_proxy_from_the_environment_as_before(
    serve: Callable[..., RawServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's client is given a transport, so httpx reads no proxy from the environment
    (``trust_env`` applies to proxies only without one): the plain mount keeps it so."""
    origin = serve(keep_alive(lambda line: answer(body=b'"origin"')))
    proxy = serve(keep_alive(lambda line: answer(body=b'"proxy"')))
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    runtime = Runtime(load_profile(REPO / "tagsmoke.yaml", {"TAGSMOKE_ENDPOINT": origin.url}))
    try:
        assert runtime.client.get(f"{origin.url}/logs").json() == "origin"
    finally:
        runtime.close()
    assert (len(origin.requests), proxy.requests) == (1, [])


def test_a_connection_closed_while_idle_is_replaced_without_a_second_post(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    closed = threading.Event()

    def one_answer_then_close(
        sock: socket.socket, reader: BufferedReader, server: RawServer
    ) -> None:
        take_request(reader, server)
        sock.sendall(answer())  # kept alive as far as the client knows
        sock.shutdown(socket.SHUT_RDWR)
        closed.set()

    server = serve(one_answer_then_close)
    assert send(client, _post(server.url)).status == 200
    assert closed.wait(5)
    time.sleep(0.05)  # the FIN reaches the client's socket
    sent = send(client, _post(server.url))
    assert (sent.status, sent.retry_count) == (200, 0)
    assert (len(server.requests), server.connections) == (2, 2)


def test_a_kept_alive_connection_is_reused(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    server = serve(keep_alive(lambda line: answer()))
    for _ in range(3):
        assert send(client, _post(server.url)).status == 200
    assert (len(server.requests), server.connections) == (3, 1)


def test_a_refused_connection_is_retried_and_named_without_secrets(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SendError) as raised:
        send(client, _post(f"http://127.0.0.1:{port}"))
    assert raised.value.retry_count == 2
    assert str(raised.value).startswith("ConnectError: ")
    assert SECRET not in str(raised.value)


def test_a_connect_timeout_is_a_connect_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    waiting = []
    try:
        port = listener.getsockname()[1]
        for _ in range(4):  # fill the accept queue: a new SYN is dropped, not refused
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            waiting.append(filler)
        time.sleep(0.1)
        with (
            httpx.Client(
                timeout=httpx.Timeout(5.0, connect=0.3), mounts={"http://": PlainHttpTransport()}
            ) as short,
            pytest.raises(httpx.ConnectTimeout),
        ):
            short.get(f"http://127.0.0.1:{port}/?key={SECRET}")
    finally:
        for filler in waiting:
            filler.close()
        listener.close()


def test_a_read_timeout_is_not_sent_again(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    def silent(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        take_request(reader, server)
        time.sleep(1.5)

    server = serve(silent)
    with pytest.raises(SendError) as raised:
        send(client, _post(server.url))
    assert "ReadTimeout" in str(raised.value)
    assert "not re-sent" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert len(server.requests) == 1


CHUNKED = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    "sent_first",
    [b"", b'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"a":', CHUNKED + b'5\r\n{"a":'],
    ids=["no-answer", "cut-body", "cut-chunks"],
)
def test_a_connection_dropped_mid_answer_is_not_sent_again(
    serve: Callable[..., RawServer], client: httpx.Client, sent_first: bytes
) -> None:
    def drop(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        take_request(reader, server)
        sock.sendall(sent_first)

    server = serve(drop)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(f"{server.url}/v1", json={})
    with pytest.raises(SendError) as raised:
        send(client, _post(server.url))
    assert "not re-sent" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert len(server.requests) == 2


def test_chunked_length_and_close_answers(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    def answers(line: str) -> bytes:
        if "chunked" in line:
            return CHUNKED + b"3\r\n[1,\r\n2\r\n2]\r\n0\r\n\r\n"
        if "close" in line:
            return answer(body=b'"bye"', headers=(("connection", "close"),))
        return answer(body=b'"length"')

    def handle(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        while (request := read_request(reader)) is not None:
            server.note(request[0])
            sock.sendall(answers(request[0]))
            if "close" in request[0]:
                return

    server = serve(handle)
    assert client.get(f"{server.url}/chunked").json() == [1, 2]
    assert client.get(f"{server.url}/length").json() == "length"
    assert client.get(f"{server.url}/close").json() == "bye"
    assert client.get(f"{server.url}/length").json() == "length"
    assert server.connections == 2  # one kept for three answers, a new one after the close


def test_no_body_answers_keep_the_connection_in_step(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    def answers(line: str) -> bytes:
        if line.startswith("HEAD"):  # the length of the body a GET would have had
            return b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n"
        if "/204-chunked" in line:  # no body can follow, whatever the header says
            return b"HTTP/1.1 204 No Content\r\ntransfer-encoding: chunked\r\n\r\n"
        if "/204" in line:
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if "/304" in line:
            return b"HTTP/1.1 304 Not Modified\r\netag: x\r\n\r\n"
        return answer(body=b'"after"')

    server = serve(keep_alive(answers))
    head = client.head(f"{server.url}/x")
    assert (head.status_code, head.headers["content-length"], head.content) == (200, "50", b"")
    assert (
        client.get(f"{server.url}/204").status_code,
        client.get(f"{server.url}/304").status_code,
        client.get(f"{server.url}/204-chunked").status_code,  # not a read timeout
    ) == (204, 304, 204)
    assert client.get(f"{server.url}/x").json() == "after"
    assert server.connections == 1


def test_repeated_headers_and_redirects_not_followed(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    headers = (("x-tag", "a"), ("x-tag", "b"), ("location", "/elsewhere"))
    server = serve(keep_alive(lambda line: answer(302, b"", headers)))
    response = client.get(f"{server.url}/moved")
    assert response.status_code == 302
    assert response.headers.get_list("x-tag") == ["a", "b"]
    assert server.requests == ["GET /moved HTTP/1.1"]


def test_an_early_error_answer_is_read_though_the_body_was_not(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    def refuse_large(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        line = reader.readline()
        server.note(line.decode().strip())
        sock.sendall(answer(413, b'"too large"', (("connection", "close"),)))
        sock.shutdown(socket.SHUT_WR)
        time.sleep(0.2)

    server = serve(refuse_large)
    response = client.post(f"{server.url}/v1", content=b"x" * 20_000_000)
    assert (response.status_code, response.json()) == (413, "too large")


def test_an_answer_not_read_to_its_end_does_not_put_the_connection_out_of_step(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    server = serve(keep_alive(lambda line: answer(body=b"[" + b"1," * 100_000 + b"1]")))
    with client.stream("GET", f"{server.url}/big") as response:
        first = next(response.iter_bytes())
    assert first.startswith(b"[1,")
    assert len(client.get(f"{server.url}/big").json()) == 100_001
    assert server.connections == 2


def test_a_streamed_request_body_goes_through_httpx(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    def chunked_echo(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        line = reader.readline().decode().strip()
        server.note(line)
        while reader.readline() not in (b"\r\n", b""):
            pass
        body = b""
        while (size := int(reader.readline(), 16)) > 0:
            body += reader.read(size)
            reader.readline()
        reader.readline()
        sock.sendall(answer(body=body))

    server = serve(chunked_echo)
    response = client.post(f"{server.url}/v1", content=iter([b'{"a"', b": 1}"]))
    assert response.json() == {"a": 1}


def test_threads_share_the_transport_and_close_ends_every_connection(
    serve: Callable[..., RawServer],
) -> None:
    server = serve(keep_alive(lambda line: answer(body=line.split()[1].encode()[1:])))
    transport = PlainHttpTransport()
    client = httpx.Client(timeout=5.0, mounts={"http://": transport})

    def work(worker: int) -> list[int]:
        return [client.get(f"{server.url}/{worker * 1000 + i}").json() for i in range(40)]

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(work, range(16)))
    assert results == [[w * 1000 + i for i in range(40)] for w in range(16)]
    assert server.connections <= 16
    client.close()
    deadline = time.monotonic() + 5
    while server.closed_by_client < server.connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.closed_by_client == server.connections


def test_connection_close_is_honoured_though_the_server_keeps_the_socket_open(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    def close_but_linger(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        take_request(reader, server)
        sock.sendall(answer(body=b'"once"', headers=(("connection", "close"),)))
        time.sleep(1.0)  # a request written on this socket now would time out

    server = serve(close_but_linger)
    assert [client.get(f"{server.url}/{i}").json() for i in range(2)] == ["once", "once"]
    assert server.connections == 2


def test_a_header_with_a_line_break_is_refused_before_it_is_written(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    server = serve(keep_alive(lambda line: answer()))
    with pytest.raises(httpx.LocalProtocolError):
        client.get(f"{server.url}/x", headers={"x-tag": "a\r\nx-injected: 1"})
    assert client.get(f"{server.url}/y").status_code == 200
    assert server.requests == ["GET /y HTTP/1.1"]


def test_one_off_threads_share_one_kept_alive_connection(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    """A serial run sends each scenario from a new thread: no socket is left behind per
    thread, and the next thread reuses the one kept alive."""
    server = serve(keep_alive(lambda line: answer()))
    for _ in range(20):
        thread = threading.Thread(target=client.get, args=(f"{server.url}/x",))
        thread.start()
        thread.join()
    assert (len(server.requests), server.connections) == (20, 1)


def test_a_huge_store_answer_is_cut_off_while_it_streams(serve: Callable[..., RawServer]) -> None:
    """The run's store reads through this transport: ``max_answer_bytes`` stops the read
    early (the server is left with most of a 1 GB chunked answer unsent)."""
    sent = [0]

    def endless(sock: socket.socket, reader: BufferedReader, server: RawServer) -> None:
        take_request(reader, server)
        sock.sendall(CHUNKED)
        piece = b"10000\r\n" + b"[" * 0x10000 + b"\r\n"
        for _ in range(16_384):  # 1 GiB
            sock.sendall(piece)
            sent[0] += 0x10000

    server = serve(endless)
    runtime = Runtime(load_profile(REPO / "tagsmoke.yaml", {"TAGSMOKE_ENDPOINT": server.url}))
    try:
        with pytest.raises(LogStoreError, match=r"log_store\.max_answer_bytes"):
            runtime.store.fetch_many(["cid-1"])
    finally:
        runtime.close()
    assert server.requests == ["GET /logs/records?ids=cid-1 HTTP/1.1"]
    assert sent[0] < 200 * 2**20


def test_an_informational_answer_is_skipped(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
    server = serve(keep_alive(lambda line: early + answer(body=b'"final"')))
    for _ in range(2):
        response = client.get(f"{server.url}/x")
        assert (response.status_code, response.json()) == (200, "final")
    assert server.connections == 1


def test_an_answer_with_more_than_100_headers_is_a_protocol_error_named_without_secrets(
    serve: Callable[..., RawServer], client: httpx.Client
) -> None:
    """The one documented difference from httpcore (plain_http's docstring): http.client's
    limit of 100 header lines. A POST is written by then: it is not sent again."""
    many = tuple((f"x-h{i}", "v") for i in range(101))
    server = serve(keep_alive(lambda line: answer(headers=many)))
    with pytest.raises(SendError) as raised:
        send(client, _post(server.url), budget=2.0)
    assert "not re-sent" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert len(server.requests) == 1
