"""What the sending and finding steps saw of one scenario: the input of judging.

A protocol, so the run's own object (``sending.batch.Dispatch``) is passed as it is and a second
front end or a test can pass any object with these attributes.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.policy.tag_policy import Classification
    from pytest_tagsmoke.sending.request import PreparedRequest


class Outcome(Protocol):
    """One scenario's request, its answer and the log record found for it."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def expected(self) -> Classification:
        """The policy's classification of the sent tags, with the scenario's overrides
        (computed once per scenario)."""

    @property
    def request(self) -> PreparedRequest: ...

    @property
    def status(self) -> int | None:
        """The HTTP status of the answer; None when nothing was answered."""

    @property
    def retry_count(self) -> int: ...

    @property
    def attempts(self) -> int:
        """How many times the request was sent: a gateway may log one record per attempt."""

    @property
    def response_text(self) -> str: ...

    @property
    def lookup_id(self) -> str | None:
        """The id the log store knows the request by."""

    @property
    def looked_up(self) -> bool:
        """Whether the log store was asked for the record: only then can a verdict say
        that none came (missing_trace)."""

    @property
    def record(self) -> LogRecord | None: ...

    @property
    def counts_before(self) -> Mapping[str, int] | None: ...

    @property
    def counts_after(self) -> Mapping[str, int] | None: ...

    @property
    def sharing(self) -> int:
        """How many scenarios of the run expect the same bucket, all counted between the
        same two reads: the counter must grow by that much."""

    @property
    def setup_problem(self) -> str | None:
        """A problem of the run's setup (gateway or log store unreachable): not a verdict."""

    @property
    def error(self) -> str | None:
        """This scenario alone could not be sent or found."""
