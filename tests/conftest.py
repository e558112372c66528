"""Shared fixtures: the repository's demo files copied into a pytester project."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

with contextlib.suppress(ImportError):  # a dev dependency; pytest loads this file for
    # `pytest --tagsmoke` too (testpaths), where only the reference extra may be installed.
    import hypothesis  # noqa: F401  (its pytest plugin imports it at every run's end)

# Load the plugin's heavy half in this process before pytester's in-process runs start:
# pytester drops the modules first imported inside an inner run, and some libraries break
# when imported twice in one process (PyYAML's C loader; httpx's lazily built map of
# httpcore's exceptions, which would then miss the re-imported classes).
import pytest_tagsmoke.session  # noqa: F401


def _load_httpx_lazily_imported_parts() -> None:
    with httpx.Client() as client, contextlib.suppress(httpx.TransportError):
        client.get("http://127.0.0.1:9/")  # port 9 (discard) is closed: fails at once


_load_httpx_lazily_imported_parts()

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


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TAGSMOKE_ENDPOINT", "TAGSMOKE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def demo(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with this repository's own tagsmoke.yaml and scenarios/chat.yaml."""
    shutil.copy(REPO / "tagsmoke.yaml", pytester.path / "tagsmoke.yaml")
    (pytester.path / "scenarios").mkdir()
    shutil.copy(REPO / "scenarios" / "chat.yaml", pytester.path / "scenarios" / "chat.yaml")
    return pytester


def read_records(root: Path) -> list[dict[str, Any]]:
    """Every smoke record written under ``root``'s default artifact folder."""
    files = sorted((root / "tagsmoke-artifacts").glob("*/records.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def artifact_text(root: Path) -> str:
    return "\n".join(p.read_text() for p in (root / "tagsmoke-artifacts").rglob("*") if p.is_file())
