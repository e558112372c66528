"""pytest entry point of pytest-tagsmoke: options, hook specs and the lazy switch-on.

This module is imported by *every* pytest run in an environment where the plugin is
installed, so it imports only the standard library and pytest. Everything that sends
requests or reads YAML is imported from :func:`pytest_configure`, and only when
``--tagsmoke`` (or ``--tagsmoke-audit``) is given. The demo fixture ``tagsmoke_gateway``
is not here: it is the opt-in plugin :mod:`pytest_tagsmoke.reference.pytest_plugin`.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import pytest

SESSION_PLUGIN_NAME = "tagsmoke-session"
REPORT_HEADER_PLUGIN_NAME = "tagsmoke-report-header"
REDACTION_PLUGIN_NAME = "tagsmoke-redaction"
AUDIT_PLUGIN_NAME = "tagsmoke-audit"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    _leave_engine_unrewritten(pluginmanager)
    from pytest_tagsmoke import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def _leave_engine_unrewritten(pluginmanager: pytest.PytestPluginManager) -> None:
    """Import the engine's modules the ordinary way, not through pytest's assertion
    rewriter. pytest marks every top-level package of an installed plugin for rewriting;
    the rewriter then parses and compiles each module itself and keeps its own bytecode
    cache, which it cannot write under ``PYTHONDONTWRITEBYTECODE=1`` (many CI images): every
    run would compile the whole engine again (~0.1 s). Unmarked, Python's own bytecode (a
    wheel's, compiled at install) is used. The engine holds no test asserts to rewrite.

    pytest has no public call to unmark a package; where its rewriter has changed shape,
    this does nothing and modules are rewritten as before (``PYTEST_DONT_REWRITE``).
    """
    marked = getattr(getattr(pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(marked, set):
        marked.discard(__name__.partition(".")[0])


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


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("tagsmoke"):
        _start_smoke_run(config)
    if config.getoption("tagsmoke_audit"):
        from pytest_tagsmoke.audit.pytest_items import AuditPlugin

        config.pluginmanager.register(AuditPlugin(config), AUDIT_PLUGIN_NAME)


def _start_smoke_run(config: pytest.Config) -> None:
    """Register the smoke run's plugins: the session, the redaction layer, the header."""
    from pytest_tagsmoke.pytest_front import report_header
    from pytest_tagsmoke.pytest_front.options import resolve_pinned_options
    from pytest_tagsmoke.pytest_front.report_redaction import RedactionPlugin
    from pytest_tagsmoke.pytest_front.session import TagsmokeSession
    from pytest_tagsmoke.reports.artifacts import artifacts_folder_problem

    resolve_pinned_options(config)
    session = TagsmokeSession.from_config(config)
    config.pluginmanager.register(session, SESSION_PLUGIN_NAME)
    # Every report passes through the redaction plugin (secrets, price amounts).
    config.pluginmanager.register(RedactionPlugin(config, session.profile), REDACTION_PLUGIN_NAME)
    config.pluginmanager.register(report_header, REPORT_HEADER_PLUGIN_NAME)
    if not (config.option.collectonly or config.getoption("tagsmoke_dry_run")):
        # Before the first request: a folder that cannot be written is a usage error.
        problem = artifacts_folder_problem(session.artifacts.folder.parent)
        if problem is not None:
            raise pytest.UsageError(
                f"pytest-tagsmoke: {problem}.\n  Nothing was sent. Pass --tagsmoke-artifacts "
                "DIR (or set 'artifacts:' in the profile) to a folder that can be written."
            )
