"""``${VAR}`` and ``${VAR:-default}`` in a profile's (or a scenario file's) strings, and
which environment values that puts in secret places.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem
from pytest_tagsmoke.files.yaml_loader import YamlMap, format_key_path, locate
from pytest_tagsmoke.safety.redaction import SECRET_NAME

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

KeyPath = tuple[str | int, ...]

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
# Where a variable's value is a secret whatever the variable's name.
_SECRET_VALUES = (
    ("credential",),
    ("log_store", "auth", "*"),
    ("log_store", "headers", "*"),
)


@dataclass
class InterpolationContext:
    path: Path
    document: YamlMap
    env: Mapping[str, str]
    problems: list[Problem]
    #: key path -> the environment variables interpolated into its value
    sources: dict[KeyPath, list[str]] = field(default_factory=dict)


def matches(key_path: KeyPath, pattern: tuple[str, ...]) -> bool:
    """Whether ``key_path`` is ``pattern`` (``*`` matches any one key)."""
    return len(key_path) == len(pattern) and all(
        p == "*" or p == k for k, p in zip(key_path, pattern, strict=True)
    )


def interpolate(value: Any, key_path: list[str | int], ctx: InterpolationContext) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string of the document."""
    if isinstance(value, dict):
        return {k: interpolate(v, [*key_path, k], ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, [*key_path, i], ctx) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    return interpolate_text(value, key_path, ctx)


def interpolate_text(value: str, key_path: list[str | int], ctx: InterpolationContext) -> str:
    """``value`` with ``${VAR}`` and ``${VAR:-default}`` replaced; an unset variable without
    a default is a problem in ``ctx`` (located at ``key_path``) and becomes ``<VAR>``."""

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        ctx.sources.setdefault(tuple(key_path), []).append(name)
        if ctx.env.get(name):
            return ctx.env[name]
        if default is not None:
            return default
        line, column = locate(ctx.document, key_path)
        ctx.problems.append(
            Problem(
                ctx.path,
                line,
                column,
                format_key_path(key_path),
                f"environment variable {name} is not set",
                f"export {name}, or write ${{{name}:-default}} to give a default",
            )
        )
        # Seen only where unset variables are allowed (validate, dry run): a placeholder.
        return f"<{name}>"

    return _VAR.sub(substitute, value)


def env_secrets(ctx: InterpolationContext) -> tuple[str, ...]:
    """The values (as set, and stripped) of the variables interpolated into a secret place
    or named like a secret: such a value stays hidden wherever else the profile puts it,
    a query parameter marked public included."""
    names = {
        name
        for key_path, used in ctx.sources.items()
        for name in used
        if SECRET_NAME.search(name) or any(matches(key_path, p) for p in _SECRET_VALUES)
    }
    values = {
        form for name in names for form in (ctx.env.get(name, ""), ctx.env.get(name, "").strip())
    }
    return tuple(sorted(v for v in values if v))
