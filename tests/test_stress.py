"""Many scenarios against the healthy reference gateway: no false verdicts, nothing lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import write_many_scenarios

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_200_scenarios_with_random_lag_inside_the_deadline(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    write_many_scenarios(demo, 194)  # + the 6 demo scenarios = 200
    with ReferenceGateway(tmp_path / "log.sqlite", ingest_delay=0.1) as gateway:
        gateway.faults.ingest_jitter = 1.5  # lag uniform in [0.1, 1.6] s; deadline 10 s
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=200)


def test_1000_scenarios_make_1000_records(demo: pytest.Pytester, tmp_path: Path) -> None:
    write_many_scenarios(demo, 994)
    with ReferenceGateway(tmp_path / "log.sqlite") as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-q")
        assert gateway.stats["chat"] == 1000
    result.assert_outcomes(passed=1000)
    records = next((demo.path / "tagsmoke-artifacts").iterdir()) / "records.jsonl"
    lines = records.read_text().splitlines()
    assert len(lines) == 1000
    assert len({line.split('"correlation_id": "')[1][:40] for line in lines}) == 1000
