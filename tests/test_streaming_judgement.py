"""Items are judged as their records arrive: the batch is sent and polled in a background
thread while pytest runs the items, each waiting only for its own outcome.

A stdlib gateway over real HTTP that holds records back until the pytester conftest's
``pytest_runtest_logreport`` hook tells it an item was reported: a run whose items waited for
every record would hit the poll deadline instead (docs/architecture.md, the flow).
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.helpers import REPO, JsonHandler, read_records, serving, stdlib_log_record

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Requests go out in the items' order: the first posted is the first item's.
ONE_AT_A_TIME = ("--tagsmoke-concurrency=1",)
TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}


class _Gateway(JsonHandler):
    """Answers chat requests; shows a record once ``released`` (the first one at once,
    ``lagged`` ones ``lag`` seconds after the release); notes every step in ``events``."""

    events: list[tuple[str, str]]  # ("post" | "found" | "counts" | "reported", id), in order
    records: dict[str, dict[str, Any]]
    posted: list[str]
    released: float | None  # time.monotonic() of the first report
    lagged: set[str]  # scenario names whose records come ``lag`` s after the release
    lag: float
    post_delay: float
    drop_owner_of_first: bool
    hold_from: int | None  # a GET for the record of this post or later waits for the release
    show_after: int  # no record shows before this many requests were posted
    lock: threading.Lock

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        url = urlparse(self.path)
        if url.path == "/reported":
            with self.lock:
                self.events.append(("reported", parse_qs(url.query)["id"][0]))
                if self.released is None:  # on the class: a handler serves one connection
                    type(self).released = time.monotonic()
            self._answer(200, {})
            return
        time.sleep(self.post_delay)
        cid = self.headers["x-correlation-id"]
        tags = {d: self.headers.get(f"x-tag-{d.replace('_', '-')}") for d in TAGS}
        with self.lock:
            if not self.posted and self.drop_owner_of_first:
                tags["owner"] = None
            self.posted.append(cid)
            self.events.append(("post", cid))
            self.records[cid] = {
                **stdlib_log_record(cid, tags),
                "lagged": tags["use_case"] in self.lagged,
            }
        self._answer(200, {"id": cid, "choices": []})

    def do_GET(self) -> None:
        if self.path.endswith("/logs/buckets"):
            with self.lock:
                self.events.append(("counts", ""))
                counts: dict[str, int] = {}
                for bucket in (r["bucket"] for r in self.records.values()):
                    counts[bucket] = counts.get(bucket, 0) + 1
            self._answer(200, counts)
            return
        cid = self.path.rsplit("/", 1)[-1]
        self._hold(cid)
        with self.lock:
            record: dict[str, Any] | None = self.records.get(cid)
            if record is not None and (
                len(self.posted) < self.show_after or not self._visible(cid, record)
            ):
                record = None
            if record is not None:
                self.events.append(("found", cid))
        self._answer(200, record) if record else self._answer(404, {"error": "not yet"})

    def _hold(self, cid: str) -> None:
        """A GET for a held record waits for the first report (at most 2 s)."""
        if self.hold_from is None or cid not in self.posted[self.hold_from :]:
            return
        deadline = time.monotonic() + 2.0
        while self.released is None and time.monotonic() < deadline:
            time.sleep(0.01)

    def _visible(self, cid: str, record: dict[str, Any]) -> bool:
        if self.posted and cid == self.posted[0]:
            return True
        if self.released is None:
            return False
        return not record["lagged"] or time.monotonic() - self.released >= self.lag


@pytest.fixture
def gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler = type(
        "Handler",
        (_Gateway,),
        {
            "events": [],
            "records": {},
            "posted": [],
            "released": None,
            "lagged": set(),
            "lag": 0.0,
            "post_delay": 0.0,
            "drop_owner_of_first": False,
            "hold_from": None,
            "show_after": 0,
            "lock": threading.Lock(),
        },
    )
    with serving(handler) as url:
        yield url, handler


def _project(
    pytester: pytest.Pytester, url: str, scenarios: list[str], hook_extra: str = ""
) -> None:
    """The demo profile on ``url`` (one record per GET, counts at /logs/buckets, a 4 s
    deadline), ``scenarios`` (YAML list items), and a conftest whose report hook tells the
    gateway each item's report (``hook_extra`` runs after it)."""
    profile = (REPO / "tagsmoke.yaml").read_text()
    profile = profile.replace(
        "{endpoint}/logs/records?ids={correlation_ids}", "{endpoint}/logs/records/{correlation_id}"
    )
    profile = re.sub(r"\n  id_field:[^\n]*", "", profile)
    profile = profile.replace("  timeout: 10\n", "  timeout: 4\n")
    (pytester.path / "tagsmoke.yaml").write_text(profile)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text("scenarios:\n" + "".join(scenarios))
    pytester.makeconftest(
        "import urllib.parse, urllib.request\n"
        "def pytest_runtest_logreport(report):\n"
        "    if report.when == 'call' or report.failed:\n"
        "        query = urllib.parse.urlencode({'id': report.nodeid})\n"
        f"        urllib.request.urlopen('{url}/reported?' + query, data=b'').read()\n"
        f"{hook_extra}"
    )


def _tagged(name: str, use_case: str = "semantic-search") -> str:
    tags = {**TAGS, "use_case": use_case}
    return f"  - name: {name}\n    path: happy\n    tags: {json.dumps(tags)}\n"


