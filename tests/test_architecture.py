"""The rules the layout keeps (docs/architecture.md), checked on the source with ``ast``.

Every import counts: module level, inside functions, and under ``if TYPE_CHECKING:``
(marked, because some rules let type-only imports through). Each rule is a plain function
over the parsed imports, so a test can also show that it fails on a broken module.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "pytest_tagsmoke"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE

#: Modules that do I/O; the policy imports none of them (``open()`` is not checked).
IO_MODULES = frozenset(
    {
        "httpx",
        "httpcore",
        "requests",
        "urllib.request",
        "http.client",
        "socket",
        "ssl",
        "sqlite3",
        "psycopg",
        "duckdb",
        "subprocess",
        "asyncio",
        "uvicorn",
        "starlette",
    }
)
#: Import cycles allowed for now, type-only imports included: each is a strongly connected group
#: of modules. A new group, or a group that grows, fails; a group that is gone must be removed
#: from here. Empty since the audit sources and the pytest items were untangled (issue #12).
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()


#: The flow of a run, earliest first (docs/architecture.md). A module may import its own
#: stage and earlier ones, never a later one. Stage 0 is what every stage reads: errors, hook
#: specs, safety/ (redaction, the pricing guard), policy/ (pure rules), the store's types.
#: The drivers (stage 7) run the flow, glue it to pytest or are a front end (the audit);
#: they may import any stage.
STAGES: dict[int, tuple[str, ...]] = {
    # shared by all
    0: (
        "",
        "errors",
        "hookspecs",
        "artifact_names",
        "presets",
        "schema",
        "logstore",
        "logstore.base",
        "logstore.settings",
        "logstore.bounded",
        "logstore.mapping",
        "safety",
        "policy",
    ),
    # files
    1: ("files",),
    # plan and send
    2: ("sending",),
    # find records
    3: (
        "logstore.open_store",
        "logstore.matching",
        "logstore.sql_connect",
        "logstore.http",
        "logstore.jsonl",
        "logstore.sql",
        "logstore.buckets",
        "logstore.poll",
    ),
    # judge
    4: ("judging",),
    # smoke records
    5: ("records",),
    # reports
    6: ("reports",),
    # drivers: the engine's run, the pytest glue, front ends
    7: (
        "sending.batch",
        "sending.finding",
        "plugin",
        "cli",
        "audit",
        "pytest_front",
    ),
}
#: Imports that run back up the flow, allowed for now; a new one fails, a fixed one must go.
#: Empty since the run folder's file names moved to stage 0 (issue #12).
KNOWN_BACK_EDGES: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    """One imported module name, as written (``from a import b`` gives ``a`` and ``a.b``)."""

    name: str
    line: int
    module_level: bool
    type_checking: bool


def module_name(path: Path, package_dir: Path = PACKAGE_DIR) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    return {module_name(p, package_dir): p for p in sorted(package_dir.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, name: str, *, is_package: bool = False) -> list[Import]:
    """Every import in ``source`` (the module ``name``), relative ones made absolute."""
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, module_level: bool, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(
                Import(a.name, node.lineno, module_level, type_checking) for a in node.names
            )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.append(Import(base, node.lineno, module_level, type_checking))
            found.extend(
                Import(f"{base}.{a.name}", node.lineno, module_level, type_checking)
                for a in node.names
            )
        inner_level = module_level and not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        )
        for field, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            guarded = isinstance(node, ast.If) and field == "body" and _is_type_checking(node.test)
            for child in children:
                if isinstance(child, ast.AST):
                    visit(child, inner_level, type_checking or guarded)

    visit(ast.parse(source), True, False)
    return found


def all_imports(package_dir: Path = PACKAGE_DIR) -> dict[str, list[Import]]:
    return {
        name: imports_of(path.read_text(), name, is_package=path.name == "__init__.py")
        for name, path in package_modules(package_dir).items()
    }


def _top(name: str) -> str:
    return name.partition(".")[0]


def _within(name: str, modules: frozenset[str] | set[str]) -> bool:
    return any(name == m or name.startswith(m + ".") for m in modules)


# -- the rules: each returns its violations as readable lines ----------------------------------


def entry_module_violations(imports: dict[str, list[Import]]) -> list[str]:
    """The entry module imports only the standard library and pytest when pytest loads it."""
    allowed = set(sys.stdlib_module_names) | {"__future__", "pytest", "_pytest", "pluggy"}
    return [
        f"{PACKAGE}.plugin:{i.line} imports {i.name} at module level"
        for i in imports[f"{PACKAGE}.plugin"]
        if i.module_level and not i.type_checking and _top(i.name) not in allowed
    ]


def _package_closure(imports: dict[str, list[Import]], start: str) -> set[str]:
    """``start`` and every package module it imports, directly or not (type-only excluded)."""
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module in seen or module not in imports:
            continue
        seen.add(module)
        todo += [i.name for i in imports[module] if not i.type_checking]
    return seen


def policy_io_violations(imports: dict[str, list[Import]]) -> list[str]:
    """The policy package, and every package module it imports, imports no I/O module."""
    reached: set[str] = set()
    for module in imports:
        if _within(module, {f"{PACKAGE}.policy"}):
            reached |= _package_closure(imports, module)
    return [
        f"{module}:{i.line} imports {i.name} (I/O; {PACKAGE}.policy must stay pure)"
        for module in sorted(reached)
        for i in imports[module]
        if not i.type_checking and _within(i.name, IO_MODULES)
    ]


def store_pytest_violations(imports: dict[str, list[Import]]) -> list[str]:
    """The log-store adapters know nothing of pytest."""
    return [
        f"{module}:{i.line} imports {i.name}"
        for module, found in imports.items()
        if _within(module, {f"{PACKAGE}.logstore"})
        for i in found
        if _top(i.name) in {"pytest", "_pytest", "pluggy"}
    ]


def reference_violations(imports: dict[str, list[Import]]) -> list[str]:
    """Nothing in the core imports the reference gateway (type-only imports included)."""
    reference = f"{PACKAGE}.reference"
    return [
        f"{module}:{i.line} imports {i.name}"
        for module, found in imports.items()
        if not _within(module, {reference})
        for i in found
        if _within(i.name, {reference})
    ]


def import_graph(
    imports: dict[str, list[Import]], *, with_type_only: bool = False
) -> dict[str, set[str]]:
    """Module -> the package modules it imports (with type-only imports when ``with_type_only``).

    Importing ``a.b.c`` runs ``a.b``'s ``__init__`` too, so a module's edges include the
    packages above what it imports, except the packages it is itself inside (an explicit
    import of its own package still counts).
    """
    graph: dict[str, set[str]] = {module: set() for module in imports}
    for module, found in imports.items():
        for i in found:
            if (i.type_checking and not with_type_only) or i.name not in imports:
                continue
            parts = i.name.split(".")
            implied = {".".join(parts[:end]) for end in range(2, len(parts))}
            graph[module] |= {p for p in implied if not module.startswith(p + ".")}
            graph[module].add(i.name)
            graph[module].discard(module)
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: set[frozenset[str]] = set()

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.add(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def new_cycles(
    graph: dict[str, set[str]], known: frozenset[frozenset[str]] = KNOWN_CYCLES
) -> list[str]:
    return sorted(" <-> ".join(sorted(group)) for group in cycles(graph) if group not in known)


def stage_of(module: str) -> int | None:
    """The flow stage of ``module``: its own entry, else its closest staged package."""
    staged = {f"{PACKAGE}.{m}" if m else PACKAGE: n for n, ms in STAGES.items() for m in ms}
    parts = module.split(".")
    for end in range(len(parts), 1, -1):
        if ".".join(parts[:end]) in staged:
            return staged[".".join(parts[:end])]
    return staged.get(module)


def back_edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Imports from a module to a module of a later stage (the reference gateway is apart)."""
    found = set()
    for module, targets in graph.items():
        here = stage_of(module)
        for target in targets:
            there = stage_of(target)
            if here is not None and there is not None and there > here:
                found.add((module, target))
    return found


