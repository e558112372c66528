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
    import threading
    from collections.abc import Callable, Mapping, Sequence

    from pytest_tagsmoke.files.profile import PollConfig
    from pytest_tagsmoke.logstore.base import OnFound


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


#: Seconds without any record after which the one-id probe waits :data:`QUIET_FACTOR`
#: intervals, not one: a lag of a few seconds is caught within one interval, a 10 s lag
#: at 0.05 s costs ~105 one-id queries, not ~180.
QUIET_AFTER = 2.0
QUIET_FACTOR = 2
#: A full sweep that finds nothing waits ``poll.max_interval`` doubled, up to this many.
SWEEP_CAP = 16
#: Jitter: up to this share of the wait is added (clients sharing a store drift apart).
JITTER = 0.25


class ProbeSchedule:
    """What a poll tick asks the store, and how long until the next one.

    A tick asks for the oldest outstanding id alone (records show up about in the order
    they were sent: while the oldest is not there, the rest are not either; an id younger
    records overtook is passed over, see :meth:`probe_target`), one cheap
    query every ``poll.interval`` (:data:`QUIET_FACTOR` intervals once :data:`QUIET_AFTER`
    seconds passed without any record). The moment it finds its record, the same tick
    sweeps the outstanding ids (``LogStore.probe``): whatever else came is found at once.
    A full sweep also runs every ``poll.max_interval`` without one (doubling up to
    :data:`SWEEP_CAP` while it finds nothing), so a record that comes out of order, or
    never, holds no other back for long. One schedule serves the finding while sending and
    the wait after it."""

    def __init__(self, poll: PollConfig, started: float | None = None) -> None:
        self.poll = poll
        #: ``time.monotonic()`` when the first request went out (default: now).
        self.started = time.monotonic() if started is None else started
        self.seen = False  # a record was found
        self.sweep_every = poll.max_interval
        self.sweep_due = 0.0  # time.monotonic() of the next full sweep: the first tick
        #: Outstanding ids a sweep found younger records past (see :meth:`probe_target`).
        self.overtaken: set[str] = set()

    def tick(
        self,
        store: LogStore,
        outstanding: Sequence[str],
        found: dict[str, LogRecord],
        on_found: OnFound | None = None,
    ) -> None:
        """One tick's asks for ``outstanding`` (oldest first); what they find is added to
        ``found`` as each answers, so a store error in the sweep loses nothing, and told
        to ``on_found`` as it comes (a sweep may take a while)."""
        if not outstanding:
            return
        if time.monotonic() < self.sweep_due:
            target = self.probe_target(outstanding)
            first = store.fetch_many([target])
            if not first:
                return
            found.update(first)
            if on_found is not None:
                on_found(first)
            rest = [i for i in outstanding if i != target]
            self._sweep(store, rest, found, on_found, after_find=True)
        else:
            self._sweep(store, outstanding, found, on_found, after_find=False)

    def probe_target(self, outstanding: Sequence[str]) -> str:
        """The id the one-id probe asks for: the oldest outstanding one that no younger
        record has overtaken. An id a sweep found younger records past (out of order, or
        never coming: a ``missing_trace``) would otherwise hold every probe; it is still
        asked by each full sweep and at the deadline."""
        return next((i for i in outstanding if i not in self.overtaken), outstanding[0])

    def _sweep(
        self,
        store: LogStore,
        ids: Sequence[str],
        found: dict[str, LogRecord],
        on_found: OnFound | None,
        *,
        after_find: bool,
    ) -> None:
        got = store.probe(ids, on_found) if ids else {}
        found.update(got)
        if got:
            youngest = max(position for position, i in enumerate(ids) if i in got)
            self.overtaken.update(i for i in ids[:youngest] if i not in got)
        if got or after_find:
            self.seen, self.sweep_every = True, self.poll.max_interval
        else:
            self.sweep_every = min(2 * self.sweep_every, SWEEP_CAP * self.poll.max_interval)
        self.sweep_due = time.monotonic() + self.sweep_every

    def next_wait(self) -> float:
        """Seconds until the next tick: ``poll.interval``, or :data:`QUIET_FACTOR` of them
        while no record came in the first :data:`QUIET_AFTER` seconds (never past
        ``poll.max_interval``), plus up to :data:`JITTER` of it."""
        interval = self.poll.interval
        if not self.seen and time.monotonic() - self.started >= QUIET_AFTER:
            interval *= QUIET_FACTOR
        wait = min(interval, self.poll.max_interval)
        return wait + random.uniform(0, JITTER * wait)


