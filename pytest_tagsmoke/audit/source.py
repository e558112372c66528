"""How a store is opened for the census: the kind picks the reader (the shared types are in
:mod:`pytest_tagsmoke.audit.source_types`, re-exported here).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.audit.source_types import AuditStoreError, CensusSource, Reading, ReadNotes

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.audit.source_config import SourceConfig

__all__ = ["AuditStoreError", "CensusSource", "ReadNotes", "Reading", "open_source"]


def open_source(
    config: SourceConfig, reading: Reading, base_dir: Path, *, endpoint: str = ""
) -> CensusSource:
    """The census reader for ``config.kind``; engines are imported only when used."""
    if config.kind == "sql":
        try:
            import sqlglot  # noqa: F401
        except ImportError:
            raise AuditStoreError(
                "auditing a SQL store needs sqlglot: pip install 'pytest-tagsmoke[audit]'"
            ) from None
        from pytest_tagsmoke.audit.sql_census import SqlCensus

        return SqlCensus(config, reading.window, reading.seed, base_dir)
    if config.kind == "http":
        from pytest_tagsmoke.audit.http_census import HttpCensus

        return HttpCensus(config, reading, endpoint)
    from pytest_tagsmoke.audit.file_census import open_file_census

    return open_file_census(config, reading, base_dir)
