"""pytest entry point of pytest-tagsmoke: hook specs, options and the lazy switch-on.

Imported by *every* pytest run where the plugin is installed, through pytest's assertion
rewriter (which parses it again at every run under ``PYTHONDONTWRITEBYTECODE=1``): so it is
short, and imports only the standard library and pytest. The options are defined in
:mod:`~pytest_tagsmoke.pytest_front.command_line`; everything that sends requests or reads
YAML is imported from :mod:`~pytest_tagsmoke.pytest_front.switch_on`, only when
``--tagsmoke`` (or ``--tagsmoke-audit``) is given. The demo fixture ``tagsmoke_gateway`` is
the opt-in plugin :mod:`pytest_tagsmoke.reference.pytest_plugin`.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import pytest


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    # The engine's modules are imported the ordinary way, from their bytecode: pytest marks
    # an installed plugin's package for rewriting, and the rewriter cannot keep its own
    # bytecode under PYTHONDONTWRITEBYTECODE=1 (many CI images), so it would compile the
    # whole engine again at every run (~0.1 s). The engine holds no test asserts. pytest has
    # no public call to unmark a package; where the rewriter has changed shape, nothing is
    # done and modules are rewritten as before (PYTEST_DONT_REWRITE).
    marked = getattr(getattr(pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(marked, set):
        marked.discard(__name__.partition(".")[0])
    from pytest_tagsmoke import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    from pytest_tagsmoke.pytest_front.command_line import add_options

    add_options(parser)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("tagsmoke") or config.getoption("tagsmoke_audit"):
        from pytest_tagsmoke.pytest_front.switch_on import switch_on

        switch_on(config)
