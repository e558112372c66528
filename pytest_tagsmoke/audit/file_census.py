"""The census over files: JSONL gateway logs, CSV and Parquet usage exports.

With DuckDB (the ``audit-duckdb`` extra) the census query is the same sqlglot-built GROUP
BY as for SQL stores, run by an embedded analytical engine over the files; without it, a
streaming standard-library reader keeps only counts per distinct tuple. Both give the same
census and the same sample. Fields are record paths (``tags.owner``) for JSONL and column
names for CSV and Parquet. A line that is not a JSON object is counted as malformed and
skipped; the audit goes on.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import csv
import glob
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.audit.jsonl_lines import MALFORMED_EXAMPLES, json_object
from pytest_tagsmoke.audit.source_types import AuditStoreError, ReadNotes
from pytest_tagsmoke.audit.stream_census import StreamCensus, simple_path

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pytest_tagsmoke.audit.groups import Group
    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.source_config import SourceConfig
    from pytest_tagsmoke.audit.source_types import CensusSource, Reading


def duckdb_available() -> bool:
    try:
        import duckdb  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError:
        return False
    return True


def files(config: SourceConfig, base_dir: Path) -> list[Path]:
    pattern = str(base_dir / (config.path or ""))
    found = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    if not found:
        raise AuditStoreError(f"no file matches audit.source.path {pattern}")
    return found


def open_file_census(config: SourceConfig, reading: Reading, base_dir: Path) -> CensusSource:
    paths = files(config, base_dir)
    complex_paths = [
        name
        for name, path in config.fields.items()
        if config.kind == "jsonl" and not simple_path(path)
    ]
    engine = config.engine
    if engine == "auto":
        engine = "duckdb" if duckdb_available() and not complex_paths else "streaming"
    if engine == "duckdb":
        if not duckdb_available():
            raise AuditStoreError(
                "audit.source.engine is duckdb but DuckDB is not installed: "
                "pip install 'pytest-tagsmoke[audit-duckdb]' (or use engine: streaming)"
            )
        if complex_paths:
            raise AuditStoreError(
                f"DuckDB reads plain record paths only; {', '.join(complex_paths)} use "
                "richer JMESPath: use engine: streaming"
            )
        from pytest_tagsmoke.audit.duckdb_census import DuckDBCensus

        return DuckDBCensus(config, reading, paths)
    if config.kind == "parquet":
        raise AuditStoreError(
            "Parquet files are read by DuckDB: pip install 'pytest-tagsmoke[audit-duckdb]'"
        )
    return StreamingFileCensus(config, reading, paths)


class StreamingFileCensus:
    """One pass over the files, line by line; memory holds counts, not records."""

    def __init__(self, config: SourceConfig, reading: Reading, paths: Sequence[Path]) -> None:
        self.notes = ReadNotes(engine="streaming")
        self._census = StreamCensus(
            config, reading.window, reading.seed, reading.production, reading.pool_size
        )
        self._kind = config.kind
        self._paths = paths
        self._read = False
        self._config, self._reading = config, reading

    def _documents(self) -> Iterator[Any]:
        for path in self._paths:
            try:
                if self._kind == "csv":
                    yield from self._csv_rows(path)
                else:
                    yield from self._jsonl_documents(path)
            except OSError as exc:
                raise AuditStoreError(f"cannot read {path}: {exc}") from None

    def _jsonl_documents(self, path: Path) -> Iterator[Any]:
        parse = json_object
        with path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                document = parse(raw)
                if document is None:
                    if raw.strip():
                        self._malformed(path, number, "not a JSON object")
                    continue
                yield document

    def _csv_rows(self, path: Path) -> Iterator[Any]:
        with path.open(newline="", encoding="utf-8") as stream:
            reader = csv.DictReader(stream)
            for row in reader:
                if None in row or None in row.values():
                    self._malformed(path, reader.line_num, "wrong number of fields")
                    continue
                yield row

    def _malformed(self, path: Path, line: int, what: str) -> None:
        self.notes.malformed += 1
        if len(self.notes.malformed_examples) < MALFORMED_EXAMPLES:
            self.notes.malformed_examples.append(f"{path}:{line}: {what}")

    def _in_two_parts(self) -> bool:
        """JSONL files large enough to be worth a second core (see :mod:`.stream_parts`)."""
        if self._kind != "jsonl" or not sys.executable:  # no interpreter to start a worker
            return False
        from pytest_tagsmoke.audit.stream_parts import split_from

        try:
            size = sum(path.stat().st_size for path in self._paths)
        except OSError as exc:
            raise AuditStoreError(f"cannot read {exc.filename}: {exc.strerror}") from None
        return size >= split_from()

    def groups(self) -> list[Group]:
        if not self._read:
            if self._in_two_parts():
                from pytest_tagsmoke.audit.stream_parts import read_in_two_parts

                malformed, examples = read_in_two_parts(
                    self._census, self._config, self._reading, self._paths
                )
                self.notes.malformed += malformed
                self.notes.malformed_examples.extend(examples[:MALFORMED_EXAMPLES])
            else:
                self._census.consume(self._documents())
            self._read = True
        groups = self._census.groups()
        self.notes.census_rows = len(groups)
        return groups

    def candidates(self, stratum: Stratum, limit: int) -> list[dict[str, Any]]:
        return self._census.candidates(stratum, limit)

    def close(self) -> None:
        """Files are opened per pass; nothing stays open."""
