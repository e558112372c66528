"""Open the adapter a profile's ``log_store`` names (drivers are imported only when used).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.logstore.base import LogStoreError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import httpx

    from pytest_tagsmoke.logstore.base import LogStore
    from pytest_tagsmoke.logstore.settings import LogStoreSettings

NO_STORE = (
    "the profile names no log store (log_store): add `preset: reference` for the bundled "
    "reference gateway, the preset of your gateway, or a log_store section"
)


def open_log_store(
    settings: LogStoreSettings,
    *,
    endpoint: str,
    base_dir: Path,
    client: httpx.Client,
    normalize: Callable[[str, str], str] | None = None,
    concurrency: int = 16,
) -> LogStore:
    """The adapter for ``settings.kind``; drivers are imported only when used. A field
    marked ``normalize`` goes through ``normalize`` (the policy's: dimension, value ->
    approved value). An HTTP store runs up to ``concurrency`` queries at once on
    ``client``. A profile that names no store (:class:`NoLogStore`) is a setup error."""
    from pytest_tagsmoke.logstore.mapping import FieldMapper

    if settings.kind == "none":
        raise LogStoreError(NO_STORE)
    mapper = FieldMapper(settings.fields, normalize)
    store: LogStore
    if settings.kind == "jsonl":
        from pytest_tagsmoke.logstore.jsonl import JsonlLogStore

        store = JsonlLogStore(settings, base_dir, mapper)
    elif settings.kind == "sql":
        from pytest_tagsmoke.logstore.sql import SqlLogStore

        store = SqlLogStore(settings, base_dir, mapper)
    else:
        from pytest_tagsmoke.logstore.http import HttpLogStore

        store = HttpLogStore(settings, endpoint, client, mapper, concurrency)
    if settings.bucket_names:
        from pytest_tagsmoke.logstore.buckets import RenamedBuckets

        store = RenamedBuckets(store, settings.bucket_names)
    return store
