"""Run artifacts: one folder per run under the artifact folder."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pathlib import Path


def new_run_id() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


class RunArtifacts:
    """Writes ``records.jsonl`` one line per finished scenario, flushed at once.

    The folder is made on the first record, so a run that sends nothing leaves nothing.
    """

    def __init__(self, base: Path, run_id: str) -> None:
        self.folder = base / run_id
        self.records_path = self.folder / "records.jsonl"
        self._stream: TextIO | None = None
        self.results: list[str] = []

    def write_record(self, record: dict[str, Any]) -> None:
        if self._stream is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._stream = self.records_path.open("a", encoding="utf-8")
        self._stream.write(json.dumps(record, sort_keys=False) + "\n")
        self._stream.flush()
        self.results.append(str(record["result"]))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
