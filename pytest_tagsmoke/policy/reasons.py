"""The failure reasons a smoke record or an audit names, and which one comes first.

The values are the words written in records and summaries (the seeds' reasons, then the
harness's own where those do not fit). Pure, no I/O.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from enum import Enum


class FailureReason(str, Enum):
    """One failure reason; equal to (and written as) its value, e.g. ``"missing_owner"``.

    The members are listed by precedence: when several problems are found, a record names
    the first of them, the most fundamental one (an answer before a trace, a trace before
    its tags, a missing tag before a wrong value).
    """

    GATEWAY_ERROR = "gateway_error"
    MISSING_TRACE = "missing_trace"
    MISSING_ENVIRONMENT = "missing_environment"
    INVALID_ENVIRONMENT = "invalid_environment"
    MISSING_OWNER = "missing_owner"
    SHARED_COST_RULE_NEEDED = "shared_cost_rule_needed"
    UNTAGGED_NOT_ISOLATED = "untagged_not_isolated"
    TAG_MISMATCH = "tag_mismatch"
    #: The pricing guard's finding in an output file (not a scenario's verdict).
    PRICING_CLAIM = "pricing_claim"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def rank(self) -> int:
        """Its place in the precedence: 0 comes first."""
        return _RANKS[self]


_RANKS = {reason: place for place, reason in enumerate(FailureReason)}
