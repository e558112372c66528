"""The lazy switch-on: the plugins a ``--tagsmoke`` or ``--tagsmoke-audit`` run registers.

Imported from :func:`pytest_tagsmoke.plugin.pytest_configure` only when one of the two is
given; everything that reads YAML or sends requests is imported from here.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import pytest

SESSION_PLUGIN_NAME = "tagsmoke-session"
REPORT_HEADER_PLUGIN_NAME = "tagsmoke-report-header"
REDACTION_PLUGIN_NAME = "tagsmoke-redaction"
AUDIT_PLUGIN_NAME = "tagsmoke-audit"


def switch_on(config: pytest.Config) -> None:
    """Register what the run's options ask for: the smoke run, the audit, or both."""
    if config.getoption("tagsmoke"):
        start_smoke_run(config)
    if config.getoption("tagsmoke_audit"):
        from pytest_tagsmoke.audit.pytest_items import AuditPlugin

        config.pluginmanager.register(AuditPlugin(config), AUDIT_PLUGIN_NAME)


def start_smoke_run(config: pytest.Config) -> None:
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
