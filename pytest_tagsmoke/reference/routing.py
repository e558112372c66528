"""The reference gateway's tagging: where a request's tags come from and the bucket it goes to.

A fixed, simple policy (missing required tag -> ``untagged``; unapproved environment ->
``quarantine``; shared-cost owner -> ``shared``), written independently of the harness's
own classification so that one cannot hide a bug in the other.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.reference.settings import HEADER_PREFIX

if TYPE_CHECKING:
    from starlette.requests import Request

    from pytest_tagsmoke.reference.settings import Faults, GatewayConfig

_DRIFT = frozenset({"prod", "prd", "live"})


def read_tags(request: Request, body: Any, faults: Faults) -> tuple[dict[str, str], dict[str, str]]:
    """The request's tags (body ``metadata``, then ``x-tag-*`` headers, which win) and where
    each came from (``metadata`` or ``header``)."""
    tags: dict[str, str] = {}
    sources: dict[str, str] = {}
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if isinstance(metadata, dict) and not faults.drop_metadata:
        for key, value in metadata.items():
            if isinstance(value, str) and value:
                tags[key] = value
                sources[key] = "metadata"
    for name, value in request.headers.items():
        if name.startswith(HEADER_PREFIX) and value:
            dimension = name[len(HEADER_PREFIX) :].replace("-", "_")
            if dimension == faults.drop_header:
                continue
            tags[dimension] = value
            sources[dimension] = "header"
    return tags, sources


def api_key(request: Request) -> str:
    """The caller's key: the Authorization header without its scheme."""
    value = request.headers.get("authorization", "")
    scheme, _, key = value.partition(" ")
    return key.strip() if key and scheme.lower() == "bearer" else value.strip()


def route(tags: dict[str, str], config: GatewayConfig) -> tuple[str, str | None, str | None]:
    """The bucket for ``tags``, its reason and the follow-up, faults applied (the fault
    ``merge_untagged_into`` sets the owner in ``tags``)."""
    faults = config.faults
    missing = [d for d in config.required if not tags.get(d)]
    if missing and faults.merge_untagged_into:
        tags.setdefault("owner", faults.merge_untagged_into)
        return "attributed", None, None
    if not missing and faults.shared_environment == tags["environment"]:
        return "shared", "shared_cost_rule_needed", "shared environment: no allocation rule"
    if not missing and faults.pass_drift and tags["environment"] in _DRIFT:
        return "attributed", None, None
    if missing:
        reason = (
            "missing_environment"
            if "environment" in missing
            else ("missing_owner" if "owner" in missing else "missing_tag")
        )
        return "untagged", reason, f"missing tag(s): {', '.join(missing)}"
    if tags["environment"] not in config.environments:
        return (
            "quarantine",
            "invalid_environment",
            f"environment {tags['environment']!r} is not approved",
        )
    if tags["owner"] in config.shared_owners:
        return "shared", "shared_cost_rule_needed", f"owner {tags['owner']!r} is shared cost"
    return "attributed", None, None
