"""This repository's demo: with no endpoint configured, run against the reference gateway."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# The demo fixture `tagsmoke_gateway` is an opt-in plugin, not part of the entry module.
pytest_plugins = ["pytest_tagsmoke.reference.pytest_plugin"]


@pytest.hookimpl(optionalhook=True)
def pytest_tagsmoke_endpoint(config: pytest.Config) -> str:
    from pytest_tagsmoke.reference import ReferenceGateway

    folder = tempfile.TemporaryDirectory(prefix="tagsmoke-reference-")
    # A small ingestion delay, so the demo shows the harness waiting for records.
    gateway = ReferenceGateway(Path(folder.name) / "log.sqlite", ingest_delay=0.2)
    config.add_cleanup(folder.cleanup)
    config.add_cleanup(gateway.stop)
    return gateway.start()


def pytest_configure(config: pytest.Config) -> None:
    """``pytest --tagsmoke-audit`` on a fresh clone: audit a generated week of traffic."""
    if not config.getoption("tagsmoke_audit", False) or os.environ.get("TAGSMOKE_AUDIT_DB"):
        return
    from pytest_tagsmoke.reference.history import fill_history

    folder = tempfile.TemporaryDirectory(prefix="tagsmoke-history-")
    config.add_cleanup(folder.cleanup)
    db = Path(folder.name) / "log.sqlite"
    fill_history(db)
    os.environ["TAGSMOKE_AUDIT_DB"] = str(db)
    config.add_cleanup(lambda: _forget("TAGSMOKE_AUDIT_DB"))


def _forget(name: str) -> None:
    os.environ.pop(name, None)
