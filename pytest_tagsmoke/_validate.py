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
        if error.validator == "oneOf" and error.context:
            # Report the alternative that got furthest, not "is not valid under any".
            yield jsonschema.exceptions.best_match(error.context)
        else:
            yield error


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
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
            )
    elif error.validator == "required":
        message = f"missing required key: {error.message.split(' ')[0]}"
    elif error.validator == "enum":
        choices = ", ".join(repr(c) for c in choices_given)
        message = f"expected one of {choices}, found {error.instance!r}"
        if isinstance(error.instance, str):
            close = difflib.get_close_matches(error.instance, [str(c) for c in choices_given], n=1)
            if close:
                hint = f"did you mean {close[0]!r}?"
    line, column = locate(document, key_path)
    return Problem(path, line, column, format_key_path(key_path), message, hint)
