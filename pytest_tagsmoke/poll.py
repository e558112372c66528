"""Wait for a log record by correlation id, within the profile's deadline (tenacity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import tenacity
from tenacity.stop import stop_base

from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError

if TYPE_CHECKING:
    from pytest_tagsmoke.profile import PollConfig


@dataclass(frozen=True)
class PollResult:
    record: LogRecord | None  # None: the deadline passed (missing_trace)
    polls: int


class _StoreErrorBudget(stop_base):
    """Stop once the log store has failed ``budget`` times (not-yet answers do not count)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.errors = 0

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if retry_state.outcome is not None and retry_state.outcome.failed:
            self.errors += 1
        return self.errors >= self.budget


def wait_for_record(store: LogStore, correlation_id: str, poll: PollConfig) -> PollResult:
    """Poll until the record appears or ``poll.timeout`` passes.

    "Not yet" answers are retried until the deadline; store errors only ``poll.store_errors``
    times, then :class:`LogStoreError` is raised (a setup problem, not a tagging verdict).
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_any(
            tenacity.stop_after_delay(poll.timeout), _StoreErrorBudget(poll.store_errors)
        ),
        wait=tenacity.wait_exponential(multiplier=poll.interval, max=poll.max_interval)
        + tenacity.wait_random(0, poll.interval),
        retry=tenacity.retry_if_result(lambda record: record is None)
        | tenacity.retry_if_exception_type(LogStoreError),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )

    def fetch() -> LogRecord | None:
        return store.fetch_many([correlation_id]).get(correlation_id)

    record: LogRecord | None = retrying(fetch)
    return PollResult(record, int(retrying.statistics.get("attempt_number", 1)))
