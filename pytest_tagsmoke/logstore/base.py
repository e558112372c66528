"""The log store's base types: a record's mapped fields, the store's error, and the
interface every adapter keeps (find these ids; scan a time window).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence

    #: Told of records as a tick finds them, before the tick ends (see ``probe``).
    OnFound = Callable[[Mapping[str, "LogRecord"]], None]


class LogStoreError(Exception):
    """The log store could not be read (unreachable, 5xx, not JSON): a setup problem."""


@dataclass(frozen=True)
class LogRecord:
    """The mapped fields of one log record; the store's raw record is never kept.

    Keeping only mapped fields is what stops a gateway's cost columns (LiteLLM's
    ``response_cost``, Helicone's ``costUSD``) from reaching a smoke record.
    """

    values: Mapping[str, str | None]
    #: How many records the store holds for the id; more than one means double counting.
    count: int = 1

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(frozen=True)
class TimeWindow:
    """Records with ``since <= timestamp < until``. A record without a timestamp (or with
    one that cannot be read) is in every window: it cannot be placed outside it."""

    since: dt.datetime
    until: dt.datetime


class IdLookup(Protocol):
    """First use: "find these ids" (the smoke run)."""

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """The records found for ``correlation_ids`` (absent ids: not there yet)."""

    def probe(
        self, correlation_ids: Sequence[str], on_found: OnFound | None = None
    ) -> dict[str, LogRecord]:
        """One poll tick's ask: like :meth:`fetch_many`, but it may skip ids that are
        unlikely to be there yet (they are asked with :meth:`fetch_many` at the deadline).
        A store that asks in several rounds tells ``on_found`` each round's records as they
        come (their items are judged while it asks on); all are returned as well."""

    def close(self) -> None:
        """Release connections and files."""


class WindowScan(Protocol):
    """Second use: "scan or aggregate a time window" (bucket counts, the audit's census)."""

    def bucket_counts(self) -> dict[str, int] | None:
        """Records per bucket, or None where the store cannot count."""

    def list_records(self) -> Sequence[LogRecord] | None:
        """Every record the store holds (equal records once, with their ``count``), or None
        where it cannot list them: the harness counts buckets from these when the store
        has no counts of its own."""

    def records_in(self, window: TimeWindow) -> Sequence[LogRecord] | None:
        """The records of ``window`` aggregated (equal records once, with their
        ``count``), or None where the store cannot scan a window."""


class LogStore(IdLookup, WindowScan, Protocol):
    """What the harness needs from a log store: both uses."""
