"""Log-store adapters: turn "the record for correlation id X" into a flat dict of fields.

Three kinds: ``http`` (a JSON API), ``jsonl`` (a file a gateway or log shipper appends to)
and ``sql`` (SQLite, or PostgreSQL with the ``postgres`` extra). This package module is
light (every stage reads it): the base types (:mod:`~pytest_tagsmoke.logstore.base`) and
the settings (:mod:`~pytest_tagsmoke.logstore.settings`). An adapter is opened by
:func:`pytest_tagsmoke.logstore.open_store.open_log_store`.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from pytest_tagsmoke.logstore.base import (
    IdLookup,
    LogRecord,
    LogStore,
    LogStoreError,
    TimeWindow,
    WindowScan,
)
from pytest_tagsmoke.logstore.settings import (
    HttpSettings,
    JsonlSettings,
    LogStoreSettings,
    NoLogStore,
    SqlSettings,
)

__all__ = [
    "HttpSettings",
    "IdLookup",
    "JsonlSettings",
    "LogRecord",
    "LogStore",
    "LogStoreError",
    "LogStoreSettings",
    "NoLogStore",
    "SqlSettings",
    "TimeWindow",
    "WindowScan",
]
