"""This repository's demo: with no endpoint configured, run against the reference gateway."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_tagsmoke_endpoint(config: pytest.Config) -> str:
    from pytest_tagsmoke.reference import ReferenceGateway

    folder = tempfile.TemporaryDirectory(prefix="tagsmoke-reference-")
    # A small ingestion delay, so the demo shows the harness waiting for records.
    gateway = ReferenceGateway(Path(folder.name) / "log.sqlite", ingest_delay=0.2)
    config.add_cleanup(folder.cleanup)
    config.add_cleanup(gateway.stop)
    return gateway.start()
