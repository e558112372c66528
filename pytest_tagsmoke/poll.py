"""Wait for a log record by correlation id, within the profile's deadline (tenacity).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import tenacity
from tenacity.stop import stop_base

from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_tagsmoke.profile import PollConfig


class _StoreErrorBudget(stop_base):
    """Stop once the log store has failed ``budget`` times (not-yet answers do not count)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.errors = 0

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if retry_state.outcome is not None and retry_state.outcome.failed:
            self.errors += 1
        return self.errors >= self.budget


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


def wait_for_records(
    store: LogStore,
    lookup_ids: Sequence[str],
    poll: PollConfig,
    on_progress: Callable[[PollProgress], None] | None = None,
) -> dict[str, LogRecord]:
    """Poll until every id's record appears or ``poll.timeout`` passes.

    Each tick asks the store for the ids still outstanding (``LogStore.probe``: stores
    that can answer several ids in one query do so; a store asked one id per query is
    swept from the oldest id while it finds records), on an exponential schedule with jitter from
    ``poll.interval`` up to ``poll.max_interval``. Found ids are never asked for again: a
    found record's verdict is final, never retried into a pass. "Not yet" answers are
    retried until the deadline; store errors only ``poll.store_errors`` times, then
    :class:`LogStoreError` is raised (a setup problem, not a tagging verdict).
    ``on_progress`` hears after every tick how many records are found and how long is left.
    """
    found: dict[str, LogRecord] = {}  # an id still absent at the deadline: missing_trace
    outstanding = list(dict.fromkeys(lookup_ids))

    expected = len(outstanding)
    started = time.monotonic()

    def tick() -> int:
        found.update(store.probe(outstanding))
        outstanding[:] = [i for i in outstanding if i not in found]
        if on_progress is not None:
            waited = time.monotonic() - started
            on_progress(PollProgress(expected, len(found), waited, max(0.0, poll.timeout - waited)))
        return len(outstanding)

    if not outstanding:
        return found
    retrying = tenacity.Retrying(
        stop=tenacity.stop_any(
            tenacity.stop_after_delay(poll.timeout), _StoreErrorBudget(poll.store_errors)
        ),
        wait=tenacity.wait_exponential(multiplier=poll.interval, max=poll.max_interval)
        + tenacity.wait_random(0, poll.interval),
        retry=tenacity.retry_if_result(lambda left: left > 0)
        | tenacity.retry_if_exception_type(LogStoreError),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    if retrying(tick):
        # The deadline: every id still outstanding is asked once more, whatever a tick
        # skipped, so that no verdict says "missing" of a record that was not looked for.
        found.update(store.fetch_many(outstanding))
    return found
