"""Redaction of credentials in URLs and headers before anything is shown or written."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

REDACTED = "***"
_SECRET_NAME = re.compile(r"(auth|key|token|secret|password|signature|sig|credential)", re.I)


def redact_url(url: str) -> str:
    """``url`` without a password in its userinfo and without secret-looking query values."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{REDACTED}@{host}" if ":" in userinfo else f"{REDACTED}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if _SECRET_NAME.search(k) else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The secrets a URL carries: its password and its secret-looking query values."""
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    found += [v for k, v in parse_qsl(parts.query) if _SECRET_NAME.search(k) and v]
    return found


def join_url(endpoint: str, path: str) -> str:
    """``path`` (which may carry its own query) appended to ``endpoint``'s path; the
    endpoint's query string is kept."""
    parts = urlsplit(endpoint)
    path, _, query = path.partition("?")
    joined = parts.path.rstrip("/") + path
    queries = "&".join(q for q in (query, parts.query) if q)
    return urlunsplit((parts.scheme, parts.netloc, joined, queries, parts.fragment))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every credential-carrying value replaced."""
    return {k: (REDACTED if _SECRET_NAME.search(k) else v) for k, v in headers.items()}


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every occurrence of each non-trivial secret replaced."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
