"""The command-line options and ini settings of pytest-tagsmoke.

Imported by :func:`pytest_tagsmoke.plugin.pytest_addoption` in every pytest run of an
environment where the plugin is installed: the standard library and pytest only. Kept out
of the entry module, which pytest's assertion rewriter parses and compiles again at every
run under ``PYTHONDONTWRITEBYTECODE=1``; this module is imported from its bytecode.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest


def requests_in_flight(text: str) -> int:
    """``--tagsmoke-concurrency``'s value: a whole number ≥ 1 (argparse names the option
    and stops the run with a usage error otherwise; 0 is not clamped to 1 silently)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a whole number of requests in flight at once, 1 or more"
        )
    return value


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("tagsmoke", "cost-attribution tag smoke tests (pytest-tagsmoke)")
    group.addoption(
        "--tagsmoke",
        action="store_true",
        default=False,
        help="run the tag smoke scenarios named by the profile (tagsmoke.yaml).",
    )
    group.addoption(
        "--tagsmoke-audit",
        action="store_true",
        default=False,
        help="audit the tagging of real traffic in the log store (the profile's audit: "
        "section): coverage per dimension, each service's sample, drift.",
    )
    group.addoption(
        "--tagsmoke-profile",
        metavar="PATH",
        default=None,
        help="profile file to use instead of tagsmoke.yaml at the rootdir.",
    )
    group.addoption(
        "--tagsmoke-endpoint",
        metavar="URL",
        default=None,
        help="gateway base URL; overrides the profile's endpoint.",
    )
    group.addoption(
        "--tagsmoke-artifacts",
        metavar="DIR",
        default=None,
        help="folder for run artifacts (one sub-folder per run); overrides the profile.",
    )
    group.addoption(
        "--tagsmoke-dry-run",
        action="store_true",
        default=False,
        help="print each scenario's exact request (credentials redacted) and send nothing.",
    )
    group.addoption(
        "--tagsmoke-allow-production",
        action="store_true",
        default=False,
        help="send scenarios tagged environment=production, and to hosts the profile lists "
        "as production_hosts (refused by default).",
    )
    group.addoption(
        "--tagsmoke-concurrency",
        type=requests_in_flight,
        metavar="N",
        default=None,
        help="requests in flight at once when the run sends every scenario first "
        "(default: ini tagsmoke_concurrency, else 16).",
    )
    group.addoption(
        "--tagsmoke-serial",
        action="store_true",
        default=False,
        help="send and verify one scenario at a time instead of sending every scenario first "
        "(also ini tagsmoke_serial).",
    )
    parser.addini(
        "tagsmoke_profile",
        help="profile file for pytest-tagsmoke (default: tagsmoke.yaml at the rootdir).",
        default="",
    )
    parser.addini(
        "tagsmoke_artifacts",
        help="folder for pytest-tagsmoke run artifacts (default: the profile's, else "
        "tagsmoke-artifacts).",
        default="",
    )
    # Dry run and allow-production have no ini on purpose: a pinned dry run would make the gate
    # pass without checking anything, a pinned allow-production would let every run, a
    # laptop's included, send production-tagged traffic. Both stay per-invocation flags.
    parser.addini(
        "tagsmoke_concurrency",
        help="pytest-tagsmoke: requests in flight at once (default 16).",
        default="",
    )
    parser.addini(
        "tagsmoke_serial",
        type="bool",
        help="pytest-tagsmoke: send and verify one scenario at a time (default false).",
        default=False,
    )
