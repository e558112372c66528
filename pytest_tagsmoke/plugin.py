"""pytest entry point of pytest-tagsmoke: options, hook specs and the lazy switch-on.

This module is imported by *every* pytest run in an environment where the plugin is
installed, so it imports only the standard library and pytest. Everything that sends
requests or reads YAML is imported from :func:`pytest_configure`, and only when
``--tagsmoke`` (or ``--tagsmoke-audit``) is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway

SESSION_PLUGIN_NAME = "tagsmoke-session"
AUDIT_PLUGIN_NAME = "tagsmoke-audit"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_tagsmoke import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
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
        type=int,
        metavar="N",
        default=16,
        help="requests in flight at once when the run sends every scenario first (default 16).",
    )
    group.addoption(
        "--tagsmoke-serial",
        action="store_true",
        default=False,
        help="send and verify one scenario at a time instead of sending every scenario first.",
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


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("tagsmoke"):
        from pytest_tagsmoke.session import TagsmokeSession

        config.pluginmanager.register(TagsmokeSession.from_config(config), SESSION_PLUGIN_NAME)
    if config.getoption("tagsmoke_audit"):
        from pytest_tagsmoke.audit.pytest_items import AuditPlugin

        config.pluginmanager.register(AuditPlugin(config), AUDIT_PLUGIN_NAME)


@pytest.fixture
def tagsmoke_gateway(tmp_path: Path) -> Iterator[ReferenceGateway]:
    """A running reference gateway on 127.0.0.1 with a fresh SQLite log store.

    Use it to try scenario files offline; ``tagsmoke_gateway.url`` is its base URL and
    ``tagsmoke_gateway.faults`` switches faults on and off while it runs. Needs the
    ``reference`` extra (``pip install pytest-tagsmoke[reference]``).
    """
    from pytest_tagsmoke.reference import ReferenceGateway

    with ReferenceGateway(tmp_path / "tagsmoke-reference.sqlite") as gateway:
        yield gateway
