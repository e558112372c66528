"""The records kept to the run's end for its summaries hold each distinct mapping once
(issue #16: memory at 5,000 scenarios), and stay equal to the records written."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from pytest_tagsmoke.records.kept_records import SharedMappings
from pytest_tagsmoke.records.smoke_record import SmokeRecord
from pytest_tagsmoke.reports.artifacts import RunArtifacts
from tests.test_smoke_record import _outcome, _smoke

if TYPE_CHECKING:
    from pathlib import Path


def _copy(record: SmokeRecord, **changes: object) -> SmokeRecord:
    """An equal record with mappings of its own (as one carried on a report has)."""
    return replace(SmokeRecord.from_json_dict(record.to_json_dict()), **changes)  # type: ignore[arg-type]


def test_equal_mappings_are_kept_once_and_the_records_stay_equal() -> None:
    first = _smoke(_outcome())
    second = _copy(first, correlation_id="cid-2")
    assert second.attribution_fields is not first.attribution_fields
    shared = SharedMappings()
    kept = [shared.share(first), shared.share(second)]
    assert kept == [first, second]
    assert kept[1].attribution_fields is kept[0].attribution_fields
    assert kept[1].tags_in_log is kept[0].tags_in_log
    assert kept[1].mapped_owner is kept[0].mapped_owner
    assert kept[1].correlation_id == "cid-2"


def test_different_mappings_are_not_merged() -> None:
    first = _smoke(_outcome())
    spec = {**first.attribution_fields["owner"], "value": "team-b"}
    other = _copy(first, attribution_fields={**first.attribution_fields, "owner": spec})
    shared = SharedMappings()
    shared.share(first)
    kept = shared.share(other)
    assert kept.attribution_fields["owner"]["value"] == "team-b"
    assert kept.tags_in_log is first.tags_in_log  # what is equal is still shared


def test_the_mappings_remembered_are_bounded() -> None:
    shared = SharedMappings(limit=4)
    first = _smoke(_outcome())
    for n in range(10):
        shared.share(_copy(first, drift={"owner": f"team-{n}"}))
    again = _copy(first, drift={"owner": "team-0"})  # long forgotten
    assert shared.share(again).drift is again.drift


def test_the_summaries_count_the_kept_records_as_written(tmp_path: Path) -> None:
    artifacts = RunArtifacts(tmp_path, "run-1")
    first = _smoke(_outcome())
    for n in range(3):
        artifacts.write_record(_copy(first, correlation_id=f"cid-{n}"))
    artifacts.close()
    lines = artifacts.records_path.read_text().splitlines()
    assert [SmokeRecord.from_json_dict(json.loads(line)) for line in lines] == artifacts.records
    assert len({id(r.attribution_fields) for r in artifacts.records}) == 1
