"""What the audit needs from a store, and how a store is opened for the census.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pytest_tagsmoke.audit.groups import Group
    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.source_config import SourceConfig
    from pytest_tagsmoke.audit.window import Window


class AuditStoreError(Exception):
    """The store could not be read (missing file, unreachable, bad query): a setup problem,
    never a tagging verdict."""


@dataclass
class ReadNotes:
    """How the census was read: by which engine, what crossed the wire, what was skipped."""

    engine: str
    rows_fetched: int = 0
    census_rows: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    partial: bool = False
    partial_reason: str | None = None
    queries: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "rows_fetched": self.rows_fetched,
            "census_rows": self.census_rows,
            "malformed": self.malformed,
            "malformed_examples": self.malformed_examples,
            "partial": self.partial,
            "partial_reason": self.partial_reason,
        }


class CensusSource(Protocol):
    notes: ReadNotes

    def groups(self) -> list[Group]:
        """Every record in the window, as counts per distinct tuple of mapped values."""

    def candidates(self, stratum: Stratum, limit: int) -> Sequence[dict[str, Any]]:
        """The stratum's ``limit`` records with the lowest sample keys, in key order."""

    def close(self) -> None:
        """Release connections and files."""


@dataclass(frozen=True)
class Reading:
    """What every census reader is given: the window, the seed, the environment values
    that make the production stratum, how many records a stratum may need."""

    window: Window
    seed: int
    production: tuple[str, ...]
    pool_size: int


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
