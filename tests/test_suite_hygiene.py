"""The test suite's own rules (issue #12): shared helpers come from ``tests/helpers.py``, never
from ``tests/conftest.py`` or from another test module, and ``tests/conftest.py`` makes no
network call when pytest imports it. Each rule has a twin showing it fails on a breach."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.helpers import REPO

if TYPE_CHECKING:
    from pathlib import Path

TESTS = REPO / "tests"
#: Audit events of a network call (a socket merely created, or bound, is none).
NETWORK_EVENTS = (
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "socket.sendmsg",
)


def _imported(tree: ast.Module) -> list[tuple[int, str]]:
    """Every module ``tree`` imports (line, name as written: ``.x`` for a relative one);
    ``from a import b`` gives ``a`` and ``a.b``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base.rstrip('.')}.{alias.name}") for alias in node.names]
    return found


def forbidden_imports(tests: Path) -> list[str]:
    """Imports of a conftest or of a test module (``test_*``) by any module under ``tests``."""
    breaches = []
    for path in sorted(tests.rglob("*.py")):
        relative = path.relative_to(tests.parent)
        for line, name in _imported(ast.parse(path.read_text())):
            parts = name.split(".")
            if any(p == "conftest" or p.startswith("test_") for p in parts):
                breaches.append(f"{relative}:{line} imports {name}")
    return sorted(set(breaches))


def network_calls_at_import(module: str, root: Path) -> list[str]:
    """The network audit events raised while a fresh interpreter imports ``module``."""
    probe = (
        "import importlib, json, sys\n"
        "events = []\n"
        f"watched = {NETWORK_EVENTS!r}\n"
        "sys.addaudithook(lambda e, a: events.append(e) if e in watched else None)\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(events))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    events: list[str] = json.loads(done.stdout.splitlines()[-1])
    return events


def test_no_test_module_imports_a_conftest_or_another_test_module() -> None:
    assert forbidden_imports(TESTS) == []


def test_an_import_from_conftest_or_a_test_module_is_caught(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text("HELPER = 1\n")
    (tests / "test_a.py").write_text("from tests.conftest import HELPER\nimport conftest\n")
    (tests / "test_b.py").write_text("from .test_a import thing\nfrom tests import test_a\n")
    (tests / "test_c.py").write_text("import pytest\nfrom tests.helpers import REPO\n")
    assert forbidden_imports(tests) == [
        "tests/test_a.py:1 imports tests.conftest",
        "tests/test_a.py:1 imports tests.conftest.HELPER",
        "tests/test_a.py:2 imports conftest",
        "tests/test_b.py:1 imports .test_a",
        "tests/test_b.py:1 imports .test_a.thing",
        "tests/test_b.py:2 imports tests.test_a",
    ]


def test_the_tests_conftest_makes_no_network_call_when_imported() -> None:
    assert network_calls_at_import("tests.conftest", REPO) == []


def test_a_network_call_at_import_is_caught(tmp_path: Path) -> None:
    (tmp_path / "calls_out.py").write_text(
        "import contextlib, socket\n"
        "with contextlib.suppress(OSError):\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1).close()\n"
    )
    assert "socket.connect" in network_calls_at_import("calls_out", tmp_path)
