"""tools/mutation_score.py (docs/mutation.md): its module list names real files, and a
module that is not in the list is refused with a message saying so."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "mutation_score.py"


def _modules() -> dict[str, tuple[str, ...]]:
    spec = importlib.util.spec_from_file_location("mutation_score", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    modules: dict[str, tuple[str, ...]] = module.MODULES
    return modules


def test_every_listed_module_and_test_exists() -> None:
    """After a module moves, MODULES must follow it: a stale name would score nothing."""
    for module, tests in _modules().items():
        assert (REPO / module).is_file(), f"MODULES names {module}, which does not exist"
        for test in tests:
            path = REPO / test.split("::")[0]
            assert path.is_file(), f"MODULES lists {test} for {module}: no such test file"
            name = test.partition("::")[2].split("[")[0]
            if name:
                assert f"def {name}(" in path.read_text(), f"{test}: no such test"


def test_an_unknown_module_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "no_such_module.py"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no module in MODULES ends with no_such_module.py" in result.stderr
