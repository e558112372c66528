"""A quick answer to "is this document valid under this schema?" without jsonschema.

It knows the keywords the bundled schemas use and answers True (valid), False (not
valid) or None (cannot tell: a keyword or value it does not know). Only a True is acted
on: :func:`pytest_tagsmoke.files.schema_check.schema_problems` then skips jsonschema, whose import
and validator building cost most of a smoke run's validation time. Anything else goes to
jsonschema, which finds and words the problems. A False is given only where it is
certain, since ``not``, ``oneOf`` and ``if`` turn it into a True.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
from typing import Any

#: Keywords that never make a document invalid (jsonschema asserts no ``format`` unless
#: given a format checker, and the harness gives none).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples",
     "format", "deprecated", "readOnly", "writeOnly"}
)  # fmt: skip


def is_valid(schema: Any, instance: Any) -> bool:
    """Whether ``instance`` is certainly valid under ``schema`` (a draft 2020-12 schema
    whose ``$ref`` point into its own ``$defs``)."""
    return _check(schema, instance, schema) is True


def _all(results: list[bool | None]) -> bool | None:
    if False in results:
        return False
    return None if None in results else True


def _is_type(name: str, value: Any) -> bool | None:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "number":
        return number
    if name == "integer":
        return number and (isinstance(value, int) or float(value).is_integer())
    return None


def _same(one: Any, two: Any) -> bool | None:
    """jsonschema's equality for scalars (True is not 1, 1 is 1.0); None for containers."""
    if isinstance(one, (dict, list)) or isinstance(two, (dict, list)):
        return None
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if one is None or two is None:
        return one is two
    if isinstance(one, str) or isinstance(two, str):
        return isinstance(one, str) and isinstance(two, str) and one == two
    if isinstance(one, (int, float)) and isinstance(two, (int, float)):
        return one == two
    return None


def _scalar_key(value: Any) -> tuple[str, Any] | None:
    """A hashable key equal for exactly the scalars :func:`_same` calls equal (1 and 1.0
    alike, True apart from 1); None for containers, NaN and anything else."""
    if isinstance(value, bool):
        return ("bool", value)
    if value is None or isinstance(value, str):
        return ("text", value)
    if isinstance(value, (int, float)) and value == value:  # NaN is not equal to itself
        return ("number", value)
    return None


def _any_same(choices: list[Any], value: Any) -> bool | None:
    results = [_same(choice, value) for choice in choices]
    if True in results:
        return True
    return None if None in results else False


def _check(schema: Any, instance: Any, root: Any) -> bool | None:
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        return None
    results: list[bool | None] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        result = _keyword(keyword, value, schema, instance, root)
        if result is False:
            return False
        results.append(result)
    return _all(results)


def _keyword(
    keyword: str, value: Any, schema: dict[str, Any], instance: Any, root: Any
) -> bool | None:
    number = isinstance(instance, (int, float)) and not isinstance(instance, bool)
    if keyword == "type":
        names = value if isinstance(value, list) else [value]
        found = [_is_type(str(name), instance) for name in names]
        return True if True in found else (None if None in found else False)
    if keyword == "enum":
        return _any_same(value, instance) if isinstance(value, list) else None
    if keyword == "const":
        return _same(value, instance)
    if keyword == "pattern":
        return not isinstance(instance, str) or re.search(value, instance) is not None
    if keyword in ("minLength", "maxLength"):
        if not isinstance(instance, str):
            return True
        return bool(len(instance) >= value if keyword == "minLength" else len(instance) <= value)
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if not number:
            return True
        return bool(
            {
                "minimum": instance >= value,
                "maximum": instance <= value,
                "exclusiveMinimum": instance > value,
                "exclusiveMaximum": instance < value,
            }[keyword]
        )
    if keyword in ("minItems", "maxItems"):
        if not isinstance(instance, list):
            return True
        return bool(len(instance) >= value if keyword == "minItems" else len(instance) <= value)
    if keyword in ("minProperties", "maxProperties"):
        if not isinstance(instance, dict):
            return True
        return bool(
            len(instance) >= value if keyword == "minProperties" else len(instance) <= value
        )
    if keyword == "required":
        return not isinstance(instance, dict) or all(name in instance for name in value)
    if keyword == "properties":
        if not isinstance(instance, dict):
            return True
        return _all([_check(sub, instance[k], root) for k, sub in value.items() if k in instance])
    if keyword == "additionalProperties":
        if not isinstance(instance, dict):
            return True
        if "patternProperties" in schema:
            return None
        known = schema.get("properties", {})
        extra = [instance[k] for k in instance if k not in known]
        return _all([_check(value, item, root) for item in extra])
    if keyword == "propertyNames":
        if not isinstance(instance, dict):
            return True
        return _all([_check(value, key, root) for key in instance])
    if keyword == "items":
        if not isinstance(instance, list):
            return True
        if "prefixItems" in schema:
            return None
        return _all([_check(value, item, root) for item in instance])
    if keyword == "uniqueItems":
        if not value or not isinstance(instance, list):
            return True
        keys = [_scalar_key(item) for item in instance]
        if None in keys:
            return None
        return len(set(keys)) == len(keys)
    if keyword == "$ref":
        if not (isinstance(value, str) and value.startswith("#/$defs/")):
            return None
        target = root.get("$defs", {}).get(value[len("#/$defs/") :])
        return None if target is None else _check(target, instance, root)
    if keyword == "allOf":
        return _all([_check(sub, instance, root) for sub in value])
    if keyword == "anyOf":
        found = [_check(sub, instance, root) for sub in value]
        return True if True in found else (None if None in found else False)
    if keyword == "oneOf":
        found = [_check(sub, instance, root) for sub in value]
        if found.count(True) > 1:
            return False
        if None in found:
            return None
        return found.count(True) == 1
    if keyword == "not":
        result = _check(value, instance, root)
        return None if result is None else not result
    if keyword == "if":
        result = _check(value, instance, root)
        if result is None:
            return None
        branch = schema.get("then" if result else "else", True)
        return _check(branch, instance, root)
    if keyword in ("then", "else"):
        return True  # applied through "if"; without an "if" they assert nothing
    return None
