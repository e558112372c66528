"""The reference gateway's settings: its tagging policy and its switchable faults.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

APPROVED_ENVIRONMENTS = frozenset(
    {"production", "staging", "development", "evaluation", "internal-tooling"}
)
REQUIRED_DIMENSIONS = ("owner", "environment", "use_case")
HEADER_PREFIX = "x-tag-"
CORRELATION_HEADER = "x-correlation-id"
#: The caller's request class (e.g. ``chat-smoke``), logged as the record's ``request_class``.
REQUEST_CLASS_HEADER = "x-request-class"


@dataclass
class Faults:
    """Switchable faults, one per failure mode of the seeds; change them while the gateway
    runs, they apply to the next request. docs/faults.md lists each with its verdict."""

    #: The dimension whose ``x-tag-*`` header the gateway ignores (a deploy stopped
    #: forwarding it).
    drop_header: str | None = None
    #: Body ``metadata`` is not copied into the record (middleware stopped copying it).
    drop_metadata: bool = False
    #: The dimension the record loses however it was sent (e.g. the owner goes missing).
    drop_dimension: str | None = None
    #: Drifted environments (``prd``) pass through as if approved, not quarantined.
    pass_drift: bool = False
    #: Untagged traffic is merged into this team's attributed total (no default fallback).
    merge_untagged_into: str | None = None
    #: Every record says this environment whatever was sent (tag pollution).
    hardcode_environment: str | None = None
    #: This environment's traffic is routed to the shared bucket, with no rule.
    shared_environment: str | None = None
    #: The record is never written (lost trace).
    lose_records: bool = False
    #: Every record is written twice.
    duplicate_records: bool = False
    #: How the log API answers record and count reads: ``"500"``, ``"garbage"`` (not JSON)
    #: or ``"empty"`` (``[]`` forever).
    store_answer: str | None = None
    #: The gateway answers this status (e.g. 503, 429) to the next ``gateway_failures``
    #: chat requests, with ``Retry-After: retry_after`` when set.
    gateway_status: int | None = None
    gateway_failures: int = 0
    retry_after: float | None = None
    #: Those failed answers are logged too, tags and all, one record per attempt (LiteLLM
    #: logs a failure record for a 429 it answers).
    log_failures: bool = False
    #: Keys the gateway retired are still accepted and their traffic attributed to the
    #: key's old owner ("key rotation orphans usage": it lands in a team's total).
    attribute_retired_keys: bool = False
    #: Records carry no token usage (a logging change dropped the usage columns).
    drop_usage: bool = False
    #: Seconds the gateway waits before answering a chat request.
    slow: float = 0.0
    #: Random ingestion lag, uniform in [0, ingest_jitter] seconds, on top of ingest_delay.
    ingest_jitter: float = 0.0


@dataclass
class GatewayConfig:
    """How the gateway behaves. ``fail_closed``: refuse a request that lacks a required tag
    with HTTP 400 naming the missing tags (nothing is logged), instead of routing it to
    ``untagged``."""

    ingest_delay: float = 0.0
    fail_closed: bool = False
    faults: Faults = field(default_factory=Faults)
    environments: frozenset[str] = APPROVED_ENVIRONMENTS
    required: tuple[str, ...] = REQUIRED_DIMENSIONS
    shared_owners: frozenset[str] = frozenset({"platform-shared"})
    #: API key -> owner: a request without an owner tag is tagged with its key's owner
    #: (identity-derived attribution).
    key_owners: dict[str, str] = field(default_factory=dict)
    #: Keys taken out of service (rotated): refused with 401, or, with
    #: ``retired_keys_untagged``, served and logged untagged, never attributed.
    retired_keys: dict[str, str] = field(default_factory=dict)
    retired_keys_untagged: bool = False
    #: The gateway's own words for buckets, e.g. ``{untagged: unallocated}``.
    bucket_names: dict[str, str] = field(default_factory=dict)
    #: Requests served, by kind: ``chat``, ``log_reads`` (record and count reads).
    stats: Counter[str] = field(default_factory=Counter)
    #: The correlation id of every chat request received, in order.
    received: list[str] = field(default_factory=list)
