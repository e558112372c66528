"""The types every audit source shares: the store error, the read notes, the source protocol
and what a reader is given. The kinds import them from here; :mod:`.source` picks the kind.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_tagsmoke.audit.groups import Group
    from pytest_tagsmoke.audit.sample import Stratum
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
