"""Former name of :mod:`pytest_tagsmoke.redaction`, kept so existing imports keep working.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from pytest_tagsmoke.redaction import (
    REDACTED,
    Redactor,
    join_url,
    redact_headers,
    redact_url,
    scrub,
    url_secrets,
)

__all__ = [
    "REDACTED",
    "Redactor",
    "join_url",
    "redact_headers",
    "redact_url",
    "scrub",
    "url_secrets",
]
