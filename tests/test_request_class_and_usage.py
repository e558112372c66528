"""Request class and token usage (issue #14, point 4): where the profile maps
``request_class`` the record must hold the scenario's; where it maps token fields the record
must report usage (counts, never price). Against the reference gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.reference import Faults, ReferenceGateway
from tests.helpers import read_records

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

MAPPED = """\
    request_class: request_class
    prompt_tokens: prompt_tokens
    total_tokens: total_tokens
"""


def _map(project: Path, *, attach: bool) -> None:
    profile = project / "tagsmoke.yaml"
    text = profile.read_text().replace(
        "    follow_up: follow_up\n", "    follow_up: follow_up\n" + MAPPED
    )
    if attach:
        text = text.replace("attach:\n", "attach:\n  request_class: {header: x-request-class}\n")
    profile.write_text(text)


def test_request_class_and_token_usage_are_read_and_checked(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    _map(demo.path, attach=True)
    with ReferenceGateway(tmp_path / "log.sqlite") as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    records = read_records(demo.path)
    assert {r["request_class_in_log"] for r in records} == {"chat-smoke"}
    assert {r["token_usage_reported"] for r in records} == {"yes"}


def test_a_record_with_another_request_class_fails(demo: pytest.Pytester, tmp_path: Path) -> None:
    _map(demo.path, attach=False)  # nothing sends the class: the gateway logs none
    with ReferenceGateway(tmp_path / "log.sqlite") as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-k", "header")
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(
        ["*request_class: the scenario's is 'chat-smoke', the record has no value*"]
    )
    (record,) = read_records(demo.path)
    assert (record["failure_reason"], record["request_class_in_log"]) == ("tag_mismatch", None)


def test_records_without_token_usage_fail(demo: pytest.Pytester, tmp_path: Path) -> None:
    _map(demo.path, attach=True)
    faults = Faults(drop_usage=True)
    with ReferenceGateway(tmp_path / "log.sqlite", faults=faults) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-k", "header")
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(["*token usage: record field prompt_tokens has no value*"])
    (record,) = read_records(demo.path)
    assert record["token_usage_reported"] == "no"


def test_unmapped_usage_and_class_are_not_checked(demo: pytest.Pytester, tmp_path: Path) -> None:
    with ReferenceGateway(tmp_path / "log.sqlite", faults=Faults(drop_usage=True)) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    records = read_records(demo.path)
    assert {r["token_usage_reported"] for r in records} == {"not-checked"}
    assert {r["request_class_in_log"] for r in records} == {None}
