"""Schema validation of user files, with problems located at the offending key."""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema

from pytest_tagsmoke._yaml import format_key_path, locate
from pytest_tagsmoke.errors import Problem

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


@functools.cache
def _validator(schema_name: str) -> jsonschema.protocols.Validator:
    text = resources.files("pytest_tagsmoke.schema").joinpath(schema_name).read_text("utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def schema_problems(document: Any, schema_name: str, path: Path) -> list[Problem]:
    """Every schema violation in ``document``, in file order, one :class:`Problem` each."""
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


def _to_problem(error: jsonschema.ValidationError, document: Any, path: Path) -> Problem:
    key_path = list(error.absolute_path)
    hint = ""
    message = error.message
    schema = error.schema if isinstance(error.schema, dict) else {}
    choices_given = error.validator_value if isinstance(error.validator_value, list) else []
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            key = str(extra[0])
            key_path = [*key_path, key]
            message = f"unknown key {key!r}"
            close = _close_match(key, allowed)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
            )
    elif error.validator in ("minProperties", "maxProperties") and schema.get("properties"):
        names = " or ".join(sorted(schema["properties"]))
        found = (
            ", ".join(sorted(map(str, error.instance)))
            if isinstance(error.instance, dict)
            else "none"
        )
        message = f"expected exactly one of {names}, found: {found or 'none'}"
    elif error.validator == "pattern":
        message = f"{error.instance!r} does not have the expected form ({error.validator_value})"
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
        message = f"expected one of {choices}, found {error.instance!r}"
        if isinstance(error.instance, str):
            close = _close_match(error.instance, [str(c) for c in choices_given])
            if close:
                hint = f"did you mean {close[0]!r}?"
    line, column = locate(document, key_path)
    if line is None:
        line, column = 1, 1
    return Problem(path, line, column, format_key_path(key_path), message, hint)


def _close_match(word: str, choices: list[str]) -> list[str]:
    """The choice ``word`` most likely misspells: a choice it begins, else the closest."""
    prefixed = [c for c in choices if c.startswith(word) and word]
    return prefixed[:1] or difflib.get_close_matches(word, choices, n=1)
