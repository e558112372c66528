"""Wait for log records by correlation id, within the profile's deadline (tenacity).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import tenacity
from tenacity.stop import stop_base

from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

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

    def tick() -> int:
        found.update(store.probe(outstanding))  # a LogStoreError: tenacity counts it
        outstanding[:] = [i for i in outstanding if i not in found]
        if on_progress is not None:
            waited = time.monotonic() - started
            on_progress(PollProgress(expected, len(found), waited, max(0.0, poll.timeout - waited)))
        return len(outstanding)

    store_errors = _StoreErrorBudget(poll.store_errors)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_any(tenacity.stop_after_delay(poll.timeout), store_errors),
        wait=_Backoff(poll, found),
        retry=tenacity.retry_if_result(lambda left: left > 0)
        | tenacity.retry_if_exception_type(LogStoreError),
        # Stopped: the last tick's error is raised, else its count of ids outstanding.
        retry_error_callback=_last_outcome,
        sleep=_sleep,
    )
    if retrying(tick):
        if store_errors.spent:
            raise LogStoreError("the log store failed too often")
        # The deadline: every id still outstanding is asked once more, whatever a tick
        # skipped, so that no verdict says "missing" of a record that was not looked for.
        found.update(store.fetch_many(outstanding))
    return found


class _Backoff:
    """tenacity's ``wait``: :func:`next_wait`, its doubling started again after a tick
    that found records (``found`` grew since the last wait)."""

    def __init__(self, poll: PollConfig, found: Mapping[str, LogRecord]) -> None:
        self.poll = poll
        self.found = found
        self.seen = self.quiet_ticks = 0

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        self.quiet_ticks = 0 if len(self.found) > self.seen else self.quiet_ticks + 1
        self.seen = len(self.found)
        return next_wait(self.poll, self.quiet_ticks)


class _StoreErrorBudget(stop_base):
    """tenacity's ``stop`` once the log store has failed ``budget`` times in all ("not
    yet" answers do not count)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.errors = 0

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if retry_state.outcome is not None and retry_state.outcome.failed:
            self.errors += 1
        return self.spent

    @property
    def spent(self) -> bool:
        return self.errors >= self.budget


def _last_outcome(retry_state: Any) -> Any:
    """The last tick's result, or its error raised (tenacity's ``retry_error_callback``)."""
    return retry_state.outcome.result()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at each call: a test may replace ``time.sleep``
