"""Shared test helpers: plain constants and functions, no fixtures (those live in conftest.py).

Test modules import from here, never from ``tests.conftest`` or from one another.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke.files.scenario import Expectation, RequestSpec, Scenario
from pytest_tagsmoke.policy.tag_policy import Classification, expected_classification
from pytest_tagsmoke.sending.request import PreparedRequest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from io import BufferedReader

    import pytest

    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.policy.tag_policy import TagPolicy

REPO = Path(__file__).resolve().parents[1]
# Written out here, not imported from pytest_tagsmoke.records.smoke_record: the tests check the
# binding contract (the seed's nine fields), not the code against itself.
SEED_FIELDS = (
    "audit_date",
    "service_owner",
    "environment_value",
    "request_class",
    "correlation_id",
    "source_record",
    "result",
    "failure_reason",
    "follow_up_owner",
)
#: A canary credential, used everywhere a secret can go; it must appear nowhere readable.
CANARY = "sk-canary-5f2b9d71e0c84a36"


def read_records(root: Path) -> list[dict[str, Any]]:
    """Every smoke record written under ``root``'s default artifact folder."""
    files = sorted((root / "tagsmoke-artifacts").glob("*/records.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def stdlib_log_record(cid: str, tags: dict[str, str | None]) -> dict[str, Any]:
    """The log record the tests' stdlib gateways keep for a chat request: its tags, its
    bucket (attributed when every tag came), a receipt time and a source reference."""
    return {
        "correlation_id": cid,
        "tags": tags,
        "bucket": "attributed" if all(tags.values()) else "untagged",
        "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source_record": f"stdlib:{cid}",
    }


def artifact_text(root: Path) -> str:
    return "\n".join(p.read_text() for p in (root / "tagsmoke-artifacts").rglob("*") if p.is_file())


def everything_readable(pytester: pytest.Pytester, results: list[pytest.RunResult]) -> str:
    """All a person or CI system can read after ``results``: output, JUnit XML, artifacts."""
    texts = [line for r in results for line in (*r.outlines, *r.errlines)]
    texts += [p.read_text() for p in pytester.path.glob("*.xml")]
    if (pytester.path / "tagsmoke-artifacts").exists():
        texts.append(artifact_text(pytester.path))
    return "\n".join(texts)


def write_many_scenarios(pytester: pytest.Pytester, count: int) -> None:
    """``scenarios/many.yaml``: one happy scenario expanded ``count`` times."""
    values = ", ".join(f"s{i:04d}" for i in range(count))
    (pytester.path / "scenarios" / "many.yaml").write_text(
        "scenarios:\n"
        "  - name: 'request {n} is attributed'\n"
        "    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: 'case-{n}'}\n"
        f"    expand: {{n: [{values}]}}\n"
    )


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """``levels`` levels of ``width`` aliases each (9 x 9 expands to 9**9 values)."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


#: Price and currency amounts the pricing guard must catch (tests of the guard and its speed).
AMOUNTS = [
    "$0.02",
    "0.02 USD",
    "€1,20",
    "1,20 €",
    "response_cost: 0.0001",
    '"response_cost": 0.0001',
    "USD 3",
    "12 dollars",
    "spend=12",
    "fee: 3",
    "costUSD: 0.1",
    "amount_eur: 7",
    "price: '$3'",
    '{"total_cost": "\\u20ac1,20"}',  # as json.dumps writes a euro sign
]


def scenario(
    flow: Literal["happy", "error"] = "happy",
    tags: Mapping[str, str] | None = None,
    *,
    request_class: str = "chat",
    **expect: Any,
) -> Scenario:
    """A scenario on plain values (file ``s.yaml``, line 1); ``expect`` its expectations."""
    return Scenario(
        name="s",
        id="s",
        flow=flow,
        file=Path("s.yaml"),
        line=1,
        request_class=request_class,
        tags={} if tags is None else tags,
        request=RequestSpec(),
        expect=Expectation(**expect),
    )


URL = "http://127.0.0.1:9/v1/chat/completions"
NO_REQUEST = PreparedRequest("POST", URL, {}, {}, "cid-1", {})


@dataclass(frozen=True)
class Sent:
    """A scenario's outcome as plain values (what ``sending.batch.Dispatch`` holds after a run):
    the input of ``judge`` and ``build_smoke_record`` in unit tests."""

    scenario: Scenario
    expected: Classification
    status: int | None
    record: LogRecord | None = None
    counts_before: Mapping[str, int] | None = None
    counts_after: Mapping[str, int] | None = None
    response_text: str = ""
    sharing: int = 1
    attempts: int = 1
    looked_up: bool = True
    request: PreparedRequest = NO_REQUEST
    retry_count: int = 0
    lookup_id: str | None = None
    setup_problem: str | None = None
    error: str | None = None


def sent(
    scenario: Scenario,
    policy: TagPolicy,
    status: int | None,
    record: LogRecord | None = None,
    counts_before: Mapping[str, int] | None = None,
    counts_after: Mapping[str, int] | None = None,
    response_text: str = "",
    sharing: int = 1,
    attempts: int = 1,
    looked_up: bool = True,
    **rest: Any,
) -> Sent:
    """``scenario``'s outcome, its expected classification worked out by ``policy``."""
    expect = scenario.expect
    expected = expected_classification(scenario.tags, policy, expect.bucket, expect.reason)
    attached = {dimension: f"header x-tag-{dimension}" for dimension in scenario.tags}
    rest.setdefault("request", PreparedRequest("POST", URL, {}, {}, "cid-1", attached))
    return Sent(
        scenario,
        expected,
        status,
        record,
        counts_before,
        counts_after,
        response_text,
        sharing,
        attempts,
        looked_up,
        **rest,
    )


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet stdlib request handler that answers JSON: the base of the tests' small
    gateways (state on the class: a handler instance serves one connection)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, document: Any) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on 127.0.0.1 (a free port) in a daemon thread; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class RawServer:
    """A TCP server on 127.0.0.1 running ``handler`` for each connection, in a thread each;
    it notes the request lines it read and the connections it accepted."""

    def __init__(self, handler: Callable[[socket.socket, BufferedReader, RawServer], None]):
        self.handler = handler
        self.requests: list[str] = []
        self.connections = 0
        self.closed_by_client = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with sock, sock.makefile("rb") as reader, contextlib.suppress(OSError):
            self.handler(sock, reader, self)

    def note(self, request_line: str) -> None:
        with self.lock:
            self.requests.append(request_line)

    def close(self) -> None:
        self.listener.close()
