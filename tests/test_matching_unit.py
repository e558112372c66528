"""Rows matched to correlation ids (logstore/matching.py) and the field mapper's policy hook,
on plain values: the cases the adapters' end-to-end tests do not reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.logstore.mapping import FieldMapper, FieldSpec
from pytest_tagsmoke.logstore.matching import IdMatcher

if TYPE_CHECKING:
    from pytest_tagsmoke.logstore.base import LogRecord

FIELDS = {"owner": FieldSpec("tags.owner"), "environment": FieldSpec("env", normalize=True)}
ROW = {"cid": "tagsmoke-1", "tags": {"owner": "team-a"}, "env": "prd"}


def test_without_an_id_field_a_row_carries_no_id() -> None:
    matcher = IdMatcher(FieldMapper(FIELDS), None)
    assert matcher.by_field is False
    assert matcher.id_of(ROW) is None


def test_with_an_id_field_a_row_carries_its_id() -> None:
    matcher = IdMatcher(FieldMapper(FIELDS), "cid")
    assert matcher.by_field is True
    assert matcher.id_of(ROW) == "tagsmoke-1"


def test_without_an_id_field_and_no_id_asked_nothing_matches() -> None:
    matcher = IdMatcher(FieldMapper(FIELDS), None)
    assert matcher.match([ROW], ids=[]) == {}
    assert matcher.match([ROW]) == {}


def test_without_an_id_field_every_row_is_the_one_id_asked() -> None:
    found = IdMatcher(FieldMapper(FIELDS), None).match([ROW, ROW], ids=["tagsmoke-9"])
    assert list(found) == ["tagsmoke-9"]
    assert found["tagsmoke-9"].count == 2
    assert found["tagsmoke-9"].values["owner"] == "team-a"


def test_values_the_caller_mapped_are_the_record_as_given() -> None:
    matcher = IdMatcher(FieldMapper(FIELDS), "cid")
    found: dict[str, LogRecord] = {}
    matcher.add(found, "tagsmoke-1", ROW, values={"owner": "mapped-by-caller"})
    assert found["tagsmoke-1"].values == {"owner": "mapped-by-caller"}
    matcher.add(found, "tagsmoke-1", ROW)
    assert found["tagsmoke-1"].values == {"owner": "mapped-by-caller"}
    assert found["tagsmoke-1"].count == 2


def test_a_normalize_function_is_used_as_given() -> None:
    seen: list[tuple[str, str]] = []

    def normalize(dimension: str, value: str) -> str:
        seen.append((dimension, value))
        return value.upper()

    values = FieldMapper(FIELDS, normalize).map(ROW)
    assert values == {"owner": "team-a", "environment": "PRD"}
    assert seen == [("environment", "prd")]


def test_aliases_instead_of_a_function_normalize_through_the_policy() -> None:
    aliases = {"environment": {"prd": "production"}}
    assert FieldMapper(FIELDS, aliases).map(ROW)["environment"] == "production"
    assert FieldMapper(FIELDS).map(ROW)["environment"] == "prd"
