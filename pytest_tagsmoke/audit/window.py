"""The audit's window: which records it reads, by their timestamps.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_LAST = "24h"
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Window:
    """Records with ``since <= timestamp < until`` (UTC). Records without a timestamp are in
    every window: they cannot be placed outside it, and count as ``missing_trace``."""

    since: dt.datetime
    until: dt.datetime

    def as_dict(self) -> dict[str, str]:
        return {"since": iso(self.since), "until": iso(self.until)}


def iso(moment: dt.datetime) -> str:
    """The form timestamps are compared in: ISO 8601, UTC, seconds."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_time(text: str) -> dt.datetime:
    """ISO 8601 (``Z`` allowed); a time without an offset is UTC."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def window_of(end: dt.datetime, start: dt.datetime | None, last: str | None) -> Window:
    """[start, end), or the ``last`` span (``24h``, ``7d``…; default 24 hours) before end."""
    if start is None:
        span = last or DEFAULT_LAST
        start = end - dt.timedelta(seconds=int(span[:-1]) * _UNITS[span[-1]])
    return Window(start, end)
