"""The owner ledger (issue #14, point 1): mapped owners in smoke records, retired and
unknown owners as missing_owner with the ledger's fix, and validate's ledger checks — the
ledger examples of docs/ledger.md, run against the reference gateway."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
import textwrap
from typing import TYPE_CHECKING

import jsonschema
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import REPO, read_records

if TYPE_CHECKING:
    from pathlib import Path

DOC = (REPO / "docs" / "ledger.md").read_text()
SCHEMA = json.loads((REPO / "pytest_tagsmoke/schema/smoke-record.schema.json").read_text())


def _doc_block(language: str, contains: str) -> str:
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", DOC, flags=re.M | re.S)
    found: str = next(b for b in blocks if contains in b)
    return found


LEDGER_YAML = _doc_block("yaml", "owners:\n")
LEDGER_CSV = _doc_block("csv", "owner,team")


def _use_ledger(project: Path, name: str, text: str, extra: str = "") -> None:
    (project / name).write_text(text)
    profile = project / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace("policy:\n", f"policy:\n  ledger: {name}\n{extra}", 1)
    )


def _scenario(project: Path, body: str) -> None:
    (project / "scenarios" / "ledger.yaml").write_text(textwrap.dedent(body))


@pytest.mark.parametrize(
    ("name", "text"), [("owners.yaml", LEDGER_YAML), ("owners.csv", LEDGER_CSV)]
)
def test_every_smoke_record_carries_the_mapped_owner(
    demo: pytest.Pytester, tmp_path: Path, name: str, text: str
) -> None:
    _use_ledger(demo.path, name, text)
    with ReferenceGateway(tmp_path / "log.sqlite") as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    records = {r["scenario_id"]: r for r in read_records(demo.path)}
    for record in records.values():
        jsonschema.validate(record, SCHEMA)
    tagged = records["tagged-by-header-is-attributed"]
    assert tagged["mapped_owner"] == {
        "team": "Search",
        "cost_center": "cc-1042",
        "budget_owner": "dana.lee",
    }
    assert tagged["follow_up_owner"] == "search-platform-oncall"
    assert records["tagged-by-body-metadata-is-attributed"]["mapped_owner"]["team"] == (
        "Support Tools"
    )
    assert records["missing-owner-lands-in-the-untagged-bucket"]["mapped_owner"] is None


def test_retired_and_unknown_owners_are_missing_owner_with_the_ledger_fix(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    _use_ledger(demo.path, "owners.yaml", LEDGER_YAML)
    _scenario(
        demo.path,
        """\
        scenarios:
          - name: retired owner
            path: happy
            tags: {owner: team-legacy-search, environment: staging, use_case: semantic-search}
          - name: unknown owner
            path: happy
            tags: {owner: team-nobody, environment: staging, use_case: semantic-search}
        """,
    )
    with ReferenceGateway(tmp_path / "log.sqlite") as gateway:
        result = demo.runpytest(
            "--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "scenarios/ledger.yaml"
        )
    result.assert_outcomes(failed=2)
    retired_line = LEDGER_YAML.splitlines().index(
        next(line for line in LEDGER_YAML.splitlines() if "owner: team-legacy-search" in line)
    )
    result.stdout.fnmatch_lines(
        [
            "*owner 'team-legacy-search' is retired in the owner ledger "
            f"(owners.yaml:{retired_line + 1})*retag its traffic*",
            "*owner 'team-nobody' is not in the owner ledger (owners.yaml): add a row*",
        ]
    )
    records = read_records(demo.path)
    assert [r["failure_reason"] for r in records] == ["missing_owner", "missing_owner"]
    assert [r["mapped_owner"] for r in records] == [None, None]


def _validate(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", *args)


def test_validate_reports_duplicate_owners_and_bad_rows_with_lines(demo: pytest.Pytester) -> None:
    duplicate = LEDGER_YAML + (
        "  - owner: team-search\n"
        "    team: Search again\n"
        "    cost_center: cc-1043\n"
        "    budget_owner: dana.lee\n"
        "    follow_up: search-platform-oncall\n"
        "    last_reviewed: 14/06/2026\n"
    )
    _use_ledger(demo.path, "owners.yaml", duplicate)
    result = _validate(demo, ".")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*owners.yaml:*last_reviewed*14/06/2026*"])
    (demo.path / "owners.yaml").write_text(duplicate.replace("14/06/2026", "2026-06-14"))
    result = _validate(demo, ".")
    assert result.ret == 1
    line = len(LEDGER_YAML.splitlines()) + 1
    result.stdout.fnmatch_lines(
        [
            f"*owners.yaml:{line}: owners[[]4].owner: owner 'team-search' is already mapped by "
            "the row at owners.yaml:2*"
        ]
    )


def test_validate_warns_about_stale_reviews_and_unknown_references(
    demo: pytest.Pytester,
) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    old = (today - dt.timedelta(days=200)).isoformat()
    fresh = re.sub(r"last_reviewed: \S+", f"last_reviewed: {today}", LEDGER_YAML)
    stale = fresh.replace(f"last_reviewed: {today}", f"last_reviewed: {old}", 2).replace(
        f"last_reviewed: {old}", f"last_reviewed: {today}", 1
    )
    original = (demo.path / "tagsmoke.yaml").read_text()
    _use_ledger(demo.path, "owners.yaml", stale, "  ledger_review_max_age_days: 201\n")
    assert "warning" not in _validate(demo, ".").stdout.str()
    (demo.path / "tagsmoke.yaml").write_text(original)
    _use_ledger(
        demo.path,
        "owners.yaml",
        stale.replace("platform-shared", "platform-common"),
        "  ledger_review_max_age_days: 100\n",
    )
    (demo.path / "scenarios" / "ledger.yaml").write_text(
        "scenarios:\n  - name: retired owner\n    path: happy\n"
        "    tags: {owner: team-legacy-search, environment: staging, use_case: search}\n"
    )
    result = _validate(demo, ".")
    assert result.ret == 0
    line = stale.splitlines().index(f"    last_reviewed: {old}") - 4
    result.stdout.fnmatch_lines(
        [
            f"warning: owners.yaml:{line}: team-support.last_reviewed: owner 'team-support' "
            f"was last reviewed 200 days ago ({old}; allowed: 100)",
            "warning: tagsmoke.yaml:*: policy.owners.platform-shared: owner 'platform-shared' "
            "is not in the owner ledger owners.yaml",
            "warning: tagsmoke.yaml:*: policy.shared_owners[[]0]: owner 'platform-shared' is "
            "not in the owner ledger owners.yaml",
            "warning: *ledger.yaml:2: retired-owner.tags.owner: owner 'team-legacy-search' is "
            "retired*",
            "tagsmoke validate: * files valid, 4 warning(s)",
        ]
    )


def test_a_missing_ledger_file_is_a_located_error(demo: pytest.Pytester) -> None:
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(profile.read_text().replace("policy:\n", "policy:\n  ledger: nope.yaml\n"))
    result = _validate(demo, ".")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*tagsmoke.yaml:*policy.ledger: the owner ledger 'nope.yaml' does not exist*"]
    )


def test_the_profile_excerpt_of_the_docs_loads(tmp_path: Path) -> None:
    excerpt = _doc_block("yaml", "ledger: owners.yaml")
    (tmp_path / "tagsmoke.yaml").write_text("endpoint: http://127.0.0.1:9\n" + excerpt)
    (tmp_path / "owners.yaml").write_text(LEDGER_YAML)
    profile = load_profile(tmp_path / "tagsmoke.yaml", {})
    assert profile.ledger_review_max_age_days == 92
    assert sorted(profile.policy.ledger) == [
        "platform-shared",
        "team-legacy-search",
        "team-search",
        "team-support",
    ]
    assert profile.policy.ledger["team-legacy-search"].retired
    assert profile.policy.follow_up_owner("team-support") == "support-tools-leads"


def test_every_audit_sample_record_carries_the_mapped_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_tagsmoke.cli import main
    from pytest_tagsmoke.reference.history import fill_history

    fill_history(tmp_path / "log.sqlite", records=600, days=3, seed=7)
    shutil.copy(REPO / "tagsmoke.yaml", tmp_path / "tagsmoke.yaml")
    _use_ledger(tmp_path, "owners.yaml", LEDGER_YAML)
    monkeypatch.setenv("TAGSMOKE_AUDIT_DB", str(tmp_path / "log.sqlite"))
    out = tmp_path / "out"
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml"), "--out", str(out)]) in (
        0,
        1,
    )
    sample = [json.loads(line) for line in (out / "audit_sample.jsonl").read_text().splitlines()]
    by_owner = {r["service_owner"]: r["mapped_owner"] for r in sample}
    assert by_owner["team-search"] == {
        "team": "Search",
        "cost_center": "cc-1042",
        "budget_owner": "dana.lee",
    }
    assert by_owner["team-support"]["team"] == "Support Tools"
    ledgered = {"team-search", "team-support", "platform-shared", "team-legacy-search"}
    assert all(r["mapped_owner"] is None for r in sample if r["service_owner"] not in ledgered)
