"""What a store hands the census: records grouped by their tuple of mapped values.

A :class:`Group` is one distinct tuple of mapped values (dimensions, service, request
class, day, whether the record is traceable) with a record count and a token sum; stores
that read in pages or files return pieces, which :func:`merge_groups` adds up.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

NO_SERVICE = "(none)"


@dataclass(frozen=True)
class Group:
    """Records sharing one tuple of mapped values; ``tokens`` is None where unmapped."""

    values: Mapping[str, str | None]
    day: str | None
    traced: bool
    records: int
    tokens: int | None = None

    @property
    def service(self) -> str:
        """The calling service; where the store maps none, the owner stands for it."""
        return self.values.get("service") or self.values.get("owner") or NO_SERVICE

    @property
    def request_class(self) -> str:
        return self.values.get("request_class") or NO_SERVICE


def merge_groups(groups: Iterable[Group]) -> list[Group]:
    """Groups with equal keys added up (stores that read in pages or files return pieces)."""
    merged: dict[tuple[Any, ...], list[int | None]] = {}
    keys: dict[tuple[Any, ...], Group] = {}
    for group in groups:
        key = (tuple(sorted(group.values.items())), group.day, group.traced)
        if key not in merged:
            merged[key] = [0, None]
            keys[key] = group
        total = merged[key]
        total[0] = (total[0] or 0) + group.records
        if group.tokens is not None:
            total[1] = (total[1] or 0) + group.tokens
    return [
        Group(keys[k].values, keys[k].day, keys[k].traced, int(v[0] or 0), v[1])
        for k, v in merged.items()
    ]
