"""The census in Python, one record at a time, in memory that does not grow with traffic:
counts per distinct tuple of mapped values, and for the sample only the lowest-key records
of each stratum. Used for JSONL and CSV files without DuckDB, and for HTTP listings.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import hashlib
import heapq
import operator
import re
from typing import TYPE_CHECKING, Any

import jmespath

from pytest_tagsmoke.audit.groups import NO_SERVICE, Group
from pytest_tagsmoke.audit.source_config import TOKEN_FIELD, read_dimensions
from pytest_tagsmoke.audit.window import iso
from pytest_tagsmoke.logstore.mapping import scalar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from pytest_tagsmoke.audit.sample import Stratum
    from pytest_tagsmoke.audit.source_config import SourceConfig
    from pytest_tagsmoke.audit.window import Window

SIMPLE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
#: The fields the loop reads by name, mapped or not.
SLOTS = ("id", "timestamp", "source_record", "environment", "service", "owner", "request_class")
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


def compile_mapper(
    paths: Mapping[str, str], absent: int = 0
) -> Callable[[Mapping[str, Any]], tuple[str | None, ...]]:
    """One function that maps a record to its fields as text, in the order of ``paths``
    and then ``absent`` Nones (fields not mapped), written out for these paths: the
    streaming census calls it once per record, so a loop over the fields, or a dict per
    record, would be its cost. Paths enter the generated code only as ``repr`` literals."""
    lines = ["def mapper(document):"]
    namespace: dict[str, Any] = {"scalar": scalar}
    for number, path in enumerate(paths.values()):
        keys = simple_path(path)
        value = f"v{number}"
        if keys is None:
            namespace[f"search{number}"] = jmespath.compile(path).search
            lines.append(f"    {value} = search{number}(document)")
        else:
            lines.append(f"    {value} = document.get({keys[0]!r})")
            for key in keys[1:]:
                lines.append(
                    f"    {value} = {value}.get({key!r}) if type({value}) is dict else None"
                )
        lines.append(
            f"    {value} = ({value} or None) if type({value}) is str else "
            f"(None if {value} is None else scalar({value}))"
        )
    values = [f"v{number}" for number in range(len(paths))] + ["None"] * absent
    lines.append(f"    return ({', '.join(values)},)")
    exec("\n".join(lines), namespace)  # the code above; paths only as repr literals
    mapper: Callable[[Mapping[str, Any]], tuple[str | None, ...]] = namespace["mapper"]
    return mapper


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
        # Plain paths are followed key by key (the common case, and the hot loop); richer
        # JMESPath is searched. A record's values are a tuple in the order of ``names``.
        mapped = [name for name in config.fields if name != TOKEN_FIELD]
        self.names = mapped + [name for name in SLOTS if name not in mapped]
        self._mapper = compile_mapper(
            {name: config.fields[name] for name in mapped}, len(self.names) - len(mapped)
        )
        #: The grouped values of a record, as a tuple (one C call per record).
        positions = [self.names.index(name) for name in self.text_fields]
        self._grouped: Callable[[Sequence[Any]], tuple[Any, ...]]
        if len(positions) == 1:
            self._grouped = lambda values: (values[positions[0]],)
        else:
            self._grouped = operator.itemgetter(*positions) if positions else lambda _: ()
        self._tokens = path_reader(config.fields[TOKEN_FIELD]) if self.tokens_mapped else None
        self.since, self.until = iso(window.since), iso(window.until)
        self.seed = str(seed)
        self.production = frozenset(production)
        self.counts: dict[tuple[Any, ...], list[int]] = {}
        self.pool_size = pool_size
        self.pools: dict[tuple[str, Any], list[tuple[int, bytes, int, dict[str, Any]]]] = {}
        self._pools_of: dict[tuple[Any, ...], list[list[Any]]] = {}
        self._added = 0

    def add_document(self, document: Mapping[str, Any]) -> None:
        """One raw record: mapped by the profile's paths, then counted."""
        self.consume((document,))

    def consume(self, documents: Iterable[Mapping[str, Any]]) -> None:
        """Map, window, count and pool every document. One loop with everything in local
        names: it runs once per record, so its cost is the streaming path's cost."""
        mapper = self._mapper
        read_tokens = self._tokens
        since, until = self.since, self.until
        grouped = self._grouped
        counts = self.counts
        seed = self.seed
        production = self.production
        pools_of = self._pools_of
        size = self.pool_size
        md5 = hashlib.md5
        at = {name: self.names.index(name) for name in SLOTS}
        at_stamp, at_id, at_source = at["timestamp"], at["id"], at["source_record"]
        at_environment, at_service, at_owner = at["environment"], at["service"], at["owner"]
        at_class = at["request_class"]
        for document in documents:
            values = mapper(document)
            stamp = values[at_stamp]
            if stamp is not None and not (since <= stamp < until):
                continue
            record_id = values[at_id]
            tokens = 0
            if read_tokens is not None:
                raw = read_tokens(document)
                tokens = (raw if type(raw) is int else integer(raw)) or 0
            key = (
                *grouped(values),
                stamp[:10] if stamp is not None else None,
                record_id is not None and stamp is not None,
            )
            entry = counts.get(key)
            if entry is None:
                entry = counts[key] = [0, 0]
            entry[0] += 1
            entry[1] += tokens
            # The sample: keep each stratum pool's lowest keys.
            source = values[at_source] or ""
            # Raw digests order as their hex forms do; the hex is made for kept records only.
            digest = md5(
                f"{seed}|{record_id or ''}|{stamp or ''}|{source}".encode(), usedforsecurity=False
            ).digest()
            which = (
                values[at_environment] in production,
                values[at_service] or values[at_owner] or NO_SERVICE,
                values[at_class] or NO_SERVICE,
            )
            pools = pools_of.get(which)
            if pools is None:
                pools = pools_of[which] = self._pools_for(which)
            for pool in pools:
                if len(pool) >= size and digest >= pool[0][1]:
                    continue
                self._added += 1
                # A max-heap by key: the worst kept record on top.
                item = (
                    -int.from_bytes(digest, "big"),
                    digest,
                    self._added,
                    dict(zip(self.names, values, strict=True), key=digest.hex()),
                )
                if len(pool) < size:
                    heapq.heappush(pool, item)
                else:
                    heapq.heapreplace(pool, item)

    def merge(
        self,
        counts: Mapping[tuple[Any, ...], Sequence[int]],
        pools: Mapping[tuple[str, Any], Sequence[tuple[int, bytes, int, dict[str, Any]]]],
    ) -> None:
        """Add another census's ``counts`` and ``pools`` (another part of the same files,
        read with the same settings) to this one: counts summed; each stratum pool keeps
        the lowest keys of both, so the sample is the one a single pass would draw."""
        for key, (records, tokens) in counts.items():
            entry = self.counts.get(key)
            if entry is None:
                self.counts[key] = [records, tokens]
            else:
                entry[0] += records
                entry[1] += tokens
        for pool_key, items in pools.items():
            pool = self.pools.setdefault(pool_key, [])
            for _, digest, _, record in items:
                if len(pool) >= self.pool_size and digest >= pool[0][1]:
                    continue
                self._added += 1
                item = (-int.from_bytes(digest, "big"), digest, self._added, record)
                if len(pool) < self.pool_size:
                    heapq.heappush(pool, item)
                else:
                    heapq.heapreplace(pool, item)

    def _pools_for(self, which: tuple[bool, str, str]) -> list[list[Any]]:
        production, service, request_class = which
        return [
            self.pools.setdefault(pool_key, [])
            for pool_key in (
                ("production", production),
                ("service", service),
                ("request_class", request_class),
            )
        ]

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
