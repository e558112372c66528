"""Schema validation of user files, with problems located at the offending key.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem
from pytest_tagsmoke.files.content_rules import may_hold_secret
from pytest_tagsmoke.files.quick_schema import is_valid
from pytest_tagsmoke.files.yaml_loader import format_key_path, locate

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import jsonschema


def load_schema(schema_name: str) -> Any:
    text = resources.files("pytest_tagsmoke.schema").joinpath(schema_name).read_text("utf-8")
    return json.loads(text)


@functools.cache
def _schema(schema_name: str) -> Any:
    """Each bundled schema read once per process."""
    return load_schema(schema_name)


@functools.cache
def _validator(schema_name: str) -> jsonschema.protocols.Validator:
    """One validator per schema for the process. The bundled schemas are checked against
    their meta-schema by the tests (``tests/test_scale.py``), not at every run (~0.1 s)."""
    import jsonschema

    schema = _schema(schema_name)
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def schema_problems(document: Any, schema_name: str, path: Path) -> list[Problem]:
    """Every schema violation in ``document``, in file order, one :class:`Problem` each.

    A document the quick check (:mod:`pytest_tagsmoke.files.quick_schema`) finds valid has none;
    any other is validated by jsonschema, imported only then (~0.05 s of start-up)."""
    if is_valid(_schema(schema_name), document):
        return []
    problems = [
        _to_problem(error, document, path)
        for error in _leaf_errors(_validator(schema_name).iter_errors(document))
    ]
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def _leaf_errors(
    errors: Iterable[jsonschema.ValidationError],
) -> Iterable[jsonschema.ValidationError]:
    for error in errors:
        while error.validator in ("oneOf", "anyOf") and error.context:
            # Report the alternative the value was meant for, not "is not valid under any".
            error = _meant_alternative(error)
        yield error


def _meant_alternative(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """Among a oneOf's alternatives, the deepest error of one whose type the value has."""
    branches: dict[Any, list[jsonschema.ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def wrong_type(sub: jsonschema.ValidationError) -> bool:
        if sub.relative_path:
            return False
        if sub.validator == "type":
            return True
        values = sub.validator_value if isinstance(sub.validator_value, list) else []
        return sub.validator == "enum" and all(type(v) is not type(sub.instance) for v in values)

    fitting = [subs for subs in branches.values() if not any(wrong_type(s) for s in subs)]
    pool = [s for subs in (fitting or list(branches.values())) for s in subs]
    return max(pool, key=lambda s: len(s.absolute_path))


_KINDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_MAX_SHOWN = 80


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return "a text"


def _shown(value: Any, key_path: list[str | int]) -> str:
    """``value`` as the message may show it: a short scalar under a key that holds no
    secret; else only its kind. A whole document or list is never echoed."""
    if isinstance(value, (dict, list)):
        return _kind(value)
    text = repr(value)
    if len(text) > _MAX_SHOWN or may_hold_secret(key_path, value):
        return f"{_kind(value)} (not shown)"
    return text


def _shown_key(key: str, key_path: list[str | int], *, quoted: bool = True) -> str:
    if may_hold_secret([], key) or len(key) > _MAX_SHOWN:
        return "a key (not shown)"
    return repr(key) if quoted else key


def _items(count: Any) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _message(error: jsonschema.ValidationError, key_path: list[str | int]) -> str:
    """The message for validators whose jsonschema text would quote the value."""
    value, limit = error.instance, error.validator_value
    shown = _shown(value, key_path)
    if error.validator == "type":
        types = limit if isinstance(limit, list) else [limit]
        expected = " or ".join(_KINDS.get(str(t), str(t)) for t in types)
        found = _kind(value) if isinstance(value, (dict, list)) else shown
        return f"expected {expected}, found {found}"
    texts = {
        "minLength": f"is too short: expected at least {limit} characters",
        "maxLength": f"is too long: expected at most {limit} characters",
        "minimum": f"expected at least {limit}, found {shown}",
        "maximum": f"expected at most {limit}, found {shown}",
        "exclusiveMinimum": f"expected more than {limit}, found {shown}",
        "exclusiveMaximum": f"expected less than {limit}, found {shown}",
        "minItems": f"expected at least {_items(limit)}",
        "maxItems": f"expected at most {_items(limit)}",
        "uniqueItems": "has an item more than once",
        "const": f"expected {limit!r}, found {shown}",
        "minProperties": f"expected at least {limit} keys",
        "maxProperties": f"expected at most {limit} keys",
    }
    return texts.get(str(error.validator), f"{shown} does not fit the schema ({error.validator})")


def _to_problem(error: jsonschema.ValidationError, document: Any, path: Path) -> Problem:
    key_path = list(error.absolute_path)
    hint = ""
    message = _message(error, key_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    choices_given = error.validator_value if isinstance(error.validator_value, list) else []
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            key = str(extra[0])
            message = f"unknown key {_shown_key(key, key_path)}"
            key_path = [*key_path, key]
            close = _close_match(key, allowed)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
            )
    elif error.validator in ("minProperties", "maxProperties") and schema.get("properties"):
        names = " or ".join(sorted(schema["properties"]))
        found = (
            ", ".join(sorted(_shown_key(str(k), key_path, quoted=False) for k in error.instance))
            if isinstance(error.instance, dict)
            else "none"
        )
        message = f"expected exactly one of {names}, found: {found or 'none'}"
    elif error.validator == "pattern":
        message = (
            f"{_shown(error.instance, key_path)} does not have the expected form "
            f"({error.validator_value})"
        )
        if isinstance(schema.get("description"), str):
            hint = schema["description"]
    elif error.validator == "oneOf" and isinstance(error.instance, dict):
        # "valid under each of" several {required: [kind]} alternatives: two kinds given.
        kinds = (
            [
                name
                for alternative in error.validator_value
                for name in alternative.get("required", [])
            ]
            if isinstance(error.validator_value, list)
            else []
        )
        given = [k for k in error.instance if k in kinds]
        message = f"expected exactly one of {', '.join(kinds)}, found: {', '.join(given)}"
    elif error.validator == "required":
        message = f"missing required key: {error.message.split(' ')[0]}"
    elif error.validator == "enum":
        choices = ", ".join(repr(c) for c in choices_given)
        message = f"expected one of {choices}, found {_shown(error.instance, key_path)}"
        if isinstance(error.instance, str):
            close = _close_match(error.instance, [str(c) for c in choices_given])
            if close and not may_hold_secret(key_path, error.instance):
                hint = f"did you mean {close[0]!r}?"
    line, column = locate(document, key_path)
    if line is None:
        line, column = 1, 1
    return Problem(path, line, column, format_key_path(key_path), message, hint)


def _close_match(word: str, choices: list[str]) -> list[str]:
    """The choice ``word`` most likely misspells: a choice it begins, else the closest."""
    prefixed = [c for c in choices if c.startswith(word) and word]
    return prefixed[:1] or difflib.get_close_matches(word, choices, n=1)
