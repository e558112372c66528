"""One value per run setting: the command line wins, then the ini file, then the default.

Settings a team pins go in ``[tool.pytest.ini_options]`` (or pytest.ini, tox.ini, setup.cfg)
as ``tagsmoke_<name>``; a single run overrides them with ``--tagsmoke-<name>`` or
``-o tagsmoke_<name>=VALUE``. Imported from :func:`pytest_tagsmoke.plugin.pytest_configure`
only when ``--tagsmoke`` is given.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import Any

import pytest

DEFAULT_CONCURRENCY = 16
#: Settings that have both a ``--tagsmoke-<name>`` option and a ``tagsmoke_<name>`` ini.
PINNABLE = ("profile", "artifacts", "concurrency", "serial")


def _concurrency(config: pytest.Config, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        where = config.inipath or "the ini file"
        raise pytest.UsageError(
            f"pytest-tagsmoke: {where}: ini option tagsmoke_concurrency = {raw!r}: expected a "
            "whole number of requests in flight at once, 1 or more.\n"
            "  Fix the value, or override it for this run with --tagsmoke-concurrency N."
        )
    return value


def option_or_ini(config: pytest.Config, name: str) -> Any:
    """The setting ``name`` (one of :data:`PINNABLE`) for this run.

    ``--tagsmoke-<name>`` when given on the command line, else the ini value
    ``tagsmoke_<name>`` when set, else the built-in default: ``None`` for profile and
    artifacts (the profile's own rules apply), 16 for concurrency, ``False`` for serial.
    """
    if name not in PINNABLE:
        raise ValueError(f"{name!r} is not a pinnable tagsmoke setting: {PINNABLE}")
    dest = f"tagsmoke_{name}"
    given = config.getoption(dest)
    if given is not None and given is not False and given != "":
        return given
    pinned = config.getini(dest)
    if name == "serial":
        return bool(pinned)
    if name == "concurrency":
        raw = str(pinned).strip()
        return _concurrency(config, raw) if raw else DEFAULT_CONCURRENCY
    return str(pinned) or None


def resolve_pinned_options(config: pytest.Config) -> None:
    """Write the run's concurrency and serial mode into ``config.option``, so every reader
    of ``config.getoption("tagsmoke_concurrency")``/``("tagsmoke_serial")`` sees the value
    the command line or the ini file set."""
    config.option.tagsmoke_concurrency = option_or_ini(config, "concurrency")
    config.option.tagsmoke_serial = option_or_ini(config, "serial")
