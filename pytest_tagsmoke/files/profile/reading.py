"""Reading a profile file (``tagsmoke.yaml``, or ``[tool.tagsmoke]`` of a
``pyproject.toml``) and laying it over its preset (``preset: NAME``).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.yaml_loader import YamlMap, decode, load_yaml, locate

PROFILE_FILENAME = "tagsmoke.yaml"
PRESETS = (
    "litellm",
    "litellm-tags",
    "litellm-logging-payload",
    "litellm-logging-payload-tags",
    "helicone",
    "langfuse",
    "cloudflare",
    "kong",
    "portkey",
    "openai-compatible",
    "reference",
)


def read_document(path: Path) -> Any:
    """The profile's document as written (a YAML map with line numbers, or a TOML table)."""
    document: Any = _load_pyproject_table(path) if path.suffix == ".toml" else load_yaml(path)
    return YamlMap() if document is None else document


def with_preset(document: Any, path: Path) -> Any:
    """``document`` over its preset's, when it names a known one (a profile over a preset
    may be partial: what must hold is the merged profile)."""
    preset = document.get("preset") if isinstance(document, dict) else None
    return _with_preset(document, path) if preset in PRESETS else document


# Keys whose value a profile replaces whole instead of merging into the preset's.
_REPLACED = {
    ("attach", "*"),
    ("log_store", "fields", "*"),
    ("log_store", "auth"),
    ("log_store", "query"),
    ("log_store", "pages"),
}


def _merge(base: Any, override: Any, key_path: tuple[str, ...] = ()) -> Any:
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return override
    if key_path in _REPLACED or (*key_path[:-1], "*") in _REPLACED:
        return override
    merged = YamlMap(base)
    merged.line, merged.column = getattr(override, "line", 0), getattr(override, "column", 0)
    merged.key_marks = {**getattr(base, "key_marks", {}), **getattr(override, "key_marks", {})}
    for key, value in override.items():
        merged[key] = _merge(base[key], value, (*key_path, key)) if key in base else value
    return merged


def _with_preset(document: YamlMap, path: Path) -> YamlMap:
    """The profile over its preset's defaults; a preset without a log store needs one."""
    name = document["preset"]
    preset_path = Path(str(resources.files("pytest_tagsmoke.presets").joinpath(f"{name}.yaml")))
    merged: YamlMap = _merge(load_yaml(preset_path), document)
    if "log_store" not in merged:
        line, column = locate(document, ["preset"])
        raise TagsmokeFileError(
            [
                Problem(
                    path,
                    line,
                    column,
                    "preset",
                    f"preset {name!r} attaches tags but knows no log store for this gateway",
                    "add a log_store section (http, jsonl or sql) that reads your gateway's logs",
                )
            ]
        )
    return merged


def has_pyproject_table(path: Path) -> bool:
    """Whether ``path`` (a pyproject.toml) has a ``[tool.tagsmoke]`` table."""
    try:
        return "tagsmoke" in _read_toml(path).get("tool", {})
    except (OSError, ValueError, TagsmokeFileError):
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    data: dict[str, Any] = tomllib.loads(decode(path, path.read_bytes()))
    return data


def _load_pyproject_table(path: Path) -> Any:
    try:
        data = _read_toml(path)
    except (OSError, ValueError) as exc:
        raise TagsmokeFileError(
            [Problem(path, None, None, "", f"cannot read the TOML file: {exc}")]
        ) from None
    table = data.get("tool", {}).get("tagsmoke")
    if table is None:
        raise TagsmokeFileError(
            [Problem(path, None, None, "tool.tagsmoke", "there is no [tool.tagsmoke] table")]
        )
    return table