def _many(count: int) -> list[str]:
    return [_tagged(f"request {n}") for n in range(count)]


def _unverified(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    (folder,) = (pytester.path / "tagsmoke-artifacts").iterdir()
    path = folder / "unverified.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_first_item_is_judged_before_the_later_records_exist(
    pytester: pytest.Pytester, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    _project(pytester, url, _many(6))
    result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={url}", *ONE_AT_A_TIME)
    # Waiting for every record before the first item ran, the run would reach the 4 s
    # deadline with five records held back: five missing_trace failures.
    result.assert_outcomes(passed=6)
    first = handler.posted[0]
    kinds = [kind for kind, cid in handler.events if kind != "post" and cid != first]
    assert kinds[0] == "reported", handler.events  # reported before any other was found


def test_records_a_sweep_finds_are_judged_before_the_sweep_ends(
    pytester: pytest.Pytester, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    _project(pytester, url, _many(6))
    profile = pytester.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace("  timeout: 4\n", "  timeout: 4\n  concurrency: 2\n")
    )
    # No record shows before all six were sent (then one sweep, two ids a window, asks for
    # them all); the GETs for the third on wait until an item was reported.
    handler.show_after, handler.hold_from = 6, 2
    result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={url}", *ONE_AT_A_TIME)
    result.assert_outcomes(passed=6)
    # Told of its records only when the sweep had asked for all six, no item could report
    # before the held GETs gave up waiting (2 s): the old code got there late (one
    # missing_trace at the 4 s deadline).
    held = set(handler.posted[2:])
    events = [k for k, cid in handler.events if k == "reported" or (k == "found" and cid in held)]
    assert events[0] == "reported", handler.events


def test_a_counter_checked_scenario_is_judged_after_the_second_counts_read(
    pytester: pytest.Pytester, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    handler.lagged, handler.lag = {"late"}, 1.0
    counted = (
        "  - name: counted\n    path: error\n    tags: {owner: team-search, use_case: u}\n"
        "    expect: {status: 2xx, bucket: untagged, reason: missing_environment,"
        " untagged_count: increments}\n"
    )
    _project(pytester, url, [_tagged("first"), counted, _tagged("last", use_case="late")])
    result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={url}", *ONE_AT_A_TIME)
    result.assert_outcomes(passed=3)
    counts = [i for i, (kind, _) in enumerate(handler.events) if kind == "counts"]
    assert len(counts) == 2, handler.events
    (reported,) = [
        i for i, (kind, cid) in enumerate(handler.events) if kind == "reported" and "counted" in cid
    ]
    assert reported > counts[1], handler.events


def test_exitfirst_stops_the_sending_and_keeps_what_was_sent_traceable(
    pytester: pytest.Pytester, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    handler.post_delay, handler.drop_owner_of_first = 0.05, True
    _project(pytester, url, _many(40))
    result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={url}", *ONE_AT_A_TIME, "-x")
    result.assert_outcomes(failed=1)
    posted = list(handler.posted)
    assert len(posted) < 40  # sending stopped with the run
    judged = [r["correlation_id"] for r in read_records(pytester.path)]
    unverified = [r["correlation_id"] for r in _unverified(pytester)]
    assert judged == posted[:1]
    assert sorted(unverified) == sorted(posted[1:])  # every request sent is traceable
    assert not [t for t in threading.enumerate() if t.name == "tagsmoke-batch"]


def test_an_interrupt_from_a_hook_stops_the_thread_and_writes_unverified(
    pytester: pytest.Pytester, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    handler.post_delay = 0.05
    _project(
        pytester, url, _many(40), "    if report.when == 'call':\n        raise KeyboardInterrupt\n"
    )
    result = pytester.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={url}", *ONE_AT_A_TIME, no_reraise_ctrlc=True
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not [t for t in threading.enumerate() if t.name == "tagsmoke-batch"]
    posted = list(handler.posted)
    time.sleep(0.3)  # nothing more goes out once the run has ended
    assert handler.posted == posted
    assert len(posted) < 40
    unverified = [r["correlation_id"] for r in _unverified(pytester)]
    assert sorted(unverified) == sorted(posted[1:])  # the first was judged


def test_a_bug_in_the_background_thread_reaches_every_item_not_judged_yet(
    pytester: pytest.Pytester, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, _ = gateway
    _project(pytester, url, _many(6))
    # A seeded bug (the only way to have one): the poll tick breaks once a record was
    # found. Run in a subprocess: the patch must not outlive the inner run.
    conftest = pytester.path / "conftest.py"
    conftest.write_text(
        conftest.read_text() + "\nfrom pytest_tagsmoke.logstore import poll\n"
        "_tick = poll.ProbeSchedule.tick\n"
        "def _broken(self, store, outstanding, found, on_found=None):\n"
        "    if found:\n"
        "        raise RuntimeError('seeded bug')\n"
        "    _tick(self, store, outstanding, found, on_found)\n"
        "poll.ProbeSchedule.tick = _broken\n"
    )
    result = pytester.runpytest_subprocess(
        "--tagsmoke",
        f"--tagsmoke-endpoint={url}",
        *ONE_AT_A_TIME,
        "-p",
        "no:cacheprovider",
        timeout=60,
    )
    result.assert_outcomes(passed=1, errors=5)
    assert result.stdout.str().count("the batch could not be sent: RuntimeError: seeded bug") >= 5
