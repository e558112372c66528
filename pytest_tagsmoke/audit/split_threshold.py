"""Where a store is big enough to be read on two cores: a default, or an environment
variable's whole number. A value that is not one is a named store error, not ignored: a
user who set it meant something, and a silently ignored setting looks like it worked.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import os

from pytest_tagsmoke.audit.source_types import AuditStoreError


def split_threshold(variable: str, default: int, unit: str) -> int:
    """``variable``'s value when set (a whole number ≥ 1, ``_`` allowed between digits),
    else ``default``. ``unit`` names what it counts, for the error."""
    raw = os.environ.get(variable, "")
    text = raw.strip().replace("_", "")
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise AuditStoreError(
            f"environment variable {variable}={raw[:40]!r}: expected a whole number of "
            f"{unit}, 1 or more (1 always reads in two parts; a number above the store's "
            f"size never does; default {default:_}). Fix it, or unset it for the default."
        )
    return int(text)
