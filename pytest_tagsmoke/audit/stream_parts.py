"""The streaming JSONL census on two cores: the files' bytes cut in two at a line start,
the second part read by a worker process while this process reads the first, the two
parts' censuses merged (:meth:`StreamCensus.merge`: counts summed, each stratum pool the
lowest keys of both, so the same seed draws the same sample). The worker is a fresh
interpreter running this module: unlike :mod:`multiprocessing`'s spawn it imports nothing
of the caller's ``__main__``, so a script without a ``__main__`` guard still works.

A malformed line of the second part is named by its line in its file: the first part
reports how many lines of that file it read. Files smaller in all than :func:`split_from`
bytes are read in one pass, as are CSV files (a quoted field may hold a line break, so a
byte offset is no safe place to cut).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_tagsmoke.audit.jsonl_lines import MALFORMED_EXAMPLES, json_object
from pytest_tagsmoke.audit.source_types import AuditStoreError
from pytest_tagsmoke.audit.split_threshold import split_threshold
from pytest_tagsmoke.audit.stream_census import StreamCensus

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from pytest_tagsmoke.audit.source_config import SourceConfig
    from pytest_tagsmoke.audit.source_types import Reading

#: Files of fewer bytes than this in all are read in one pass (the environment variable
#: ``TAGSMOKE_STREAM_SPLIT_FROM`` changes it: 1 always splits).
SPLIT_FROM = 32 * 2**20
SPLIT_FROM_VARIABLE = "TAGSMOKE_STREAM_SPLIT_FROM"


def split_from() -> int:
    """The size in bytes from which JSONL files are read in two parts."""
    return split_threshold(SPLIT_FROM_VARIABLE, SPLIT_FROM, "bytes")


class ByteRange(NamedTuple):
    """Bytes ``start`` (a line start) to ``end`` (a line start, or the file's end)."""

    path: str
    start: int
    end: int


@dataclasses.dataclass
class PartRead:
    """What a part's read hands back (plain values: it crosses a process boundary): its
    census counts and stratum pools, its malformed lines (file, line within the range,
    what) and how many lines it read of each of its ranges."""

    counts: dict[tuple[Any, ...], list[int]] = dataclasses.field(default_factory=dict)
    pools: dict[tuple[str, Any], list[Any]] = dataclasses.field(default_factory=dict)
    malformed: int = 0
    examples: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)
    lines: list[int] = dataclasses.field(default_factory=list)


def _next_line_start(path: Path, offset: int, size: int) -> int:
    """The first line start at or after ``offset`` (``size`` when no line starts there)."""
    if offset <= 0:
        return 0
    with path.open("rb") as stream:
        stream.seek(offset - 1)
        if stream.read(1) == b"\n":
            return offset
        rest = stream.readline()
    return min(offset + len(rest), size)


def two_parts(paths: Sequence[Path]) -> tuple[list[ByteRange], list[ByteRange]]:
    """The files cut in two parts of about equal bytes, at a line start."""
    sizes = [path.stat().st_size for path in paths]
    middle = sum(sizes) // 2
    first: list[ByteRange] = []
    second: list[ByteRange] = []
    before = 0
    for path, size in zip(paths, sizes, strict=True):
        if before + size <= middle:
            first.append(ByteRange(str(path), 0, size))
        elif before >= middle:
            second.append(ByteRange(str(path), 0, size))
        else:
            cut = _next_line_start(path, middle - before, size)
            first.append(ByteRange(str(path), 0, cut))
            second.append(ByteRange(str(path), cut, size))
        before += size
    return first, second


def _documents(ranges: Sequence[ByteRange], read: PartRead) -> Iterator[Any]:
    parse = json_object
    for path, start, end in ranges:
        lines = 0
        try:
            with open(path, "rb") as stream:
                stream.seek(start)
                position = start
                while position < end:
                    raw = stream.readline()
                    if not raw:
                        break
                    position += len(raw)
                    lines += 1
                    document = parse(raw)
                    if document is None:
                        if raw.strip():
                            read.malformed += 1
                            if len(read.examples) < MALFORMED_EXAMPLES:
                                read.examples.append((path, lines, "not a JSON object"))
                        continue
                    yield document
        except OSError as exc:
            raise AuditStoreError(f"cannot read {path}: {exc}") from None
        read.lines.append(lines)


def read_part(config: SourceConfig, reading: Reading, ranges: Sequence[ByteRange]) -> PartRead:
    """One part's census, read in this process."""
    census = StreamCensus(
        config, reading.window, reading.seed, reading.production, reading.pool_size
    )
    read = PartRead()
    census.consume(_documents(ranges, read))
    read.counts, read.pools = census.counts, census.pools
    return read


def read_in_two_parts(
    census: StreamCensus, config: SourceConfig, reading: Reading, paths: Sequence[Path]
) -> tuple[int, list[str]]:
    """Count ``paths`` (JSONL) into ``census``, read in two parts at once; the malformed
    line count and the first malformed lines (``file:line: what``)."""
    first, second = two_parts(paths)
    # What the worker needs, as plain values (no credentials: a file store has none).
    plain = dataclasses.replace(
        config, fields=dict(config.fields), query={}, headers={}, auth={}, pages=None
    )
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise AuditStoreError(
            f"cannot start the second reader of the JSONL files ({exc.strerror}): set "
            f"{SPLIT_FROM_VARIABLE} to a size above the files' to read them in one pass"
        ) from None
    try:
        assert worker.stdin is not None
        worker.stdin.write(pickle.dumps((plain, reading, second)))  # a few hundred bytes
        worker.stdin.close()
        worker.stdin = None  # given: communicate() only collects the answer
        head = read_part(plain, reading, first)
        output, errors = worker.communicate()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    tail = _part_from(output, errors, worker.returncode)
    census.merge(head.counts, head.pools)
    census.merge(tail.counts, tail.pools)
    # A line of the second part is counted from where the first part's read of its file ends.
    lines_before = {path: lines for (path, _, _), lines in zip(first, head.lines, strict=False)}
    examples = [f"{path}:{line}: {what}" for path, line, what in head.examples]
    for path, line, what in tail.examples:
        start = next(r.start for r in second if r.path == path)
        offset = lines_before.get(path, 0) if start else 0
        examples.append(f"{path}:{offset + line}: {what}")
    return head.malformed + tail.malformed, examples[:MALFORMED_EXAMPLES]


def _part_from(output: bytes, errors: bytes, returncode: int) -> PartRead:
    """The worker's part, or its error raised here."""
    if returncode != 0:
        last = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise AuditStoreError(f"the second reader of the JSONL files failed: {last[0]}")
    result = pickle.loads(output)
    if isinstance(result, AuditStoreError):
        raise result
    if not isinstance(result, PartRead):
        raise AuditStoreError("the second reader of the JSONL files gave no census")
    return result


def _worker() -> None:
    """Read the part given on stdin; its :class:`PartRead` (or the store error) on stdout."""
    config, reading, ranges = pickle.loads(sys.stdin.buffer.read())
    try:
        result: PartRead | AuditStoreError = read_part(config, reading, ranges)
    except AuditStoreError as exc:
        result = exc
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    # Run as a script this module is ``__main__``: its classes must be pickled under the
    # module's own name, so the worker is the imported module's.
    from pytest_tagsmoke.audit import stream_parts

    stream_parts._worker()
