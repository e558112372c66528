"""Bucket names: a gateway's own words for the harness's buckets (``unallocated`` ->
``untagged``), applied to every record and count a log store answers.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_tagsmoke.logstore.base import LogRecord, LogStore, OnFound, TimeWindow


class RenamedBuckets:
    """A log store whose ``bucket`` values and bucket counts use the harness's names."""

    def __init__(self, store: LogStore, names: Mapping[str, str]) -> None:
        self._store = store
        self._names = dict(names)

    def _record(self, record: LogRecord) -> LogRecord:
        bucket = record.values.get("bucket")
        if bucket is None or bucket not in self._names:
            return record
        values = {**record.values, "bucket": self._names[bucket]}
        return dataclasses.replace(record, values=values)

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        found = self._store.fetch_many(correlation_ids)
        return {key: self._record(record) for key, record in found.items()}

    def probe(
        self, correlation_ids: Sequence[str], on_found: OnFound | None = None
    ) -> dict[str, LogRecord]:
        def told(records: Mapping[str, LogRecord]) -> None:
            if on_found is not None:
                on_found({key: self._record(record) for key, record in records.items()})

        found = self._store.probe(correlation_ids, told)
        return {key: self._record(record) for key, record in found.items()}

    def bucket_counts(self) -> dict[str, int] | None:
        counts = self._store.bucket_counts()
        if counts is None:
            return None
        renamed: dict[str, int] = {}
        for name, count in counts.items():
            bucket = self._names.get(name, name)
            renamed[bucket] = renamed.get(bucket, 0) + count
        return renamed

    def list_records(self) -> Sequence[LogRecord] | None:
        records = self._store.list_records()
        return None if records is None else [self._record(r) for r in records]

    def records_in(self, window: TimeWindow) -> Sequence[LogRecord] | None:
        records = self._store.records_in(window)
        return None if records is None else [self._record(r) for r in records]

    def close(self) -> None:
        self._store.close()