def wait_for_records(
    store: LogStore,
    lookup_ids: Sequence[str],
    poll: PollConfig,
    on_progress: Callable[[PollProgress], None] | None = None,
    schedule: ProbeSchedule | None = None,
    on_found: Callable[[Mapping[str, LogRecord]], None] | None = None,
    stop: threading.Event | None = None,
) -> dict[str, LogRecord]:
    """Poll until every id's record appears or ``poll.timeout`` passes (or ``stop`` is set:
    then what was found so far, without the deadline's last ask).

    Each tick asks the store what :class:`ProbeSchedule` says (``schedule``: the one the
    finding while sending used, else a new one): the oldest outstanding id alone, a sweep
    of every outstanding id the moment it is found, a full sweep now and then. Found ids
    are never asked for again: a found record's verdict is final, never retried into a
    pass. "Not yet" answers are retried until the deadline; store errors only
    ``poll.store_errors`` times in all, then :class:`LogStoreError` is raised (a setup
    problem, not a tagging verdict), as it is when the last tick before the deadline
    failed. ``on_progress`` hears after every tick how many records are found and how
    long is left; ``on_found`` hears each tick's new records at once (their verdicts can
    be given while the rest are awaited).
    """
    found: dict[str, LogRecord] = {}  # an id still absent at the deadline: missing_trace
    outstanding = list(dict.fromkeys(lookup_ids))
    if not outstanding:
        return found
    expected = len(outstanding)
    started = time.monotonic()
    schedule = schedule or ProbeSchedule(poll)
    told: set[str] = set()

    def tell(records: Mapping[str, LogRecord]) -> None:
        """``on_found``, each id once: as a sweep finds it, or after its tick."""
        new = {i: record for i, record in records.items() if i not in told}
        told.update(new)
        if new and on_found is not None:
            on_found(new)

    def tick() -> int:
        try:
            schedule.tick(store, outstanding, found, tell)  # a LogStoreError: tenacity counts it
        finally:
            tell({i: found[i] for i in outstanding if i in found})
            outstanding[:] = [i for i in outstanding if i not in found]
        if on_progress is not None:
            waited = time.monotonic() - started
            on_progress(PollProgress(expected, len(found), waited, max(0.0, poll.timeout - waited)))
        return len(outstanding)

    store_errors = _StoreErrorBudget(poll.store_errors)
    stops: list[stop_base] = [tenacity.stop_after_delay(poll.timeout), store_errors]
    if stop is not None:
        stops.append(tenacity.stop_when_event_set(stop))
    retrying = tenacity.Retrying(
        stop=tenacity.stop_any(*stops),
        wait=lambda retry_state: schedule.next_wait(),
        retry=tenacity.retry_if_result(lambda left: left > 0)
        | tenacity.retry_if_exception_type(LogStoreError),
        # Stopped: the last tick's error is raised, else its count of ids outstanding.
        retry_error_callback=_last_outcome,
        # A stop wakes the wait at once (time.sleep would sit out the interval).
        sleep=_sleep if stop is None else lambda seconds: _sleep_unless(stop, seconds),
    )
    if retrying(tick) and not (stop is not None and stop.is_set()):
        if store_errors.spent:
            raise LogStoreError("the log store failed too often")
        # The deadline: every id still outstanding is asked once more, whatever a tick
        # skipped, so that no verdict says "missing" of a record that was not looked for.
        last = store.fetch_many(outstanding)
        found.update(last)
        if last and on_found is not None:
            on_found(last)
    return found


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


def _sleep_unless(stop: threading.Event, seconds: float) -> None:
    stop.wait(seconds)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at each call: a test may replace ``time.sleep``
