"""The text a person reads when a scenario fails or its setup breaks.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.policy.reasons import FailureReason

if TYPE_CHECKING:
    from pytest_tagsmoke.records.smoke_record import SmokeRecord


def failure_message(smoke: SmokeRecord, held: dict[str, str | None] | None) -> str:
    """Scenario, correlation id, what was sent, what the record held, reason, follow-up."""
    lines = [
        f"tagsmoke scenario {smoke.scenario!r} ({smoke.flow} path) failed: {smoke.failure_reason}",
        f"  correlation id: {smoke.correlation_id}",
        f"  sent to {smoke.endpoint} -> HTTP {smoke.http_status}"
        + (f" after {smoke.retry_count} retries" if smoke.retry_count else ""),
    ]
    sent = smoke.attribution_fields
    if sent:
        lines += [f"    {dim} = {spec['value']!r} ({spec['attach']})" for dim, spec in sent.items()]
    else:
        lines.append("    no tags")
    if held is None and smoke.tag_found_in_log == "not-checked":
        why = (
            f"the gateway answered HTTP {smoke.http_status}"
            if smoke.failure_reason == FailureReason.GATEWAY_ERROR
            else "the scenario expects none"
        )
        lines.append(f"  log record: not looked up ({why})")
    elif held is None:
        lines.append("  log record: none found")
    else:
        lines.append(f"  log record {smoke.source_record or '(no source record id)'}:")
        lines += [f"    {name} = {value!r}" for name, value in held.items()]
    lines.append("  problems:")
    lines += [f"    - {problem}" for problem in smoke.problems]
    lines.append(f"  follow-up owner: {smoke.follow_up_owner}")
    return "\n".join(lines)
