"""JSONL file log store: follows files a gateway or log shipper appends to.

Each poll reads only what was appended since the last one; a last line without its newline
is still being written and waits for the next poll; a file that shrank was rotated or
truncated and is read again from its start; a glob picks up rotated files. A line that is
not a JSON object (or is nested too deep) is skipped and noted in :attr:`skipped`: it never
hides the lines after it.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import datetime as dt
import glob
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.logstore.base import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.bounded import AnswerTooLarge, loads
from pytest_tagsmoke.logstore.matching import IdMatcher

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_tagsmoke.logstore.base import OnFound, TimeWindow
    from pytest_tagsmoke.logstore.mapping import FieldMapper
    from pytest_tagsmoke.logstore.settings import JsonlSettings


class JsonlLogStore:
    def __init__(self, config: JsonlSettings, base_dir: Path, mapper: FieldMapper) -> None:
        if not config.path:
            raise LogStoreError("the jsonl log store needs log_store.path")
        self._pattern = str(base_dir / config.path)
        self._mapper = mapper
        self._matcher = IdMatcher(mapper, config.id_field or "correlation_id")
        self._offsets: dict[Path, int] = {}
        self._lines: dict[Path, int] = {}
        self._max_depth = config.max_answer_depth
        self._max_line = config.max_answer_bytes
        self._records: dict[str, LogRecord] = {}
        #: Every record read, equal ones together (what crosses to the harness grows with
        #: the distinct values, not with traffic).
        self._distinct: Counter[tuple[tuple[str, str | None], ...]] = Counter()
        #: ``path:line: why`` for each line skipped.
        self.skipped: list[str] = []

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
        where = f"{path}:{self._lines[path]}"
        if len(raw) > self._max_line:
            self.skipped.append(f"{where}: the log line is longer than {self._max_line} bytes")
            return
        try:
            document: Any = loads(raw, self._max_depth)
        except AnswerTooLarge:
            self.skipped.append(f"{where}: the log line is nested deeper than {self._max_depth}")
            return
        except ValueError:
            self.skipped.append(f"{where}: the log line is not JSON")
            return
        if not isinstance(document, dict):
            self.skipped.append(f"{where}: the log line is not a JSON object")
            return
        values = self._mapper.map(document)
        key = self._matcher.id_of(document)
        if key is not None:
            self._matcher.add(self._records, key, document, values)
        self._distinct[tuple(values.items())] += 1

    def fetch_many(self, correlation_ids: Sequence[str]) -> dict[str, LogRecord]:
        self._poll()
        return {i: self._records[i] for i in correlation_ids if i in self._records}

    def probe(
        self, correlation_ids: Sequence[str], on_found: OnFound | None = None
    ) -> dict[str, LogRecord]:
        """A tick asks for every id: one read answers them all (returned; ``on_found``
        has nothing to hear before)."""
        return self.fetch_many(correlation_ids)

    def bucket_counts(self) -> dict[str, int] | None:
        """Records per ``bucket`` field; None when a record carries none (LiteLLM's log,
        Kong's file log): the harness then counts :meth:`list_records` by the policy."""
        self._poll()
        counts: Counter[str] = Counter()
        for values, n in self._distinct.items():
            bucket = dict(values).get("bucket")
            if bucket is None:
                return None
            counts[bucket] += n
        return dict(counts)

    def list_records(self) -> list[LogRecord]:
        self._poll()
        return [LogRecord(dict(values), count=n) for values, n in self._distinct.items()]

    def records_in(self, window: TimeWindow) -> list[LogRecord]:
        """The records whose ``timestamp`` field falls in ``window`` (ISO 8601; one without
        a timestamp it can read is in every window), equal ones together."""
        self._poll()
        return [
            LogRecord(dict(values), count=n)
            for values, n in self._distinct.items()
            if _in_window(dict(values).get("timestamp"), window)
        ]

    def close(self) -> None:
        """Files are opened per poll; nothing stays open."""


def _in_window(timestamp: str | None, window: TimeWindow) -> bool:
    try:
        moment = dt.datetime.fromisoformat((timestamp or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return window.since <= moment < window.until
