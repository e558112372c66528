"""Edges of a run whose batch is sent in the background (review of the streaming change):
a second Ctrl-C while requests are in flight still leaves every sent request traceable; an
item sent outside the batch does not count its bucket across the batch's requests; an id
header that is present but empty names nothing. Stdlib gateways over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from tests.helpers import REPO, JsonHandler, read_records, serving, stdlib_log_record

TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}


def _write_project(pytester: pytest.Pytester, scenarios: str, profile_edit: Any = None) -> None:
    profile = (REPO / "tagsmoke.yaml").read_text()
    if profile_edit is not None:
        profile = profile_edit(profile)
    (pytester.path / "tagsmoke.yaml").write_text(profile)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text("scenarios:\n" + scenarios)


def _expanded(count: int, tags: dict[str, str] = TAGS) -> str:
    values = ", ".join(f"r{i}" for i in range(count))
    return (
        f"  - name: 'request {{n}}'\n    path: happy\n    tags: {json.dumps(tags)}\n"
        f"    expand: {{n: [{values}]}}\n"
    )


def _run_folder(pytester: pytest.Pytester) -> Any:
    (folder,) = (pytester.path / "tagsmoke-artifacts").iterdir()
    return folder


# -- a second Ctrl-C ---------------------------------------------------------------------------
class _SlowGateway(JsonHandler):
    """Notes each chat request as it arrives, answers it 3 s later; no record ever."""

    arrived: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        cid = self.headers["x-correlation-id"]
        self.arrived.append(cid)
        time.sleep(3.0)
        self._answer(200, {"id": cid, "choices": []})

    def do_GET(self) -> None:
        self._answer(404, {"error": "not yet"})


def test_a_second_ctrl_c_while_requests_are_in_flight_keeps_them_traceable(
    pytester: pytest.Pytester,
) -> None:
    handler: type[_SlowGateway] = type("Slow", (_SlowGateway,), {"arrived": []})
    _write_project(pytester, _expanded(6))
    with serving(handler) as url:
        run = subprocess.Popen(
            [sys.executable, "-m", "pytest", "--tagsmoke", f"--tagsmoke-endpoint={url}",
             "--tagsmoke-concurrency=2", "-p", "no:cacheprovider"],
            cwd=pytester.path, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while len(handler.arrived) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(handler.arrived) == 2, "the two requests in flight never came"
        run.send_signal(signal.SIGINT)  # the first: stop, wait for what is in flight
        time.sleep(0.8)
        run.send_signal(signal.SIGINT)  # the second, while they are still in flight
        output, _ = run.communicate(timeout=60)
    assert run.returncode == pytest.ExitCode.INTERRUPTED, output.decode()
    folder = _run_folder(pytester)
    unverified = [
        json.loads(line) for line in (folder / "unverified.jsonl").read_text().splitlines()
    ]
    assert sorted(r["correlation_id"] for r in unverified) == sorted(handler.arrived)
    assert json.loads((folder / "summary.json").read_text())["run"]["interrupted"] == 2


# -- an item outside the batch --------------------------------------------------------------
class _CountingGateway(JsonHandler):
    """Records every chat request at once; its bucket counter misses the use case
    ``uncounted`` (the defect the counter check is there to catch)."""

    records: dict[str, dict[str, Any]]
    lock: threading.Lock

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(0.05)
        cid = self.headers["x-correlation-id"]
        tags = {d: self.headers.get(f"x-tag-{d.replace('_', '-')}") for d in TAGS}
        with self.lock:
            self.records[cid] = stdlib_log_record(cid, tags)
        self._answer(200, {"id": cid, "choices": []})

    def do_GET(self) -> None:
        with self.lock:
            if self.path.endswith("/logs/buckets"):
                counts: dict[str, int] = {}
                for record in self.records.values():
                    if record["tags"]["use_case"] != "uncounted":
                        counts[record["bucket"]] = counts.get(record["bucket"], 0) + 1
                self._answer(200, counts)
                return
            ids = self.path.partition("ids=")[2].split(",")
            rows = [self.records[i] for i in ids if i in self.records]
        self._answer(200, rows)


def test_an_item_outside_the_batch_counts_its_bucket_alone(pytester: pytest.Pytester) -> None:
    """A skipif with a string condition keeps the item out of the batch (it is sent when it
    runs). Its two counter reads must not straddle the batch's untagged requests, or their
    growth would pass a counter that never counts it."""
    handler: type[_CountingGateway] = type(
        "Counting", (_CountingGateway,), {"records": {}, "lock": threading.Lock()}
    )
    untagged = {"environment": "staging", "use_case": "semantic-search"}
    scenarios = (
        "  - name: uncounted\n    path: error\n"
        "    tags: {environment: staging, use_case: uncounted}\n"
        "    expect: {status: 2xx, bucket: untagged, reason: missing_owner,"
        " untagged_count: increments}\n"
        f"  - name: 'other {{n}}'\n    path: error\n    tags: {json.dumps(untagged)}\n"
        "    expect: {status: 2xx, bucket: untagged, reason: missing_owner}\n"
        "    expand: {n: [a, b, c, d, e, f, g, h]}\n"
    )
    _write_project(pytester, scenarios)
    pytester.makeconftest(
        "import pytest\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        "        if 'uncounted' in item.nodeid:\n"
        "            item.add_marker(pytest.mark.skipif('False'))\n"
    )
    with serving(handler) as url:
        result = pytester.runpytest(
            "--tagsmoke", f"--tagsmoke-endpoint={url}", "--tagsmoke-concurrency=1"
        )
    result.assert_outcomes(passed=8, failed=1)
    (uncounted,) = [r for r in read_records(pytester.path) if r["scenario"] == "uncounted"]
    assert uncounted["untagged_bucket_incremented"] == "no"


# -- an empty id header ----------------------------------------------------------------------
class _EmptyIdGateway(JsonHandler):
    gets: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        data = b'{"choices": []}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-request-id", "")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.gets.append(self.path)
        self._answer(404, {"error": "not yet"})


def test_an_empty_id_header_is_no_id_a_setup_error_not_missing_trace(
    pytester: pytest.Pytester,
) -> None:
    handler: type[_EmptyIdGateway] = type("EmptyId", (_EmptyIdGateway,), {"gets": []})

    def by_header(profile: str) -> str:
        return profile.replace(
            "correlation_id:\n",
            "correlation_id:\n  source: response_header\n  response_header: x-request-id\n",
        ).replace("  timeout: 10\n", "  timeout: 2\n")

    _write_project(pytester, _expanded(4), by_header)
    with serving(handler) as url:
        result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={url}")
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(["*setup error*carries no x-request-id header*"])
    assert not [g for g in handler.gets if "/logs/records" in g]  # never asked for ""
    records = read_records(pytester.path)
    assert len(records) == 4
    assert all(r["failure_reason"] != "missing_trace" for r in records)
    assert not (_run_folder(pytester) / "unverified.jsonl").exists()


# -- -x while a request is in flight ---------------------------------------------------------
class _InFlightGateway(JsonHandler):
    """Records at once, except use case ``hidden`` (never shown); a ``slow`` request is
    answered 3 s after it came. Notes when the slow one came and every log read."""

    records: dict[str, dict[str, Any]]
    reads: list[float]
    slow_came: list[float]
    lock: threading.Lock

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        cid = self.headers["x-correlation-id"]
        tags = {d: self.headers.get(f"x-tag-{d.replace('_', '-')}") for d in TAGS}
        if tags["use_case"] == "slow":
            self.slow_came.append(time.monotonic())
            time.sleep(3.0)
        with self.lock:
            if tags["use_case"] != "hidden":
                self.records[cid] = stdlib_log_record(cid, tags)
        self._answer(200, {"id": cid, "choices": []})

    def do_GET(self) -> None:
        with self.lock:
            self.reads.append(time.monotonic())
            ids = self.path.partition("ids=")[2].split(",")
            rows = [self.records[i] for i in ids if i in self.records]
        self._answer(200, rows)


def test_exitfirst_stops_the_polling_while_a_request_is_still_in_flight(
    pytester: pytest.Pytester,
) -> None:
    """The first scenario fails at once (-x); a request then in flight takes 3 s more,
    and another's record never comes: nothing is asked of the log store meanwhile."""
    handler: type[_InFlightGateway] = type(
        "InFlight",
        (_InFlightGateway,),
        {"records": {}, "reads": [], "slow_came": [], "lock": threading.Lock()},
    )
    failing = {"environment": "staging", "use_case": "semantic-search"}  # no owner
    scenarios = "".join(
        f"  - name: {name}\n    path: happy\n    tags: {json.dumps(tags)}\n"
        for name, tags in (
            ("fails", failing),
            ("hidden", {**TAGS, "use_case": "hidden"}),
            ("slow", {**TAGS, "use_case": "slow"}),
        )
    )
    _write_project(pytester, scenarios)
    with serving(handler) as url:
        result = pytester.runpytest(
            "--tagsmoke", f"--tagsmoke-endpoint={url}", "--tagsmoke-concurrency=1", "-x"
        )
    result.assert_outcomes(failed=1)
    (came,) = handler.slow_came
    # Stopped well before (the first record is found within a poll tick or two): a read
    # from 1 s after the slow request came would be a poll tick of a stopped run.
    assert [t - came for t in handler.reads if came + 1.0 <= t <= came + 3.0] == []
