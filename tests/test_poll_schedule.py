"""The poll's schedule: backs off while nothing comes, looks again soon once records come."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from pytest_tagsmoke.files.profile import PollConfig, load_profile
from pytest_tagsmoke.logstore.open_store import open_log_store
from pytest_tagsmoke.logstore.poll import PollProgress, next_wait, wait_for_records
from pytest_tagsmoke.logstore.settings import HttpSettings, JsonlSettings
from pytest_tagsmoke.policy.tag_policy import normalizer
from tests.helpers import REPO

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

POLL = PollConfig(timeout=60.0, interval=0.05, max_interval=1.0)


def test_the_wait_doubles_up_to_the_maximum_plus_jitter() -> None:
    for quiet, backoff in [(0, 0.05), (1, 0.05), (2, 0.1), (3, 0.2), (5, 0.8), (9, 1.0)]:
        for _ in range(20):
            assert backoff <= next_wait(POLL, quiet) <= backoff + POLL.interval


def test_a_tick_that_finds_records_starts_the_backoff_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("")
    ids = [f"tagsmoke-{i:032x}" for i in range(3)]
    # Ticks 1-5 find nothing; then one record comes before each tick.
    arrivals = {5: ids[0], 6: ids[1], 7: ids[2]}
    ticks: list[PollProgress] = []

    def after_tick(progress: PollProgress) -> None:
        ticks.append(progress)
        record = arrivals.get(len(ticks))
        if record is not None:
            with log.open("a") as sink:
                sink.write(json.dumps({"correlation_id": record, "bucket": "attributed"}) + "\n")

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # no real waiting: the waits are noted
    profile = load_profile(REPO / "tagsmoke.yaml", {})
    config = JsonlSettings(
        path=str(log), id_field="correlation_id", fields=profile.log_store.fields
    )
    with httpx.Client() as client:
        store = open_log_store(
            config,
            endpoint="",
            base_dir=tmp_path,
            client=client,
            normalize=normalizer(profile.policy),
        )
        try:
            found = wait_for_records(store, ids, POLL, after_tick)
        finally:
            store.close()
    assert sorted(found) == ids
    assert [t.found for t in ticks] == [0, 0, 0, 0, 0, 1, 2, 3]
    quiet, after_progress = slept[:5], slept[5:]
    assert quiet[4] >= 0.8  # five ticks found nothing: 0.05 doubled to 0.8
    assert len(after_progress) == 2
    assert all(wait <= 2 * POLL.interval for wait in after_progress)


class _NotYet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    asked: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()


def test_a_tick_before_the_lag_asks_each_id_at_most_once() -> None:
    """A store asked one id per query: the sweep's first window and the rotating window
    do not ask the same ids twice in one tick."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotYet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    profile = load_profile(REPO / "tagsmoke.yaml", {})
    config = HttpSettings(
        record_url="{endpoint}/logs/records/{correlation_id}", fields=profile.log_store.fields
    )
    ids = [f"tagsmoke-{i:032x}" for i in range(20)]
    try:
        with httpx.Client() as client:
            store = open_log_store(
                config,
                endpoint=url,
                base_dir=REPO,
                client=client,
                normalize=normalizer(profile.policy),
            )
            try:
                assert store.probe(ids) == {}
            finally:
                store.close()
    finally:
        server.shutdown()
        server.server_close()
    asked = [path.rsplit("/", 1)[-1] for path in _NotYet.asked]
    assert sorted(asked) == sorted(set(asked))  # no id twice
    assert len(asked) == 20  # the first window of 16, then the 4 others