def unstaged(imports: dict[str, list[Import]]) -> list[str]:
    reference = f"{PACKAGE}.reference"
    return sorted(m for m in imports if stage_of(m) is None and not _within(m, {reference}))


# -- the tests ---------------------------------------------------------------------------------


def test_the_entry_module_imports_only_the_standard_library_and_pytest() -> None:
    assert entry_module_violations(all_imports()) == []


def test_the_policy_does_no_io() -> None:
    assert policy_io_violations(all_imports()) == []


def test_the_log_store_adapters_know_nothing_of_pytest() -> None:
    assert store_pytest_violations(all_imports()) == []


def test_nothing_in_the_core_imports_the_reference_gateway() -> None:
    assert reference_violations(all_imports()) == []


def test_no_new_import_cycle() -> None:
    assert new_cycles(import_graph(all_imports(), with_type_only=True)) == []


def test_every_known_cycle_is_still_there() -> None:
    """A cycle that was broken leaves the allow-list, so it cannot come back unnoticed."""
    gone = KNOWN_CYCLES - cycles(import_graph(all_imports(), with_type_only=True))
    assert sorted(sorted(group) for group in gone) == []


def test_every_module_has_a_place_in_the_flow() -> None:
    assert unstaged(all_imports()) == []


def test_no_new_import_runs_back_up_the_flow() -> None:
    graph = import_graph(all_imports(), with_type_only=True)
    assert sorted(back_edges(graph) - KNOWN_BACK_EDGES) == []


def test_every_known_back_edge_is_still_there() -> None:
    graph = import_graph(all_imports(), with_type_only=True)
    assert sorted(KNOWN_BACK_EDGES - back_edges(graph)) == []


def test_every_module_is_seen() -> None:
    """The rules read every module, sub-packages included (a wrong root would pass them all)."""
    names = set(all_imports())
    assert {
        f"{PACKAGE}.plugin",
        f"{PACKAGE}.policy.tag_policy",
        f"{PACKAGE}.logstore.sql",
        f"{PACKAGE}.audit.census",
        f"{PACKAGE}.reference.pytest_plugin",
    } <= names
    assert len(names) == len(list(PACKAGE_DIR.rglob("*.py")))


