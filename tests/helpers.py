"""Shared test helpers: plain constants and functions, no fixtures (those live in conftest.py).

Test modules import from here, never from ``tests.conftest`` or from one another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

REPO = Path(__file__).resolve().parents[1]
# Written out here, not imported from pytest_tagsmoke.record: the tests check the binding
# contract (the seed's nine fields), not the code against itself.
SEED_FIELDS = (
    "audit_date",
    "service_owner",
    "environment_value",
    "request_class",
    "correlation_id",
    "source_record",
    "result",
    "failure_reason",
    "follow_up_owner",
)
#: A canary credential, used everywhere a secret can go; it must appear nowhere readable.
CANARY = "sk-canary-5f2b9d71e0c84a36"


def read_records(root: Path) -> list[dict[str, Any]]:
    """Every smoke record written under ``root``'s default artifact folder."""
    files = sorted((root / "tagsmoke-artifacts").glob("*/records.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def artifact_text(root: Path) -> str:
    return "\n".join(p.read_text() for p in (root / "tagsmoke-artifacts").rglob("*") if p.is_file())


def everything_readable(pytester: pytest.Pytester, results: list[pytest.RunResult]) -> str:
    """All a person or CI system can read after ``results``: output, JUnit XML, artifacts."""
    texts = [line for r in results for line in (*r.outlines, *r.errlines)]
    texts += [p.read_text() for p in pytester.path.glob("*.xml")]
    if (pytester.path / "tagsmoke-artifacts").exists():
        texts.append(artifact_text(pytester.path))
    return "\n".join(texts)


def write_many_scenarios(pytester: pytest.Pytester, count: int) -> None:
    """``scenarios/many.yaml``: one happy scenario expanded ``count`` times."""
    values = ", ".join(f"s{i:04d}" for i in range(count))
    (pytester.path / "scenarios" / "many.yaml").write_text(
        "scenarios:\n"
        "  - name: 'request {n} is attributed'\n"
        "    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: 'case-{n}'}\n"
        f"    expand: {{n: [{values}]}}\n"
    )


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """``levels`` levels of ``width`` aliases each (9 x 9 expands to 9**9 values)."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"
