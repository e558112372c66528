"""Rules every user file obeys: no literal credentials, no pricing or performance claims.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem
from pytest_tagsmoke.files.yaml_loader import format_key_path, locate
from pytest_tagsmoke.safety.pricing_guard import is_price_key

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

PLACEHOLDER_CREDENTIAL = "<API_KEY_PLACEHOLDER>"

# Values that are credentials whatever key they stand under.
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])("
    r"sk-[A-Za-z0-9_-]{12,}"  # OpenAI, Anthropic (sk-ant-...), Langfuse secret keys
    r"|pk-lf-[A-Za-z0-9-]{8,}"  # Langfuse public keys
    r"|sk_(live|test)_[A-Za-z0-9]{12,}"
    r"|AKIA[0-9A-Z]{16}"  # AWS access key ids
    r"|gh[pousr]_[A-Za-z0-9]{20,}"  # GitHub tokens
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|Bearer\s+(?!\$\{)[A-Za-z0-9._~+/=-]{12,}"
    r")"
)
# Keys whose value is a credential: it must come from the environment.
_SECRET_KEY = re.compile(
    r"^(.*[-_])?(authorization|api[-_]?key|apikey|secret|password|passwd|token|credential"
    r"|private[-_]?key|access[-_]?key|secret[-_]?key)$",
    re.I,
)
_ENV_REF = re.compile(r"^\s*([A-Za-z]+\s+)?\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}\s*$")

# Keys that claim something about performance or quotas. Price and cost *values* are
# recognised by the pricing guard's rule; FinOps labels (cost_center, billing_unit,
# budget_owner, charge_code) are dimensions and field mappings like any other.
_PERFORMANCE_CLAIM = re.compile(
    r"currency|quota|rate[-_]?limit|throttl|latency|response[-_]?time|duration|uptime|availab",
    re.I,
)
CLAIM_WHY = (
    "expectations about price, cost, spend, invoice or currency amounts, quotas, rate limits, "
    "latency, uptime or model availability are not allowed: a smoke test of the tagging path "
    "proves that metadata flows, it proves nothing about price or performance"
)
SECRET_HINT = (
    "write ${YOUR_KEY_VAR} and export the key in the environment, or use the placeholder "
    + PLACEHOLDER_CREDENTIAL
)


def may_hold_secret(key_path: Sequence[str | int], value: Any) -> bool:
    """Whether ``value`` (at ``key_path``) is, or may be, a credential: it stands under a
    secret-looking key, or looks like a token itself. Such values are never shown."""
    if any(isinstance(k, str) and _SECRET_KEY.match(k) for k in key_path):
        return True
    return isinstance(value, str) and bool(_TOKEN.search(value))


def is_claim_key(key: str) -> bool:
    """Whether an expectation or field mapping named ``key`` is about price or performance."""
    return is_price_key(key) or bool(_PERFORMANCE_CLAIM.search(key))


def is_env_reference(value: str) -> bool:
    return bool(_ENV_REF.match(value)) or PLACEHOLDER_CREDENTIAL in value


def _walk(node: Any, key_path: list[str | int]) -> Iterator[tuple[list[str | int], Any]]:
    yield key_path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, [*key_path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, [*key_path, index])


def _at(document: Any, path: Path, key_path: list[str | int], message: str, hint: str) -> Problem:
    line, column = locate(document, key_path)
    return Problem(path, line, column, format_key_path(key_path), message, hint)


def secret_problems(document: Any, path: Path) -> list[Problem]:
    """A literal credential anywhere in the file; the message never shows the value."""
    problems: list[Problem] = []
    for key_path, value in _walk(document, []):
        if not isinstance(value, str) or not value or is_env_reference(value):
            continue
        key = key_path[-1] if key_path else ""
        if (isinstance(key, str) and _SECRET_KEY.match(key)) or _TOKEN.search(value):
            problems.append(
                _at(
                    document,
                    path,
                    key_path,
                    "a literal credential is not allowed in a file (its value is not shown)",
                    SECRET_HINT,
                )
            )
    return problems


def claim_problems(
    document: Any, path: Path, roots: Sequence[Sequence[str | int]]
) -> list[Problem]:
    """Keys under ``roots`` that make a claim about price, quotas or performance."""
    problems: list[Problem] = []
    for root in roots:
        node = document
        for step in root:
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                node = None
        if node is None:
            continue
        for key_path, _value in _walk(node, list(root)):
            key = key_path[-1] if len(key_path) > len(root) else None
            if isinstance(key, str) and is_claim_key(key):
                problems.append(
                    _at(
                        document,
                        path,
                        key_path,
                        CLAIM_WHY,
                        "remove it; verify prices against the provider's pricing page instead",
                    )
                )
    return problems


def without_duplicates(first: list[Problem], second: list[Problem]) -> list[Problem]:
    """``first`` plus the problems of ``second`` at key paths ``first`` does not name."""
    taken = {p.key_path for p in first}
    return first + [p for p in second if not any(p.key_path.startswith(t) for t in taken if t)]
