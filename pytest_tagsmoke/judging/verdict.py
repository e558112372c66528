"""A verdict: the findings about one scenario and what the record showed.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_tagsmoke.policy.reasons import FailureReason

YesNo = Literal["yes", "no", "not-checked"]


@dataclass(frozen=True)
class Finding:
    """One thing that is wrong, with the failure reason it maps to."""

    reason: FailureReason
    detail: str


@dataclass(frozen=True)
class Verdict:
    #: By precedence of their reasons: the first is the one a smoke record names.
    findings: tuple[Finding, ...]
    bucket: str | None
    detected_reason: FailureReason | None
    tag_found_in_log: YesNo
    bucket_incremented: YesNo
    tags_in_log: Mapping[str, str | None] = field(default_factory=dict)
    drift: Mapping[str, str] = field(default_factory=dict)
    #: The record's request class, where the profile maps ``request_class``.
    request_class_in_log: str | None = None
    #: Whether the record reports token usage, where the profile maps token fields.
    token_usage_reported: YesNo = "not-checked"

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def failure_reason(self) -> FailureReason | None:
        return self.findings[0].reason if self.findings else None
