"""Guards for two behaviours whose breakage no other test noticed.

- A credential that only the scrubbing step keeps out of the output: a gateway that logs the
  full request target (query string and its ``api_key`` included) into a record field the
  profile maps. A failing scenario prints what the record held.
- The shared counter check: scenarios that expect the same bucket are counted between the
  same two reads, so the bucket must grow by one per scenario, not by one in all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.reference import ReferenceGateway

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CANARY = "sk-canary-0d9e4c7a2b6f8135"  # the gateway key in the endpoint's query string
CREDENTIAL = "sk-canary-credential-7b31e2"


class _AccessLogGateway(ThreadingHTTPServer):
    """A gateway that answers every POST and appends an access-log record to a JSONL file:
    the request target as received (query string included), and the ``x-tag-*`` headers
    except ``x-tag-environment`` (a deploy stopped forwarding it)."""

    daemon_threads = True

    def __init__(self, log: Path) -> None:
        super().__init__(("127.0.0.1", 0), _AccessLogHandler)
        self.log = log
        self.lock = threading.Lock()
        self.written = 0


class _AccessLogHandler(BaseHTTPRequestHandler):
    server: _AccessLogGateway

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        tags = {
            name[len("x-tag-") :].replace("-", "_"): value
            for name, value in self.headers.items()
            if name.lower().startswith("x-tag-") and name.lower() != "x-tag-environment"
        }
        with self.server.lock:
            self.server.written += 1
            record = {
                "id": f"access:{self.server.written}",
                "correlation_id": self.headers.get("x-correlation-id"),
                "received_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "request_target": self.path,
                "tags": tags,
            }
            with self.server.log.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(record) + "\n")
        body = b'{"id": "ok"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the record file is the log."""


@pytest.fixture
def access_log_gateway(tmp_path: Path) -> Iterator[_AccessLogGateway]:
    server = _AccessLogGateway(tmp_path / "access.jsonl")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_credential_the_gateway_logged_is_scrubbed_from_a_failure(
    pytester: pytest.Pytester,
    access_log_gateway: _AccessLogGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_KEY", CANARY)
    monkeypatch.setenv("TAGSMOKE_API_KEY", CREDENTIAL)
    port = access_log_gateway.server_address[1]
    pytester.makefile(
        ".yaml",
        tagsmoke=f"""\
endpoint: "http://127.0.0.1:{port}/gw?api_key=${{GATEWAY_KEY}}"
credential: ${{TAGSMOKE_API_KEY}}
log_store:
  kind: jsonl
  path: {access_log_gateway.log}
  fields:
    owner: tags.owner
    environment: tags.environment
    use_case: tags.use_case
    timestamp: received_at
    source_record: id
    request_target: request_target
poll: {{timeout: 5, interval: 0.05, max_interval: 0.2}}
preset: reference
""",
    )
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "chat.yaml").write_text(
        "request: {method: POST, path: /v1/chat/completions, json: {model: m}}\n"
        "scenarios:\n"
        "  - name: tagged by header is attributed\n"
        "    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: search}\n"
    )
    result = pytester.runpytest("--tagsmoke", "--junitxml=junit.xml", "-rA")
    result.assert_outcomes(failed=1)
    # The failure names the record's fields, the logged request target included: the key
    # it carried is shown redacted, not left out.
    result.stdout.fnmatch_lines(
        ["*missing_environment*", "*request_target = '/gw/v1/chat/completions?api_key=***'*"]
    )
    shown = [
        result.stdout.str(),
        result.stderr.str(),
        (pytester.path / "junit.xml").read_text(),
        *(p.read_text() for p in (pytester.path / "tagsmoke-artifacts").rglob("*") if p.is_file()),
    ]
    assert CANARY in access_log_gateway.log.read_text()  # the gateway did log it
    assert not [text for text in shown if CANARY in text or CREDENTIAL in text]


def _sql_log_store(project: Path, db: Path, counts_query: str) -> None:
    """The demo profile, reading the reference gateway's SQLite log directly."""
    profile = project / "tagsmoke.yaml"
    block = (
        f"log_store:\n  kind: sql\n  url: sqlite:///{db}\n"
        "  query: SELECT * FROM request_log WHERE correlation_id IN (:correlation_ids)\n"
        "  id_field: correlation_id\n"
        f"  counts_query: {counts_query}\n"
        "  fields:\n"
        "    owner: {path: tags, decode: json, then: owner}\n"
        "    environment: {path: tags, decode: json, then: environment}\n"
        "    use_case: {path: tags, decode: json, then: use_case}\n"
        "    bucket: bucket\n"
        "    timestamp: received_at\n"
        "    source_record: id\n"
    )
    profile.write_text(re.sub(r"log_store:\n(  .*\n)+", block, profile.read_text()))


def test_a_bucket_shared_by_three_scenarios_must_grow_by_three(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    """The demo has three scenarios that expect the untagged bucket to grow. This store's
    counter never counts a request that carries no tag at all, so the bucket grows by two:
    the one scenario whose request was not counted cannot pass, and since the three share
    the same two reads, none of them can tell it was not theirs."""
    db = tmp_path / "log.sqlite"
    _sql_log_store(
        demo.path,
        db,
        "SELECT bucket, COUNT(*) AS n FROM request_log WHERE tags <> '{}' GROUP BY bucket",
    )
    with ReferenceGateway(db, ingest_delay=0.1) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-rA")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*untagged_not_isolated: the untagged counter did not go up enough (0 before, "
            "2 after; 3 scenarios of the run expect it, so it should have grown by at least 3)*"
        ]
    )
    failed = re.findall(r"^FAILED \S+::(.+?)(?: - .*)?$", result.stdout.str(), re.M)
    assert sorted(failed) == [
        "missing-environment-lands-in-the-untagged-bucket",
        "missing-owner-lands-in-the-untagged-bucket",
        "no-tags-at-all-lands-in-the-untagged-bucket",
    ]


def test_the_same_counter_passes_when_it_counts_every_request(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    """The control: the same store and scenarios with a counter that counts every record."""
    db = tmp_path / "log.sqlite"
    _sql_log_store(demo.path, db, "SELECT bucket, COUNT(*) AS n FROM request_log GROUP BY bucket")
    with ReferenceGateway(db, ingest_delay=0.1) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
