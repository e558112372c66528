"""Tag-value lint: which tag values are cardinality hazards (``policy.tag_lint``).

Pure rules, no I/O: ``tagsmoke validate`` turns what they find into warnings.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Lowercase words joined by single hyphens or underscores: ``team-search``, ``use_case_1``.
DEFAULT_SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
_TIMESTAMP = re.compile(
    r"\d{4}-?\d{2}-?\d{2}(?:[tT_ ]?\d{2}:?\d{2})?"  # 2026-06-14, 20260614, ...T10:30
    r"|\d{2}:\d{2}(?::\d{2})?"  # 10:30, 10:30:59
    r"|(?<!\d)1\d{9}(?:\d{3})?(?!\d)"  # Unix seconds or milliseconds
)


@dataclass(frozen=True)
class TagLint:
    """What ``tagsmoke validate`` warns about in tag values (``policy.tag_lint``)."""

    enabled: bool = True
    pattern: str = DEFAULT_SLUG
    max_length: int = 64
    timestamps: bool = False  # whether timestamps are allowed in tag values

    def problems(self, value: str) -> list[str]:
        """What is wrong with ``value`` (empty: nothing)."""
        if not self.enabled:
            return []
        found = []
        if not re.search(self.pattern, value):
            found.append(f"it is not a slug (pattern {self.pattern})")
        if len(value) > self.max_length:
            found.append(f"it is {len(value)} characters long (at most {self.max_length})")
        if not self.timestamps and _TIMESTAMP.search(value):
            found.append("it holds a date, time or timestamp")
        return found
