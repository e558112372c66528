"""Log-store adapters: turn "the record for correlation id X" into a flat dict of fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping


class LogStoreError(Exception):
    """The log store could not be read (unreachable, 5xx, not JSON): a setup problem."""


@dataclass(frozen=True)
class LogRecord:
    """The mapped fields of one log record; the store's raw record is never kept.

    Keeping only mapped fields is what stops a gateway's cost columns (LiteLLM's
    ``response_cost``, Helicone's ``costUSD``) from reaching a smoke record.
    """

    values: Mapping[str, str | None]

    def get(self, name: str) -> str | None:
        return self.values.get(name)


class LogStore(Protocol):
    """What the harness needs from a log store."""

    def fetch(self, correlation_id: str) -> LogRecord | None:
        """The record for ``correlation_id``, or None while it is not there yet."""

    def bucket_counts(self) -> dict[str, int] | None:
        """Records per bucket, or None where the store cannot count."""
