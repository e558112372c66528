"""Hooks that pytest-tagsmoke adds to pytest; implement them in a ``conftest.py``.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import pytest


@pytest.hookspec(firstresult=True)
def pytest_tagsmoke_endpoint(config: pytest.Config) -> str | None:
    """Return the gateway's base URL when neither the profile nor the command line sets one.

    Called once, lazily, before the first scenario is sent (never for ``--collect-only``).
    A conftest can start a gateway here (the repository's own conftest starts the bundled
    reference gateway) and register its shutdown with ``config.add_cleanup``. Mark the
    implementation ``@pytest.hookimpl(optionalhook=True)`` so the conftest still loads
    where the plugin is disabled.
    """
