"""JSONL file log store: follows files a gateway or log shipper appends to.

Each poll reads only what was appended since the last one; a last line without its newline
is still being written and waits for the next poll; a file that shrank was rotated or
truncated and is read again from its start; a glob picks up rotated files.
"""

from __future__ import annotations

import glob
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jmespath

from pytest_tagsmoke.logstore import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.mapping import scalar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_tagsmoke.logstore.mapping import FieldMapper
    from pytest_tagsmoke.profile import LogStoreConfig


class JsonlLogStore:
    def __init__(self, config: LogStoreConfig, base_dir: Path, mapper: FieldMapper) -> None:
        if not config.path:
            raise LogStoreError("the jsonl log store needs log_store.path")
        self._pattern = str(base_dir / config.path)
        self._mapper = mapper
        self._id_field = jmespath.compile(config.id_field or "correlation_id")
        self._offsets: dict[Path, int] = {}
        self._lines: dict[Path, int] = {}
        self._records: dict[str, LogRecord] = {}
        self._buckets: Counter[str] = Counter()

    def _files(self) -> list[Path]:
        return sorted(Path(p) for p in glob.glob(self._pattern, recursive=True))

    def _poll(self) -> None:
        for path in self._files():
            try:
                size = path.stat().st_size
                offset = self._offsets.get(path, 0)
                if size < offset:  # rotated or truncated: read it again from the start
                    offset, self._lines[path] = 0, 0
                if size == offset:
                    continue
                with path.open("rb") as stream:
                    stream.seek(offset)
                    chunk = stream.read(size - offset)
            except OSError as exc:
                raise LogStoreError(f"cannot read the log file {path}: {exc}") from None
            complete = chunk.rfind(b"\n") + 1  # an unfinished last line waits
            self._offsets[path] = offset + complete
            for raw in chunk[:complete].splitlines():
                self._lines[path] = self._lines.get(path, 0) + 1
                if raw.strip():
                    self._add(path, raw)

    def _add(self, path: Path, raw: bytes) -> None:
        try:
            document: Any = json.loads(raw)
        except ValueError:
            raise LogStoreError(f"{path}:{self._lines[path]}: the log line is not JSON") from None
        if not isinstance(document, dict):
            raise LogStoreError(f"{path}:{self._lines[path]}: the log line is not a JSON object")
        key = scalar(self._id_field.search(document))
        record = LogRecord(self._mapper.map(document))
        if key is not None:
            first = self._records.get(key)
            self._records[key] = (
                record if first is None else LogRecord(first.values, count=first.count + 1)
            )
        bucket = record.get("bucket")
        if bucket is not None:
            self._buckets[bucket] += 1

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        self._poll()
        return {i: self._records[i] for i in correlation_ids if i in self._records}

    def bucket_counts(self) -> dict[str, int] | None:
        self._poll()
        return dict(self._buckets)

    def close(self) -> None:
        """Files are opened per poll; nothing stays open."""
