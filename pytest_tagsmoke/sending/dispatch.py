"""A scenario's request, its answer and the record found for it: what the sending step
hands to judging.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.policy.tag_policy import Classification
    from pytest_tagsmoke.sending.request import PreparedRequest


@dataclass(slots=True)
class Dispatch:
    """A scenario's request, its answer and the log record found for it (the sending step)."""

    request: PreparedRequest
    scenario: Scenario = field(repr=False)
    #: The policy's classification of the sent tags, with the scenario's overrides.
    expected: Classification = field(repr=False)
    status: int | None = None
    retry_count: int = 0
    counts_before: dict[str, int] | None = None
    counts_after: dict[str, int] | None = None
    record: LogRecord | None = None
    #: A problem of the run's setup (gateway or log store unreachable): not a verdict.
    setup_problem: str | None = None
    #: This scenario alone could not be sent or found (e.g. a tag no header can carry).
    error: str | None = None
    response_text: str = ""
    lookup_id: str | None = None
    sharing: int = 1  # scenarios counted between the same two reads of the same bucket
    #: Whether the log store was asked for this request's record: only then can a verdict
    #: say that none came (missing_trace).
    looked_up: bool = False
    #: Whether a smoke record was written for it (an unreported one was sent, not verified).
    reported: bool = False

    @property
    def attempts(self) -> int:
        return self.retry_count + 1

    @property
    def awaits_record(self) -> bool:
        """Sent, answered as expected, with an id to look for: a record should come."""
        return (
            self.setup_problem is None
            and self.error is None
            and self.status is not None
            and self.lookup_id is not None
            and self.scenario.expect.expects_record
            # Any other answer (a 4xx, a 5xx after the retries) means no record is coming:
            # the verdict is gateway_error, not a wait for the deadline.
            and self.scenario.expect.status_matches(self.status)
        )
