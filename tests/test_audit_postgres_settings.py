"""The PostgreSQL census changes its session's planner settings for the census query only
(audit/sql_census.py ``POSTGRES_CENSUS_SETTINGS``): whatever the session had before is what
it has after, when the query succeeds and when it fails."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import psycopg
import pytest

from pytest_tagsmoke.audit.run import load
from pytest_tagsmoke.audit.sample import production_values
from pytest_tagsmoke.audit.source import AuditStoreError, Reading, open_source
from pytest_tagsmoke.audit.sql_census import POSTGRES_CENSUS_SETTINGS, SqlCensus
from tests import audit_stores as stores

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TABLE = "audit_settings_restored"
#: Not the server's defaults, so a restore to the defaults would be caught too.
BEFORE = {
    "enable_sort": "on",
    "jit": "on",
    "parallel_setup_cost": "123",
    "parallel_tuple_cost": "0.5",
}


def _census(tmp_path: Path) -> SqlCensus:
    stores.write_postgres(POSTGRES_URL, TABLE)
    source = f"kind: sql\nurl: {POSTGRES_URL}\ntable: {TABLE}\n{stores.POSTGRES_FIELDS}"
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    profile, config = load(tmp_path / "tagsmoke.yaml")
    window = config.window(dt.datetime.now(dt.timezone.utc), None, None)
    reading = Reading(window, config.seed, production_values(profile.policy), 30)
    census = open_source(config.source, reading, profile.base_dir)
    assert isinstance(census, SqlCensus)
    return census


def _settings(census: SqlCensus) -> dict[str, str]:
    names = list(POSTGRES_CENSUS_SETTINGS)
    row = census._db.rows("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))[0]
    return dict(zip(names, row, strict=True))


@pytest.fixture
def census(tmp_path: Path) -> Iterator[SqlCensus]:
    census = _census(tmp_path)
    assert set(BEFORE) == set(POSTGRES_CENSUS_SETTINGS)
    for name, value in BEFORE.items():
        census._db.rows(f"SELECT set_config('{name}', '{value}', false)")
    assert _settings(census) == BEFORE
    yield census
    census.close()


def test_settings_are_restored_after_the_census(census: SqlCensus) -> None:
    assert census.groups()
    # the census query itself ran under the census settings
    assert any("set_config('enable_sort', 'off'" in q for q in census.notes.queries)
    assert _settings(census) == BEFORE


def test_settings_are_restored_when_the_census_query_fails(census: SqlCensus) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as other:
        other.execute(f"DROP TABLE {TABLE}")
    with pytest.raises(AuditStoreError, match=TABLE):
        census.groups()
    assert _settings(census) == BEFORE
