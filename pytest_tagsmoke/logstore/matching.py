"""Rows matched to correlation ids: one helper for every adapter (http, jsonl, sql).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import jmespath

from pytest_tagsmoke.logstore.base import LogRecord
from pytest_tagsmoke.logstore.mapping import scalar

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

    from pytest_tagsmoke.logstore.mapping import FieldMapper


class IdMatcher:
    """Matches a store's rows to the correlation ids they carry in ``id_field`` (JMESPath).

    An id's first row is its record (mapped); every further row only counts (more than one
    record for an id means double counting). Without ``id_field`` the query asked for one
    id, so every row it answered is that id's.
    """

    def __init__(self, mapper: FieldMapper, id_field: str | None) -> None:
        self._mapper = mapper
        self._id_field = jmespath.compile(id_field) if id_field else None

    @property
    def by_field(self) -> bool:
        """Whether rows carry their id (so one query may ask for many ids)."""
        return self._id_field is not None

    def id_of(self, row: Mapping[str, Any]) -> str | None:
        """The correlation id ``row`` carries (None without one, or without ``id_field``)."""
        return None if self._id_field is None else scalar(self._id_field.search(row))

    def match(
        self,
        rows: Iterable[Mapping[str, Any]],
        ids: Collection[str] | None = None,
        found: dict[str, LogRecord] | None = None,
    ) -> dict[str, LogRecord]:
        """``rows`` added to ``found`` (a new dict by default) by the id each carries; rows
        of ids not in ``ids`` are left out (``ids=None`` keeps every id). Without
        ``id_field``, ``ids`` holds the one id asked for."""
        found = {} if found is None else found
        if self._id_field is None:
            only = next(iter(ids or ()), None)
            if only is not None:
                for row in rows:
                    self.add(found, only, row)
            return found
        wanted = None if ids is None else set(ids)
        for row in rows:
            key = self.id_of(row)
            if key is not None and (wanted is None or key in wanted):
                self.add(found, key, row)
        return found

    def add(
        self,
        found: dict[str, LogRecord],
        key: str,
        row: Mapping[str, Any],
        values: Mapping[str, str | None] | None = None,
    ) -> None:
        """One more row for ``key``: its record if it is the first (``values``, when the
        caller has mapped the row already), else one more in the count."""
        first = found.get(key)
        if first is None:
            found[key] = LogRecord(self._mapper.map(row) if values is None else values)
        else:
            found[key] = dataclasses.replace(first, count=first.count + 1)