# -- each rule fails on a module that breaks it --------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, list[Import]]:
    root = tmp_path / PACKAGE
    for relative, source in {"__init__.py": "", "plugin.py": "", "policy.py": "", **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(source)
    return all_imports(root)


def test_a_heavy_import_in_the_entry_module_is_caught(tmp_path: Path) -> None:
    imports = _package(
        tmp_path,
        {
            "plugin.py": "from typing import TYPE_CHECKING\nimport pytest\n"
            "if TYPE_CHECKING:\n    import httpx\n"
            "def later():\n    import yaml\n"
            "from pytest_tagsmoke import session\n"
        },
    )
    assert entry_module_violations(imports) == [
        f"{PACKAGE}.plugin:7 imports {PACKAGE} at module level",
        f"{PACKAGE}.plugin:7 imports {PACKAGE}.session at module level",
    ]


def test_io_reached_from_the_policy_is_caught(tmp_path: Path) -> None:
    imports = _package(
        tmp_path,
        {
            "policy.py": "from . import aliases\n",
            "aliases.py": "def load():\n    import sqlite3\n",
        },
    )
    assert policy_io_violations(imports) == [
        f"{PACKAGE}.aliases:2 imports sqlite3 (I/O; {PACKAGE}.policy must stay pure)"
    ]


def test_pytest_in_a_store_adapter_is_caught(tmp_path: Path) -> None:
    imports = _package(tmp_path, {"logstore/sql.py": "def f():\n    from _pytest import nodes\n"})
    assert store_pytest_violations(imports) == [
        f"{PACKAGE}.logstore.sql:2 imports _pytest",
        f"{PACKAGE}.logstore.sql:2 imports _pytest.nodes",
    ]


def test_the_core_importing_the_reference_gateway_is_caught(tmp_path: Path) -> None:
    imports = _package(
        tmp_path,
        {
            "reference/app.py": "from pytest_tagsmoke import policy\n",
            "runtime.py": "from .reference.app import App\n",
        },
    )
    assert reference_violations(imports) == [
        f"{PACKAGE}.runtime:1 imports {PACKAGE}.reference.app",
        f"{PACKAGE}.runtime:1 imports {PACKAGE}.reference.app.App",
    ]


def test_a_new_cycle_is_caught_a_known_one_is_not(tmp_path: Path) -> None:
    imports = _package(
        tmp_path,
        {
            "send.py": "from pytest_tagsmoke import poll\n",
            "poll.py": "def f():\n    from pytest_tagsmoke.store import base\n",
            "store/__init__.py": "from pytest_tagsmoke import send\n",
            "store/base.py": "",
            "verify.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from pytest_tagsmoke import record\n",
            "record.py": "from pytest_tagsmoke import verify\n",
        },
    )
    send_loop = " <-> ".join(f"{PACKAGE}.{m}" for m in ("poll", "send", "store"))
    assert new_cycles(import_graph(imports)) == [send_loop]
    assert new_cycles(import_graph(imports, with_type_only=True)) == [
        send_loop,
        f"{PACKAGE}.record <-> {PACKAGE}.verify",
    ]
    known = frozenset({frozenset(f"{PACKAGE}.{m}" for m in ("poll", "send", "store"))})
    assert new_cycles(import_graph(imports), known) == []


def test_an_import_back_up_the_flow_is_caught(tmp_path: Path) -> None:
    imports = _package(
        tmp_path,
        {
            "policy.py": "def f():\n    from pytest_tagsmoke.records import judge\n",
            "records.py": "from pytest_tagsmoke import policy, pytest_front\n",
            "pytest_front.py": "from pytest_tagsmoke import records\n",
            "brand_new.py": "",
        },
    )
    assert sorted(back_edges(import_graph(imports))) == [
        (f"{PACKAGE}.policy", f"{PACKAGE}.records"),
        (f"{PACKAGE}.records", f"{PACKAGE}.pytest_front"),
    ]
    assert unstaged(imports) == [f"{PACKAGE}.brand_new"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .x import y\n", ["pytest_tagsmoke.logstore.x", "pytest_tagsmoke.logstore.x.y"]),
        ("from .. import policy\n", ["pytest_tagsmoke", "pytest_tagsmoke.policy"]),
        ("import a.b as c\n", ["a.b"]),
    ],
)
def test_relative_imports_are_made_absolute(source: str, expected: list[str]) -> None:
    found = imports_of(source, "pytest_tagsmoke.logstore.sql")
    assert [i.name for i in found] == expected


def test_docs_architecture_lists_every_module_with_its_stage() -> None:
    text = (PACKAGE_DIR.parent / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| (\d|—) \|", text, re.M)
    documented = {}
    for relative, stage in rows:
        path = PACKAGE_DIR / (relative + "__init__.py" if relative.endswith("/") else relative)
        documented[module_name(path)] = None if stage == "—" else int(stage)
    assert documented == {module: stage_of(module) for module in package_modules()}
