"""YAML loading that keeps line and column numbers, so errors can point at the key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from pytest_tagsmoke.errors import Problem, TagsmokeFileError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlMap(dict[str, Any]):
    """A mapping from a YAML file that remembers where it and each of its keys stood."""

    line: int = 0
    column: int = 0
    key_marks: dict[str, tuple[int, int]]

    def mark_of(self, key: str) -> tuple[int, int]:
        """1-based (line, column) of ``key``, or of the mapping when the key is absent."""
        return self.key_marks.get(key, (self.line, self.column))


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> YamlMap:
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


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, text: str | None = None) -> Any:
    """Parse one YAML document; a syntax error becomes a :class:`TagsmokeFileError`."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TagsmokeFileError(
                [Problem(path, None, None, "", f"cannot read the file: {exc}")]
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise TagsmokeFileError(
            [
                Problem(
                    path,
                    line,
                    column,
                    "",
                    f"YAML syntax error: {what}",
                    "fix the YAML syntax at that position (indentation, quotes, colons)",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise TagsmokeFileError([Problem(path, None, None, "", f"YAML error: {exc}")]) from None


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
