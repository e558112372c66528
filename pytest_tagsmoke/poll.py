"""Wait for a log record by correlation id, within the profile's deadline (tenacity).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tenacity
from tenacity.stop import stop_base

from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

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


def wait_for_records(
    store: LogStore, lookup_ids: Sequence[str], poll: PollConfig
) -> dict[str, LogRecord]:
    """Poll until every id's record appears or ``poll.timeout`` passes.

    Each tick asks the store for the ids still outstanding (``LogStore.probe``: stores
    that can answer several ids in one query do so; a store asked one id per query is
    swept from the oldest id while it finds records), on an exponential schedule with jitter from
    ``poll.interval`` up to ``poll.max_interval``. Found ids are never asked for again: a
    found record's verdict is final, never retried into a pass. "Not yet" answers are
    retried until the deadline; store errors only ``poll.store_errors`` times, then
    :class:`LogStoreError` is raised (a setup problem, not a tagging verdict).
    """
    found: dict[str, LogRecord] = {}  # an id still absent at the deadline: missing_trace
    outstanding = list(dict.fromkeys(lookup_ids))

    def tick() -> int:
        found.update(store.probe(outstanding))
        outstanding[:] = [i for i in outstanding if i not in found]
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
