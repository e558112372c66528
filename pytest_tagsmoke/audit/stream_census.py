"""The census in Python, one record at a time, in memory that does not grow with traffic:
counts per distinct tuple of mapped values, and for the sample only the lowest-key records
of each stratum. Used for JSONL and CSV files without DuckDB, and for HTTP listings."""

from __future__ import annotations

import hashlib
import heapq
import re
from typing import TYPE_CHECKING, Any

import jmespath

from pytest_tagsmoke.audit.census import NO_SERVICE, Group
from pytest_tagsmoke.audit.config import TOKEN_FIELD, iso, read_dimensions
from pytest_tagsmoke.audit.sample import KEY_SEPARATOR
from pytest_tagsmoke.logstore.mapping import scalar

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pytest_tagsmoke.audit.config import SourceConfig, Window
    from pytest_tagsmoke.audit.sample import Stratum

SIMPLE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
#: Records kept per stratum pool by default: the seed's 30, enough after earlier draws.
POOL = 30


def simple_path(path: str) -> tuple[str, ...] | None:
    """``tags.owner`` as keys, where the path is plain names; None for richer JMESPath."""
    return tuple(path.split(".")) if SIMPLE_PATH.match(path) else None


def path_reader(path: str) -> Callable[[Any], Any]:
    keys = simple_path(path)
    if keys is None:
        return jmespath.compile(path).search

    def read(document: Any) -> Any:
        for key in keys:
            if not isinstance(document, dict):
                return None
            document = document.get(key)
        return document

    return read


def integer(value: Any) -> int | None:
    text = scalar(value)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


class StreamCensus:
    """Feed mapped records with :meth:`add`; read :meth:`groups` and :meth:`candidates`."""

    def __init__(
        self,
        config: SourceConfig,
        window: Window,
        seed: int,
        production: tuple[str, ...],
        pool_size: int = POOL,
    ) -> None:
        self.text_fields = [
            *read_dimensions(config),
            *(f for f in ("service", "request_class") if f in config.fields),
        ]
        self.tokens_mapped = TOKEN_FIELD in config.fields
        self.readers = {name: path_reader(path) for name, path in config.fields.items()}
        self.since, self.until = iso(window.since), iso(window.until)
        self.seed = str(seed)
        self.production = frozenset(production)
        self.counts: dict[tuple[Any, ...], list[int]] = {}
        self.pool_size = pool_size
        self.pools: dict[tuple[str, Any], list[tuple[int, str, int, dict[str, Any]]]] = {}
        self._added = 0

    def add_document(self, document: Mapping[str, Any]) -> None:
        """One raw record: mapped by the profile's paths, then counted."""
        values = {name: read(document) for name, read in self.readers.items()}
        tokens = integer(values.pop(TOKEN_FIELD, None)) if self.tokens_mapped else None
        self.add({k: scalar(v) for k, v in values.items()}, tokens)

    def add(self, values: dict[str, str | None], tokens: int | None) -> None:
        stamp = values.get("timestamp")
        if stamp is not None and not (self.since <= stamp < self.until):
            return
        record_id = values.get("id")
        traced = record_id is not None and stamp is not None
        key = (
            *(values.get(f) for f in self.text_fields),
            stamp[:10] if stamp is not None else None,
            traced,
        )
        entry = self.counts.get(key)
        if entry is None:
            entry = self.counts[key] = [0, 0]
        entry[0] += 1
        entry[1] += tokens or 0
        self._pool(values, record_id, stamp)

    def _pool(
        self, values: dict[str, str | None], record_id: str | None, stamp: str | None
    ) -> None:
        text = KEY_SEPARATOR.join(
            (self.seed, record_id or "", stamp or "", values.get("source_record") or "")
        )
        digest = hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
        environment = values.get("environment")
        service = values.get("service") or values.get("owner") or NO_SERVICE
        request_class = values.get("request_class") or NO_SERVICE
        for pool_key in (
            ("production", environment in self.production),
            ("service", service),
            ("request_class", request_class),
        ):
            pool = self.pools.get(pool_key)
            if pool is None:
                pool = self.pools[pool_key] = []
            if len(pool) >= self.pool_size and digest >= pool[0][1]:
                continue
            self._added += 1
            number = -int(digest, 16)  # a max-heap by key: the worst kept record on top
            item = (number, digest, self._added, {**values, "key": digest})
            if len(pool) < self.pool_size:
                heapq.heappush(pool, item)
            else:
                heapq.heapreplace(pool, item)

    def groups(self) -> list[Group]:
        count = len(self.text_fields)
        return [
            Group(
                values=dict(zip(self.text_fields, key[:count], strict=False)),
                day=key[count],
                traced=key[count + 1],
                records=figures[0],
                tokens=figures[1] if self.tokens_mapped else None,
            )
            for key, figures in self.counts.items()
        ]

    def candidates(self, stratum: Stratum, limit: int) -> list[dict[str, Any]]:
        if stratum.kind in ("production", "non_production"):
            pool = self.pools.get(("production", stratum.kind == "production"), [])
        else:
            pool = self.pools.get((stratum.kind, stratum.values[0]), [])
        records = sorted((item[3] for item in pool), key=lambda r: r["key"])
        return [
            {name: r.get(name) for name in ("id", "timestamp", "source_record", *self.text_fields)}
            | {"key": r["key"]}
            for r in records[:limit]
        ]
