"""Wait for a log record by correlation id, within the profile's deadline (tenacity)."""

from __future__ import annotations

from dataclasses import dataclass

import tenacity

from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError
from pytest_tagsmoke.profile import PollConfig


@dataclass(frozen=True)
class PollResult:
    record: LogRecord | None  # None: the deadline passed (missing_trace)
    polls: int


def wait_for_record(store: LogStore, correlation_id: str, poll: PollConfig) -> PollResult:
    """Poll until the record appears or ``poll.timeout`` passes.

    "Not yet" answers are retried until the deadline; store errors only ``poll.store_errors``
    times, then :class:`LogStoreError` is raised (a setup problem, not a tagging verdict).
    """
    errors = 0

    def too_many_errors(state: tenacity.RetryCallState) -> bool:
        nonlocal errors
        if state.outcome is not None and state.outcome.failed:
            errors += 1
        return errors >= poll.store_errors

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(poll.timeout) | too_many_errors,
        wait=tenacity.wait_exponential(multiplier=poll.interval, max=poll.max_interval)
        + tenacity.wait_random(0, poll.interval),
        retry=tenacity.retry_if_result(lambda record: record is None)
        | tenacity.retry_if_exception_type(LogStoreError),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    record: LogRecord | None = retrying(store.fetch, correlation_id)
    return PollResult(record, int(retrying.statistics.get("attempt_number", 1)))
