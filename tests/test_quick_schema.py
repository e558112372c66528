"""The quick schema check never calls an invalid file valid (jsonschema is the judge)."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
import yaml

from pytest_tagsmoke.files.quick_schema import is_valid
from pytest_tagsmoke.files.schema_check import _validator, load_schema
from tests.helpers import REPO

FILES = [
    *[(p, "profile") for p in sorted((REPO / "tests" / "corpus" / "profiles").glob("*.yaml"))],
    *[(p, "profile") for p in sorted((REPO / "pytest_tagsmoke" / "presets").glob("*.yaml"))],
    (REPO / "tagsmoke.yaml", "profile"),
    *[(p, "scenario") for p in sorted((REPO / "tests" / "corpus" / "scenarios").glob("*.yaml"))],
    *[(p, "scenario") for p in sorted((REPO / "scenarios").glob("*.yaml"))],
]
VALUES: list[Any] = [
    None, True, False, 0, 1, -5, 1.5, 200.0, 600, "", "x", "header", "metadata", "jsonl",
    "sql", "http", "2xx", "Bad Key", "present", [], ["a", "a"], ["a"], [1, True], {},
    {"header": "x"}, {"zzz": 1}, {"path": "a"}, {"equals": "x"},
]  # fmt: skip
KEYS = ["zzz", "kind", "header", "path", "status", "tags", "then", "equals", "metadata"]


def _load(path: Any) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        return None


def _mutants(document: Any, rng: random.Random, count: int) -> list[Any]:
    """``document`` with one value replaced, one key removed or one key added, ``count``
    times at random places."""
    paths: list[list[Any]] = []

    def walk(value: Any, path: list[Any]) -> None:
        paths.append(path)
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, [*path, key])
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, [*path, index])

    walk(document, [])
    found = []
    for _ in range(count):
        mutant = copy.deepcopy(document)
        path = rng.choice(paths)
        if not path:
            found.append(copy.deepcopy(rng.choice(VALUES)))
            continue
        parent = mutant
        for key in path[:-1]:
            parent = parent[key]
        roll = rng.random()
        if roll < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.4 and isinstance(parent, dict):
            parent[rng.choice(KEYS)] = copy.deepcopy(rng.choice(VALUES))
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
        found.append(mutant)
    return found


@pytest.mark.parametrize(("path", "kind"), FILES, ids=lambda v: getattr(v, "name", v))
def test_a_document_the_quick_check_calls_valid_has_no_schema_problem(path: Any, kind: str) -> None:
    name = f"{kind}.schema.json"
    schema, validator = load_schema(name), _validator(name)
    document = _load(path)
    rng = random.Random(path.name)
    for candidate in [document, *_mutants(document, rng, 150)]:
        if is_valid(schema, candidate):
            assert list(validator.iter_errors(candidate)) == [], candidate


@pytest.mark.parametrize(
    ("path", "kind"),
    [(p, k) for p, k in FILES if "corpus" not in p.parts],
    ids=lambda v: getattr(v, "name", v),
)
def test_the_repository_files_and_presets_are_found_valid_quickly(path: Any, kind: str) -> None:
    assert is_valid(load_schema(f"{kind}.schema.json"), _load(path))


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"type": "integer"}, 3.0, True),  # 3.0 is an integer to JSON Schema
        ({"type": "integer"}, True, False),
        ({"enum": [1]}, True, False),  # True is not 1
        ({"const": 1}, 1.0, True),
        ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "ab", False),  # both match
        ({"not": {"required": ["kind"]}}, {"kind": "x"}, False),
        ({"uniqueItems": True}, [1, True], True),
        ({"uniqueItems": True}, ["a", "a"], False),
        ({"uniqueItems": True}, [1, 1.0], False),  # 1 is 1.0
        ({"uniqueItems": True}, [*range(5000), 4999], False),
        ({"uniqueItems": True}, [f"b{i:05d}" for i in range(5000)], True),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": 1}, False),
        ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}, False),
        ({"unknownKeyword": 1}, {}, False),  # not known: left to jsonschema
        ({"$ref": "https://example.com/other"}, {}, False),
    ],
)
def test_keywords_follow_json_schema(schema: Any, instance: Any, expected: bool) -> None:
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    assert is_valid(full, instance) is expected
    if expected:
        import jsonschema

        assert jsonschema.Draft202012Validator(full).is_valid(instance)
