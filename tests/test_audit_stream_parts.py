"""The streaming JSONL census in two parts (one read by a worker process): the cut falls on
a line start, every byte is read once, a malformed line of the second part is named by its
line in its file, and the census is the one-pass census (tests/test_audit_census.py runs
every exactness test with the split forced too: kind ``jsonl-split``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_tagsmoke.audit.run import load, run_audit
from pytest_tagsmoke.audit.stream_parts import SPLIT_FROM_VARIABLE, two_parts
from tests import audit_stores as stores


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("sizes", [[1], [7], [3, 4], [1, 1, 5], [6, 0, 2]])
def test_the_two_parts_cut_at_line_starts_and_cover_every_byte_once(
    tmp_path: Path, sizes: list[int]
) -> None:
    paths = []
    for number, count in enumerate(sizes):
        path = tmp_path / f"part-{number}.jsonl"
        path.write_bytes(b"".join(b'{"n": %d}\n' % (i * 1000) for i in range(count)))
        paths.append(path)
    first, second = two_parts(paths)
    read: dict[str, bytes] = {}
    for name, start, end in [*first, *second]:
        data = Path(name).read_bytes()
        assert start == 0 or data[start - 1 : start] == b"\n"  # a line start
        assert end == len(data) or data[end - 1 : end] == b"\n"
        read[name] = read.get(name, b"") + data[start:end]
    assert read == {str(p): p.read_bytes() for p in paths}
    # Both parts get work when there are at least two lines.
    if sum(sizes) >= 2:
        assert any(end > start for _, start, end in first)
        assert any(end > start for _, start, end in second)


def _profile(tmp_path: Path, path: str) -> Path:
    source = f"kind: jsonl\npath: {path}\nengine: streaming\n{stores.SQL_GROUP_FIELDS}"
    profile = tmp_path / "tagsmoke.yaml"
    profile.write_text(stores.profile_text(source))
    return profile


def _summary(profile: Path) -> dict[str, Any]:
    loaded, config = load(profile)
    return run_audit(loaded, config, run_id="test").summary


def test_a_malformed_line_of_the_second_part_is_named_by_its_line_in_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores.write_jsonl(tmp_path / "store.jsonl", malformed=False)
    lines = _lines(tmp_path / "store.jsonl")
    # Two malformed lines near the end (the second part), one near the start (the first).
    lines[len(lines) - 3 : len(lines) - 3] = [b"{not json\n", b"[1, 2]\n"]
    lines[2:2] = [b"oops\n"]
    (tmp_path / "store.jsonl").write_bytes(b"".join(lines))
    expected = [
        number
        for number, line in enumerate(_lines(tmp_path / "store.jsonl"), start=1)
        if not line.startswith(b"{") or line.startswith(b"{not")
    ]
    assert len(expected) == 3
    profile = _profile(tmp_path, "store.jsonl")
    monkeypatch.setenv(SPLIT_FROM_VARIABLE, "1")
    split = _summary(profile)
    monkeypatch.setenv(SPLIT_FROM_VARIABLE, "999999999999")
    whole = _summary(profile)
    assert split["source"]["malformed"] == whole["source"]["malformed"] == 3
    where = [f"{tmp_path / 'store.jsonl'}:{n}: not a JSON object" for n in expected]
    assert split["source"]["malformed_examples"] == whole["source"]["malformed_examples"] == where
    for key in ("records_in_window", "counts", "reasons", "coverage", "sample"):
        assert split[key] == whole[key], key


def test_records_spread_over_several_files_give_the_one_pass_census(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = stores.records()
    (tmp_path / "logs").mkdir()
    # Uneven files: the cut falls inside the second of them.
    for number, (low, high) in enumerate([(0, 10), (10, 90), (90, len(records))]):
        (tmp_path / "logs" / f"day-{number}.jsonl").write_text(
            "".join(json.dumps(record) + "\n" for record in records[low:high])
        )
    profile = _profile(tmp_path, "logs/*.jsonl")
    monkeypatch.setenv(SPLIT_FROM_VARIABLE, "1")
    split = _summary(profile)
    monkeypatch.setenv(SPLIT_FROM_VARIABLE, "999999999999")
    whole = _summary(profile)
    assert split["records_in_window"] == whole["records_in_window"] == 138
    for key in ("counts", "reasons", "coverage", "sample", "services"):
        assert split[key] == whole[key], key
