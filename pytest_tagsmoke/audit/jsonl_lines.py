"""Reading JSONL log files line by line: a line's JSON object, and where the malformed lines
are. Shared by the streaming file census and the DuckDB one.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

#: How many malformed lines the read notes name (the rest are only counted).
MALFORMED_EXAMPLES = 5

_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner
_SPACE = re.compile(r"[ \t\n\r]*")


def json_object(raw: bytes) -> dict[str, Any] | None:
    """The line's JSON object, or None (blank, not JSON, or JSON but not an object): what
    ``json.loads`` accepts, without its per-call checks (this runs once per line)."""
    try:
        text = raw.decode("utf-8")
        start = _SPACE.match(text).end()  # type: ignore[union-attr]  # matches ""
        if text[start : start + 1] != "{":
            return None
        document, end = _scan(text, start)
    except (ValueError, StopIteration):
        return None
    if end != len(text) and _SPACE.match(text, end).end() != len(text):  # type: ignore[union-attr]
        return None
    return document  # type: ignore[no-any-return]


def malformed_jsonl_examples(paths: Sequence[Path], limit: int = MALFORMED_EXAMPLES) -> list[str]:
    """Where the first malformed lines are (DuckDB counts them but does not say where)."""
    found: list[str] = []
    for path in paths:
        with path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    ok = isinstance(json.loads(raw), dict)
                except ValueError:
                    ok = False
                if not ok:
                    found.append(f"{path}:{number}: not a JSON object")
                    if len(found) == limit:
                        return found
    return found
