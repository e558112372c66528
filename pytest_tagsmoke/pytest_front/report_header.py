"""The ``pytest_report_header`` lines of a ``--tagsmoke`` run: which profile, endpoint
(credentials and query values hidden), preset, log store and sending mode it uses.

Registered as its own plugin by :func:`pytest_tagsmoke.plugin.pytest_configure`, only when
``--tagsmoke`` is given, after the session object has loaded the profile.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pytest_tagsmoke.pytest_front.session import SESSION_KEY

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

HIDDEN = "***"


def shown_endpoint(url: str) -> str:
    """``url`` without userinfo and with every query value hidden: a header is printed in
    every CI log, so nothing that may be a key is shown, whatever its parameter name."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{HIDDEN}@{host}" if "@" in parts.netloc else host
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, HIDDEN) for k, _ in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def pytest_report_header(config: pytest.Config) -> list[str]:
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return []
    profile = session.profile
    preset = f" (preset {profile.preset})" if profile.preset else ""
    endpoint = config.getoption("tagsmoke_endpoint") or profile.endpoint
    if endpoint:
        where = shown_endpoint(endpoint)
    else:
        where = "from the pytest_tagsmoke_endpoint hook, when the first scenario runs"
    if config.getoption("tagsmoke_dry_run"):
        mode = "dry run: requests are printed, nothing is sent"
    elif config.getoption("tagsmoke_serial"):
        mode = "serial: one scenario sent and verified at a time"
    else:
        in_flight = config.getoption("tagsmoke_concurrency")
        mode = f"send all, verify each as its record comes ({in_flight} in flight)"
    return [
        f"tagsmoke profile: {_relative(profile.path, config.rootpath)}{preset}",
        f"tagsmoke endpoint: {where}",
        f"tagsmoke log store: {profile.log_store.kind}",
        f"tagsmoke mode: {mode}",
    ]
