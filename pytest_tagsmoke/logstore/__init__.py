"""Log-store adapters: turn "the record for correlation id X" into a flat dict of fields.

Three kinds: ``http`` (a JSON API), ``jsonl`` (a file a gateway or log shipper appends to)
and ``sql`` (SQLite, or PostgreSQL with the ``postgres`` extra).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    import httpx

    from pytest_tagsmoke.policy import TagPolicy
    from pytest_tagsmoke.profile import LogStoreConfig


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


class LogStore(Protocol):
    """What the harness needs from a log store."""

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """The records found for ``correlation_ids`` (absent ids: not there yet)."""

    def probe(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        """One poll tick's ask: like :meth:`fetch_many`, but it may skip ids that are
        unlikely to be there yet (they are asked with :meth:`fetch_many` at the deadline)."""

    def bucket_counts(self) -> dict[str, int] | None:
        """Records per bucket, or None where the store cannot count."""

    def list_records(self) -> Sequence[LogRecord] | None:
        """Every record the store holds (equal records once, with their ``count``), or None
        where it cannot list them: the harness counts buckets from these when the store
        has no counts of its own."""

    def close(self) -> None:
        """Release connections and files."""


def open_log_store(
    config: LogStoreConfig,
    *,
    endpoint: str,
    base_dir: Path,
    client: httpx.Client,
    policy: TagPolicy,
    concurrency: int = 16,
) -> LogStore:
    """The adapter for ``config.kind``; drivers are imported only when used. An HTTP store
    runs up to ``concurrency`` queries at once on ``client``."""
    from pytest_tagsmoke.logstore.mapping import FieldMapper

    mapper = FieldMapper(config.fields, policy.aliases)
    store: LogStore
    if config.kind == "jsonl":
        from pytest_tagsmoke.logstore.jsonl import JsonlLogStore

        store = JsonlLogStore(config, base_dir, mapper)
    elif config.kind == "sql":
        from pytest_tagsmoke.logstore.sql import SqlLogStore

        store = SqlLogStore(config, base_dir, mapper)
    else:
        from pytest_tagsmoke.logstore.http import HttpLogStore

        store = HttpLogStore(config, endpoint, client, mapper, concurrency)
    if config.bucket_names:
        from pytest_tagsmoke.logstore.buckets import RenamedBuckets

        store = RenamedBuckets(store, config.bucket_names)
    return store
