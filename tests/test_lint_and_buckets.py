"""Issue #14, point 5: model-identifier assertions refused at load, gateway bucket names
mapped (``unallocated`` -> ``untagged``), and tag-value lint as validate warnings."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import read_records

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _validate(pytester: pytest.Pytester) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", ".")


def _policy(project: Path, block: str) -> None:
    profile = project / "tagsmoke.yaml"
    profile.write_text(profile.read_text().replace("policy:\n", "policy:\n" + block, 1))


def test_a_model_identifier_assertion_is_refused_with_the_reason(demo: pytest.Pytester) -> None:
    (demo.path / "scenarios" / "model.yaml").write_text(
        "scenarios:\n  - name: model\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: search}\n"
        "    expect:\n      record: {model: {equals: gpt-4o-mini}}\n"
    )
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            "    follow_up: follow_up\n", "    follow_up: follow_up\n    model: model\n"
        )
    )
    result = _validate(demo)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*model.yaml:6:16: scenarios[[]0].expect.record.model: a smoke test of the tagging "
            "path must not assert specific model identifiers*",
            "*hint: remove it*",
        ]
    )
    run = demo.runpytest("--tagsmoke", "--tagsmoke-endpoint=http://127.0.0.1:9")
    run.stdout.fnmatch_lines(["*must not assert specific model identifiers*"])
    assert run.ret != 0


def test_gateway_bucket_names_are_mapped(demo: pytest.Pytester, tmp_path: Path) -> None:
    names = {"untagged": "unallocated"}
    with ReferenceGateway(tmp_path / "a.sqlite", bucket_names=names) as gateway:
        unmapped = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    unmapped.assert_outcomes(passed=3, failed=3)
    first = [r for r in read_records(demo.path) if r["result"] == "fail"]
    assert {r["bucket"] for r in first} == {"unallocated"}
    assert "the record is in bucket 'unallocated', expected 'untagged'" in first[0]["problems"][0]
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            "log_store:\n", "log_store:\n  bucket_names: {unallocated: untagged}\n"
        )
    )
    with ReferenceGateway(tmp_path / "b.sqlite", bucket_names=names) as gateway:
        mapped = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    mapped.assert_outcomes(passed=6)
    untagged = [r for r in read_records(demo.path) if r["bucket"] == "untagged"]
    assert [r["untagged_bucket_incremented"] for r in untagged] == ["yes"] * 3


LINTED = """\
scenarios:
  - name: free text
    path: happy
    tags: {owner: Team Search, environment: staging, use_case: search-2026-06-14}
  - name: long
    path: happy
    tags: {owner: team-search, environment: staging, use_case: %s}
  - name: error paths send bad values on purpose
    path: error
    tags: {owner: team-search, environment: PRD 10:30, use_case: search}
    expect: {bucket: quarantine}
""" % ("x" * 65)


def test_tag_values_are_linted_as_warnings(demo: pytest.Pytester) -> None:
    (demo.path / "scenarios" / "lint.yaml").write_text(LINTED)
    result = _validate(demo)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "warning: scenarios/lint.yaml:2: free-text.tags.owner: tag value 'Team Search': it "
            "is not a slug*",
            "warning: scenarios/lint.yaml:2: free-text.tags.use_case: tag value "
            "'search-2026-06-14': it holds a date, time or timestamp",
            "*hint: use stable lowercase slugs*",
            "warning: scenarios/lint.yaml:5: long.tags.use_case: tag value 'xxx*': it is 65 "
            "characters long (at most 64)",
            "tagsmoke validate: 3 files valid, 3 warning(s)",
        ]
    )
    result.stdout.no_fnmatch_line("*PRD*")


def test_tag_lint_is_configurable(demo: pytest.Pytester) -> None:
    (demo.path / "scenarios" / "lint.yaml").write_text(LINTED)
    _policy(
        demo.path, "  tag_lint: {pattern: '^[A-Za-z0-9 -]+$', max_length: 80, timestamps: true}\n"
    )
    result = _validate(demo)
    assert (result.ret, result.stdout.lines[-1]) == (0, "tagsmoke validate: 3 files valid")
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            "  tag_lint: {pattern: '^[A-Za-z0-9 -]+$',", "  tag_lint: {enabled: false,"
        )
    )
    assert _validate(demo).stdout.lines[-1] == "tagsmoke validate: 3 files valid"
    profile.write_text(profile.read_text().replace("enabled: false,", "pattern: '[a-',"))
    broken = _validate(demo)
    assert broken.ret == 1
    broken.stdout.fnmatch_lines(
        ["*tagsmoke.yaml:*policy.tag_lint.pattern: not a regular expression*"]
    )
