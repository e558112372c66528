"""YAML loading that keeps line and column numbers, so errors can point at the key.

It also refuses what would make a file ambiguous or hostile: a key written twice in one
mapping (the reader sees one value, the run another), aliases that expand into a huge
document (a "billion laughs"), nesting too deep to walk, and bytes that are not UTF-8.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from pytest_tagsmoke.errors import Problem, TagsmokeFileError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Alias uses (``*name``) allowed in one file: anchors are for sharing a few defaults.
MAX_ALIASES = 1000
#: Nodes the document may hold once every alias is expanded (what a walk over it visits).
MAX_EXPANDED_NODES = 200_000
#: Nesting depth of mappings and lists.
MAX_DEPTH = 64

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlMap(dict[str, Any]):
    """A mapping from a YAML file that remembers where it and each of its keys stood."""

    line: int = 0
    column: int = 0
    key_marks: dict[str, tuple[int, int]]

    def mark_of(self, key: str) -> tuple[int, int]:
        """1-based (line, column) of ``key``, or of the mapping when the key is absent."""
        return self.key_marks.get(key, (self.line, self.column))


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    path: Path
    problems: list[Problem]


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    _check_duplicates(loader, node)
    loader.flatten_mapping(node)
    mapping = YamlMap()
    mapping.line = node.start_mark.line + 1
    mapping.column = node.start_mark.column + 1
    mapping.key_marks = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # Keys are names in every file we read; a number or a list as a key is a typo.
            key = str(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    return mapping


def _check_duplicates(loader: _Loader, node: yaml.MappingNode) -> None:
    """A key written twice in one mapping is an error naming both lines.

    Keys brought in by a merge (``<<: *defaults``) may be overridden: only the mapping's
    own keys are compared.
    """
    seen: dict[str, int] = {}
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        name = str(key_node.value)
        line = key_node.start_mark.line + 1
        if name in seen:
            loader.problems.append(
                Problem(
                    loader.path,
                    line,
                    key_node.start_mark.column + 1,
                    "",
                    f"key {_shown_key(name)} is written twice in one mapping: on line "
                    f"{seen[name]} and on line {line} (YAML would silently keep the second)",
                    "keep one of them",
                )
            )
        else:
            seen[name] = line


def _shown_key(name: str) -> str:
    return repr(name) if len(name) <= 60 else repr(name[:57] + "...")


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_size(root: yaml.Node, path: Path) -> None:
    """Refuse alias bombs, self-referring aliases and deep nesting before anything walks the
    document: each node's expanded size is computed once (the graph is walked, not the tree
    it expands to), so a bomb is found in time linear in the file."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, yaml.Node, int, bool]] = [(root, root, 1, False)]
    while stack:
        node, parent, depth, children_done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if children_done:
            visiting.discard(key)
            size = 1 + sum(sizes[id(c)] for c in children)
            sizes[key] = size
            if size > MAX_EXPANDED_NODES:
                _refuse(
                    path,
                    node,
                    f"YAML aliases here expand to more than {MAX_EXPANDED_NODES:,} values",
                )
            continue
        if key in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                _refuse(path, parent, f"more than {MAX_ALIASES} YAML alias uses in one file")
            continue
        if key in visiting:
            _refuse(path, node, "a YAML alias refers to a value that contains it")
        if depth > MAX_DEPTH:
            _refuse(
                path,
                node,
                f"values are nested more than {MAX_DEPTH} levels deep",
                "flatten the structure",
            )
        if not children:
            sizes[key] = 1
            continue
        visiting.add(key)
        stack.append((node, parent, depth, True))
        for child in reversed(children):
            if id(child) in visiting:
                _refuse(path, node, "a YAML alias refers to a value that contains it")
            stack.append((child, node, depth + 1, False))


_ALIAS_HINT = (
    "write the values out, or share fewer of them through anchors (&name) and aliases (*name)"
)


def _refuse(path: Path, node: yaml.Node, message: str, hint: str = _ALIAS_HINT) -> None:
    raise file_error(path, node.start_mark.line + 1, node.start_mark.column + 1, message, hint)


def file_error(
    path: Path, line: int | None, column: int | None, message: str, hint: str = ""
) -> TagsmokeFileError:
    """One located problem of the file as a whole (no key path)."""
    return TagsmokeFileError([Problem(path, line, column, "", message, hint)])


def read_text(path: Path) -> str:
    """The file's text; unreadable or not-UTF-8 content is a located problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TagsmokeFileError(
            [Problem(path, None, None, "", f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    return decode(path, data)


def decode(path: Path, data: bytes) -> str:
    """``data`` as UTF-8; a bad byte is reported with its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise file_error(
            path,
            line,
            column,
            f"the file is not UTF-8: byte 0x{data[exc.start]:02x} cannot start or continue a "
            "character here",
            "save the file as UTF-8",
        ) from None


def load_yaml(path: Path, text: str | None = None) -> Any:
    """Parse one YAML document; a syntax error becomes a :class:`TagsmokeFileError`."""
    if text is None:
        text = read_text(path)
    loader = _Loader(text)
    loader.path = path
    loader.problems = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, path)
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise file_error(
            path,
            line,
            column,
            f"YAML syntax error: {what}",
            "fix the YAML syntax at that position (indentation, quotes, colons)",
        ) from None
    except yaml.YAMLError as exc:
        raise file_error(path, None, None, f"YAML error: {exc}") from None
    except RecursionError:
        raise file_error(path, None, None, "values are nested too deeply to read") from None
    finally:
        loader.dispose()
    if loader.problems:
        raise TagsmokeFileError(loader.problems)
    return document


def locate(document: Any, key_path: Sequence[str | int]) -> tuple[int | None, int | None]:
    """The 1-based position of the deepest element of ``key_path`` found in ``document``."""
    line: int | None = getattr(document, "line", None) or None
    column: int | None = getattr(document, "column", None) or None
    node = document
    for step in key_path:
        if isinstance(node, YamlMap) and isinstance(step, str) and step in node:
            line, column = node.mark_of(step)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            if isinstance(node, YamlMap):
                line, column = node.line, node.column
        else:
            break
    return line, column


def format_key_path(key_path: Sequence[str | int]) -> str:
    """``scenarios[2].expect.bucket`` for ``["scenarios", 2, "expect", "bucket"]``."""
    text = ""
    for step in key_path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text
