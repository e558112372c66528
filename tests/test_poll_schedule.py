"""The poll's schedule: the oldest outstanding id alone while nothing comes, a sweep the
moment it comes, every record found whatever the order, a bounded number of store queries.

A stdlib log store on 127.0.0.1, one id per GET, shows each record from a set moment on
and counts every GET.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
import pytest

from pytest_tagsmoke.files.profile import PollConfig, load_profile
from pytest_tagsmoke.logstore.open_store import open_log_store
from pytest_tagsmoke.logstore.poll import (
    JITTER,
    QUIET_AFTER,
    QUIET_FACTOR,
    PollProgress,
    ProbeSchedule,
    wait_for_records,
)
from pytest_tagsmoke.logstore.settings import HttpSettings
from pytest_tagsmoke.policy.tag_policy import normalizer
from tests.helpers import REPO

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from pytest_tagsmoke.logstore.base import LogRecord, LogStore

POLL = PollConfig(timeout=60.0, interval=0.02, max_interval=0.1)
IDS = [f"tagsmoke-{i:032x}" for i in range(40)]


class _Store(BaseHTTPRequestHandler):
    """``GET /logs/records/<id>``: the record once ``visible[id]`` (a ``time.monotonic()``)
    has passed, else 404; an id not in ``visible`` never comes."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no delayed-ACK stall between a kept-alive answer's writes
    visible: ClassVar[dict[str, float]]
    asked: ClassVar[list[tuple[str, bool]]]  # (id, found), in order
    lock: ClassVar[threading.Lock]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        cid = self.path.rsplit("/", 1)[-1]
        shown = self.visible.get(cid, float("inf")) <= time.monotonic()
        with self.lock:
            self.asked.append((cid, shown))
        record = {"correlation_id": cid, "bucket": "attributed", "source_record": cid}
        data = json.dumps(record if shown else {"error": "not yet"}).encode()
        self.send_response(200 if shown else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # 16 connections at once: none waits for a SYN retry


@pytest.fixture
def store() -> Iterator[tuple[LogStore, type[_Store]]]:
    handler = type("Handler", (_Store,), {"visible": {}, "asked": [], "lock": threading.Lock()})
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    # The client drops its kept-alive connections at the end: no traceback for that.
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = load_profile(REPO / "tagsmoke.yaml", {})
    config = HttpSettings(
        record_url="{endpoint}/logs/records/{correlation_id}", fields=profile.log_store.fields
    )
    try:
        with httpx.Client() as client:
            opened = open_log_store(
                config,
                endpoint=f"http://127.0.0.1:{server.server_address[1]}",
                base_dir=REPO,
                client=client,
                normalize=normalizer(profile.policy),
            )
            try:
                yield opened, handler
            finally:
                opened.close()
    finally:
        server.shutdown()
        server.server_close()


def _show(handler: type[_Store], after: float, ids: list[str]) -> None:
    now = time.monotonic()
    handler.visible.update({i: now + after for i in ids})


def test_before_the_lag_the_oldest_id_alone_is_asked_between_sweeps(
    store: tuple[LogStore, type[_Store]],
) -> None:
    log_store, handler = store
    lag = 1.2
    _show(handler, lag, IDS)
    ticks: list[PollProgress] = []
    started = time.monotonic()
    found = wait_for_records(log_store, IDS, POLL, ticks.append)
    waited = time.monotonic() - started
    assert sorted(found) == sorted(IDS)
    # The tick that found the first record swept the rest at once: nothing trickles in.
    assert [t.found for t in ticks] == [0] * (len(ticks) - 1) + [len(IDS)]
    assert sorted(cid for cid, shown in handler.asked if shown) == IDS  # each record once
    empty = [cid for cid, shown in handler.asked if not shown]
    # Before the lag: full sweeps (the first 16 ids, then a rotating 16: the only asks of
    # IDS[1]), and between them the oldest id alone (the other asks of IDS[0]).
    sweeps = empty.count(IDS[1])
    lone = empty.count(IDS[0]) - sweeps
    assert lone >= 1
    assert len(empty) == 32 * sweeps + lone
    # The sweeps start at once and back off: the k-th again no sooner than
    # max_interval * (2 + 4 + ... + 2**k) later; a tick waits poll.interval at least.
    later = 0
    while POLL.max_interval * (2 ** (later + 2) - 2) <= waited:
        later += 1
    assert sweeps <= 1 + later
    assert lone <= waited / POLL.interval + 1


def test_the_one_id_probe_waits_longer_only_after_a_quiet_while(
    store: tuple[LogStore, type[_Store]],
) -> None:
    log_store, handler = store
    outstanding = IDS[:3]
    found: dict[str, Any] = {}
    fresh = ProbeSchedule(POLL)
    quiet = ProbeSchedule(POLL, started=time.monotonic() - QUIET_AFTER)
    for schedule in (fresh, quiet):
        for _ in range(3):
            schedule.tick(log_store, outstanding, found)
    assert found == {}
    assert all(POLL.interval <= fresh.next_wait() <= POLL.interval * (1 + JITTER) for _ in range(9))
    slow = QUIET_FACTOR * POLL.interval
    assert all(slow <= quiet.next_wait() <= slow * (1 + JITTER) for _ in range(9))
    _show(handler, 0.0, outstanding)
    quiet.sweep_due = time.monotonic() + 60  # the next tick is a one-id probe
    quiet.tick(log_store, outstanding, found)
    assert sorted(found) == sorted(outstanding)  # found the oldest, then swept the rest
    assert POLL.interval <= quiet.next_wait() <= POLL.interval * (1 + JITTER)
    asked = [cid for cid, _ in handler.asked]
    assert asked.count(IDS[1]) == 2 + 1  # a full sweep each (their first tick), then once


def test_records_that_come_out_of_order_are_all_found(
    store: tuple[LogStore, type[_Store]],
) -> None:
    log_store, handler = store
    # The oldest comes last, the newest first, and the middle in a shuffled order.
    order = [IDS[-1], *IDS[20:-1], *IDS[1:20][::-1], IDS[0]]
    now = time.monotonic()
    handler.visible.update({cid: now + 0.3 + 0.02 * rank for rank, cid in enumerate(order)})
    found = wait_for_records(log_store, IDS, POLL)
    assert sorted(found) == sorted(IDS)
    assert sorted(cid for cid, shown in handler.asked if shown) == sorted(IDS)  # once each


def test_a_record_that_never_comes_holds_no_other_back(
    store: tuple[LogStore, type[_Store]],
) -> None:
    log_store, handler = store
    _show(handler, 0.2, IDS[1:])  # the oldest id's record never comes
    ticks: list[PollProgress] = []
    poll = PollConfig(timeout=2.0, interval=0.02, max_interval=0.1)
    found = wait_for_records(log_store, IDS, poll, ticks.append)
    assert sorted(found) == sorted(IDS[1:])
    # Found by the full sweeps long before the deadline, not by its last ask.
    assert ticks[-1].found == len(IDS) - 1
    assert handler.asked[-1] == (IDS[0], False)  # the deadline asked the missing one again


def test_a_tick_before_the_lag_asks_each_id_at_most_once(
    store: tuple[LogStore, type[_Store]],
) -> None:
    """A store asked one id per query: the sweep's first window and the rotating window
    do not ask the same ids twice in one sweep."""
    log_store, handler = store
    ids = IDS[:20]
    assert log_store.probe(ids) == {}
    asked = [cid for cid, _ in handler.asked]
    assert sorted(asked) == sorted(set(asked))  # no id twice
    assert len(asked) == 20  # the first window of 16, then the 4 others


def test_the_probe_moves_past_an_id_that_younger_records_overtook(
    store: tuple[LogStore, type[_Store]],
) -> None:
    """The oldest id's record never comes; once a sweep has found records younger than
    it, the one-id probe asks the oldest id not overtaken, so the next record that shows
    up is found by the probe, not left to the next full sweep."""
    log_store, handler = store
    ids = IDS[:4]
    _show(handler, 0.0, [ids[1]])  # ids[0] never comes; ids[2] and ids[3] come later
    schedule = ProbeSchedule(PollConfig(timeout=60.0, interval=0.02, max_interval=30.0))
    found: dict[str, Any] = {}
    schedule.tick(log_store, ids, found)  # the first tick is a full sweep
    assert sorted(found) == [ids[1]]
    assert schedule.probe_target([ids[0], ids[2], ids[3]]) == ids[2]
    _show(handler, 0.0, [ids[2], ids[3]])
    del handler.asked[:]
    schedule.tick(log_store, [ids[0], ids[2], ids[3]], found)  # no full sweep due for 30 s
    assert sorted(found) == sorted(ids[1:])
    assert handler.asked[0] == (ids[2], True)  # the probe asked the id not overtaken
    # Nothing overtaken: the oldest outstanding id is the probe's.
    assert ProbeSchedule(POLL).probe_target(ids) == ids[0]


def test_each_record_is_told_once_as_its_sweep_window_ends(
    store: tuple[LogStore, type[_Store]],
) -> None:
    """``on_found`` hears each window of a sweep as it ends (16 ids a window), before the
    sweep asks the next, and never hears an id twice."""
    log_store, handler = store
    _show(handler, 0.0, IDS)  # all there: the first tick's sweep finds every one
    told: list[tuple[int, list[str]]] = []  # (GETs answered by then, ids told)

    def on_found(records: Mapping[str, LogRecord]) -> None:
        with handler.lock:
            told.append((len(handler.asked), sorted(records)))

    found = wait_for_records(log_store, IDS, POLL, on_found=on_found)
    assert sorted(found) == sorted(IDS)
    assert sorted(i for _, ids in told for i in ids) == sorted(IDS)  # each once
    assert len(told) >= 3  # 40 ids: windows of 16, 16 and 8, each told as it ended
    assert told[0][0] < len(IDS)  # the first told before the sweep had asked them all
