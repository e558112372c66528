"""Wait for log records by correlation id, within the profile's deadline.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_tagsmoke.files.profile import PollConfig


@dataclass(frozen=True)
class PollProgress:
    """Where a wait stands after one tick: told to the front end (a progress line)."""

    expected: int
    found: int
    waited: float  # seconds since the wait began
    seconds_left: float

    @property
    def outstanding(self) -> int:
        return self.expected - self.found


def next_wait(poll: PollConfig, quiet_ticks: int) -> float:
    """Seconds before the next tick, after ``quiet_ticks`` ticks in a row that found
    nothing new: ``poll.interval`` doubling up to ``poll.max_interval``, plus up to one
    ``poll.interval`` of jitter. A tick that finds records starts the doubling again: the
    rest of a batch shows up about as fast as it was sent, moments later."""
    backoff = min(poll.interval * 2.0 ** max(0, quiet_ticks - 1), poll.max_interval)
    return backoff + random.uniform(0, poll.interval)


def wait_for_records(
    store: LogStore,
    lookup_ids: Sequence[str],
    poll: PollConfig,
    on_progress: Callable[[PollProgress], None] | None = None,
) -> dict[str, LogRecord]:
    """Poll until every id's record appears or ``poll.timeout`` passes.

    Each tick asks the store for the ids still outstanding (``LogStore.probe``: stores
    that can answer several ids in one query do so; a store asked one id per query is
    swept from the oldest id while it finds records), on the schedule of
    :func:`next_wait`. Found ids are never asked for again: a found record's verdict is
    final, never retried into a pass. "Not yet" answers are retried until the deadline;
    store errors only ``poll.store_errors`` times in all, then :class:`LogStoreError` is
    raised (a setup problem, not a tagging verdict), as it is when the last tick before
    the deadline failed. ``on_progress`` hears after every tick how many records are
    found and how long is left.
    """
    found: dict[str, LogRecord] = {}  # an id still absent at the deadline: missing_trace
    outstanding = list(dict.fromkeys(lookup_ids))
    if not outstanding:
        return found
    expected = len(outstanding)
    started = time.monotonic()
    errors = quiet_ticks = 0
    while True:
        error: LogStoreError | None = None
        before = len(found)
        try:
            found.update(store.probe(outstanding))
        except LogStoreError as exc:
            error = exc
            errors += 1
        outstanding[:] = [i for i in outstanding if i not in found]
        waited = time.monotonic() - started
        if on_progress is not None and error is None:
            on_progress(PollProgress(expected, len(found), waited, max(0.0, poll.timeout - waited)))
        if error is None and not outstanding:
            return found
        if errors >= poll.store_errors or (error is not None and waited >= poll.timeout):
            raise error or LogStoreError("the log store failed too often")
        if waited >= poll.timeout:
            break
        quiet_ticks = 0 if len(found) > before else quiet_ticks + 1
        time.sleep(next_wait(poll, quiet_ticks))
    # The deadline: every id still outstanding is asked once more, whatever a tick
    # skipped, so that no verdict says "missing" of a record that was not looked for.
    found.update(store.fetch_many(outstanding))
    return found
