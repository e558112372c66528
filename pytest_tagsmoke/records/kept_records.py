"""Smoke records kept to the run's end for its summaries, each distinct mapping once.

The records of one run share most of their mappings: the tags sent and how (attribution
fields), the tags found, the drift, the owner ledger's row. A record made for a report
carries its own copies; the kept one holds the copy an earlier record brought. At 5,000
scenarios that is ~1 KB less per scenario held to the end.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping

    from pytest_tagsmoke.records.smoke_record import SmokeRecord

_M = TypeVar("_M", bound="Mapping[str, Any]")

#: At most this many distinct mappings remembered; the oldest is forgotten first (records
#: whose mappings are all different then cost no more than before).
KEPT_MAPPINGS = 256


class SharedMappings:
    """Gives each kept record the first copy seen of each of its mappings."""

    def __init__(self, limit: int = KEPT_MAPPINGS) -> None:
        self._limit = limit
        self._known: dict[Hashable, Mapping[str, Any]] = {}

    def share(self, record: SmokeRecord) -> SmokeRecord:
        """``record``, equal, holding mappings already kept where there are equal ones."""
        attribution = self._one(
            "attribution",
            record.attribution_fields,
            tuple((d, tuple(spec.items())) for d, spec in record.attribution_fields.items()),
        )
        tags = self._one("tags", record.tags_in_log, tuple(record.tags_in_log.items()))
        drift = self._one("drift", record.drift, tuple(record.drift.items()))
        owner = record.mapped_owner
        if owner is not None:
            owner = self._one("owner", owner, tuple(owner.items()))
        if (
            attribution is record.attribution_fields
            and tags is record.tags_in_log
            and drift is record.drift
            and owner is record.mapped_owner
        ):
            return record
        return dataclasses.replace(
            record,
            attribution_fields=attribution,
            tags_in_log=tags,
            drift=drift,
            mapped_owner=owner,
        )

    def _one(self, kind: str, mapping: _M, content: Hashable) -> _M:
        key = (kind, content)
        try:
            known = self._known.get(key)
        except TypeError:  # a value that is no text: this mapping is kept as it is
            return mapping
        if known is not None:
            return known  # type: ignore[return-value]
        if len(self._known) >= self._limit:
            del self._known[next(iter(self._known))]
        self._known[key] = mapping
        return mapping
