"""Bounded JSON: a log store's answer is read up to a size and a nesting depth, never whole.

A hostile or broken store (a 50 MB answer, an answer nested 100,000 deep) is a clear setup
error, not a memory blow-up or a RecursionError.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64


class AnswerTooLarge(ValueError):
    """The answer is bigger or deeper than the profile allows."""


def too_large(limit: int) -> str:
    return (
        f"the log store's answer is larger than {limit} bytes (log_store.max_answer_bytes); "
        "ask for fewer records per query, or raise the limit"
    )


def too_deep(limit: int) -> str:
    return (
        f"the log store's answer is nested deeper than {limit} levels "
        "(log_store.max_answer_depth); check log_store.record_url, or raise the limit"
    )


def depth_exceeds(document: Any, limit: int) -> bool:
    """Whether ``document`` nests lists and objects more than ``limit`` deep (iterative)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(data: bytes | str, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``json.loads`` with a nesting bound: :class:`AnswerTooLarge` past ``max_depth``;
    ``ValueError`` for text that is not JSON."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise AnswerTooLarge(too_deep(max_depth)) from None
    if depth_exceeds(document, max_depth):
        raise AnswerTooLarge(too_deep(max_depth))
    return document
