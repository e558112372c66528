"""The smoke record: the pass/fail record emitted for every scenario.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.policy import TagPolicy
    from pytest_tagsmoke.scenario import Scenario
    from pytest_tagsmoke.send import PreparedRequest
    from pytest_tagsmoke.verify import Verdict

#: The seed's pass/fail logging fields, always present, in this order.
SEED_FIELDS = (
    "audit_date",
    "service_owner",
    "environment_value",
    "request_class",
    "correlation_id",
    "source_record",
    "result",
    "failure_reason",
    "follow_up_owner",
)


def build_smoke_record(
    *,
    run_id: str,
    scenario: Scenario,
    policy: TagPolicy,
    endpoint: str,
    request: PreparedRequest,
    http_status: int | None,
    retry_count: int,
    lookup_id: str | None,
    record: LogRecord | None,
    verdict: Verdict | None,
    setup_problem: str | None = None,
    unverified: str | None = None,
) -> dict[str, Any]:
    """One smoke record. Only named fields are copied: nothing of the store's raw record.

    ``verdict`` is None when the run's setup failed (``setup_problem`` says how); such a
    record fails with ``gateway_error``. ``unverified``: the request was sent but the run
    stopped before it was judged (why); the record fails with no reason, nothing claimed.
    """
    owner = scenario.tags.get("owner")
    # The owner the record is charged to: the record's (a gateway may derive it from the
    # caller's key), else the one sent.
    charged = (record.get("owner") if record else None) or owner
    if verdict is not None:
        failure_reason = verdict.failure_reason
        problems = [f"{f.reason}: {f.detail}" for f in verdict.findings]
    elif unverified is not None:
        failure_reason = None
        problems = [f"not verified: {unverified}"]
    else:
        failure_reason = "gateway_error"
        problems = [f"gateway_error: {setup_problem}"]
    return {
        "audit_date": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "service_owner": owner,
        "environment_value": scenario.tags.get("environment"),
        "request_class": scenario.request_class,
        "correlation_id": request.correlation_id,
        "source_record": record.get("source_record") if record else None,
        "result": "pass" if failure_reason is None and unverified is None else "fail",
        "failure_reason": failure_reason,
        "follow_up_owner": policy.follow_up_owner(owner or charged),
        "mapped_owner": policy.mapped_owner(charged),
        "scenario": scenario.name,
        "scenario_id": scenario.id,
        "scenario_file": f"{scenario.file.name}:{scenario.line}",
        "path": scenario.path,
        "http_status": http_status,
        "attribution_fields": {
            dimension: {"value": value, "attach": request.attached[dimension]}
            for dimension, value in scenario.tags.items()
        },
        "tag_found_in_log": verdict.tag_found_in_log if verdict else "not-checked",
        "untagged_bucket_incremented": verdict.bucket_incremented if verdict else "not-checked",
        "counter_expected": scenario.expect.untagged_count == "increments",
        "tags_in_log": dict(verdict.tags_in_log) if verdict else {},
        "drift": dict(verdict.drift) if verdict else {},
        "request_class_in_log": verdict.request_class_in_log if verdict else None,
        "token_usage_reported": verdict.token_usage_reported if verdict else "not-checked",
        "bucket": verdict.bucket if verdict else None,
        "detected_reason": verdict.detected_reason if verdict else None,
        "problems": problems,
        "lookup_id": lookup_id,
        "retry_count": retry_count,
        "endpoint": endpoint,
        "run_id": run_id,
    }
