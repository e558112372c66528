"""A smoke run imports only what it uses, the ordinary way (issue 16: start-up)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.reference import ReferenceGateway

if TYPE_CHECKING:
    from pathlib import Path

# Written by the run itself, once it is over: every module it imported, and how.
_REPORTER = """
import gc, json, sys

def pytest_unconfigure(config):
    loaders = {
        name: type(getattr(module, "__loader__", None)).__name__
        for name, module in list(sys.modules.items())
        if name.startswith("pytest_tagsmoke") and module is not None
    }
    with open("imported.json", "w") as sink:
        json.dump(
            {
                "modules": sorted(sys.modules),
                "loaders": loaders,
                "frozen": gc.get_freeze_count(),
            },
            sink,
        )
"""

#: Never needed by a smoke run: the audit front end and its engines, the reference
#: gateway's web stack, httpx's command-line module (it pulls in click and rich), and
#: jsonschema while the profile and the scenario files are valid (the quick check says
#: so). tenacity is not among them: it runs the poll (a send imports it only to retry,
#: tests/test_send_retry.py).
UNUSED = (
    "jsonschema",
    "pytest_tagsmoke.audit",
    "pytest_tagsmoke.reference",
    "duckdb",
    "sqlglot",
    "starlette",
    "uvicorn",
    "httpx._main",
    "rich",
    "click",
)


def test_a_smoke_run_imports_only_what_it_uses_and_rewrites_none_of_the_engine(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    demo.makeconftest(_REPORTER)
    with ReferenceGateway(tmp_path / "log.sqlite") as gateway:
        result = demo.runpytest_subprocess("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    seen = json.loads((demo.path / "imported.json").read_text())
    modules = set(seen["modules"])
    assert {
        "httpx",
        "pytest_tagsmoke.pytest_front.session",
        "pytest_tagsmoke.sending.batch",
    } <= modules
    for name in UNUSED:
        assert name not in modules
        assert not any(m.startswith(name + ".") for m in modules), name
    rewritten = [n for n, kind in seen["loaders"].items() if kind == "AssertionRewritingHook"]
    # The entry module is imported before it can say so; everything after it is not rewritten.
    assert set(rewritten) <= {"pytest_tagsmoke", "pytest_tagsmoke.plugin"}
    assert seen["loaders"]["pytest_tagsmoke.sending.batch"] == "SourceFileLoader"
    # The options are defined outside the entry module the rewriter parses at every run.
    assert seen["loaders"]["pytest_tagsmoke.pytest_front.command_line"] == "SourceFileLoader"
    # What lives until the end (modules, profile, items) is left out of the collector's passes.
    assert seen["frozen"] > 0
