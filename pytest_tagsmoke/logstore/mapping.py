"""Field mapping: turn a log store's record into the flat fields the harness judges.

Each mapped field is a JMESPath expression, optionally followed by a decoding step for the
shapes gateways really log: JSON inside a string (Cloudflare's ``metadata``), ``key:value``
tag lists (LiteLLM's ``request_tags``), header maps whose key case varies (Helicone's
``request_properties``, Kong's ``request.headers``).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import jmespath
import jmespath.parser

from pytest_tagsmoke.policy.tag_policy import normalized

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


Decode = Literal["json", "tags", "headers"]


@dataclass(frozen=True)
class FieldSpec:
    """``path`` into the record; then ``decode`` the value found and look up ``then`` in it
    (a JMESPath after ``json``, one key after ``tags`` or ``headers``); with ``normalize``,
    map a known drift alias to its approved value."""

    path: str
    decode: Decode | None = None
    then: str | None = None
    normalize: bool = False

    @classmethod
    def parse(cls, value: str | Mapping[str, Any]) -> FieldSpec:
        if isinstance(value, str):
            return cls(value)
        return cls(
            path=value["path"],
            decode=value.get("decode"),
            then=value.get("then"),
            normalize=bool(value.get("normalize", False)),
        )


def scalar(value: Any) -> str | None:
    """A record value as the text the harness compares; empty means absent."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decode(value: Any, how: Decode) -> Any:
    if how == "json":
        if isinstance(value, (str, bytes)):
            try:
                return json.loads(value)
            except (ValueError, RecursionError):
                return None
        return value
    if how == "tags":
        if isinstance(value, str) and value.lstrip().startswith("["):
            value = _decode(value, "json")  # a list stored as a JSON string
        items = value.split(",") if isinstance(value, str) else value
        result: dict[str, str] = {}
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str) and ":" in item:
                key, _, tag_value = item.partition(":")
                result.setdefault(key.strip(), tag_value.strip())
        return result
    # headers: a mapping whose keys are compared without regard to case
    if isinstance(value, dict):
        return {str(k).lower(): v for k, v in value.items()}
    return None


class FieldMapper:
    """Applies a profile's field mapping to records. A field marked ``normalize`` is passed
    to the policy's normalization: ``normalize`` (dimension, value) -> approved value, or
    the policy's aliases (normalized by :func:`pytest_tagsmoke.policy.tag_policy.normalized`)."""

    def __init__(
        self,
        fields: Mapping[str, FieldSpec],
        normalize: Callable[[str, str], str] | Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        if normalize is None or not callable(normalize):
            normalize = functools.partial(normalized, normalize or {})
        self._normalize: Callable[[str, str], str] = normalize
        self._fields: list[
            tuple[str, FieldSpec, jmespath.parser.ParsedResult, jmespath.parser.ParsedResult | None]
        ] = []
        for name, spec in fields.items():
            then = spec.then
            if then is not None and spec.decode in ("tags", "headers"):
                # After a tag list or a header map, ``then`` is one key, not an expression.
                then = json.dumps(then.lower() if spec.decode == "headers" else then)
            self._fields.append(
                (
                    name,
                    spec,
                    jmespath.compile(spec.path),
                    jmespath.compile(then) if then is not None else None,
                )
            )

    @property
    def names(self) -> list[str]:
        return [name for name, *_ in self._fields]

    def map(self, document: Mapping[str, Any]) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for name, spec, path, then in self._fields:
            value = path.search(document)
            if spec.decode is not None and value is not None:
                value = _decode(value, spec.decode)
            if then is not None:
                value = then.search(value) if isinstance(value, (dict, list)) else None
            text = scalar(value)
            if spec.normalize and text is not None:
                text = self._normalize(name, text)
            values[name] = text
        return values
