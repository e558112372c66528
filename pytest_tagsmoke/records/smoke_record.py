"""The smoke record: the pass/fail record emitted for every scenario, and its JSON form.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke.policy.reasons import FailureReason

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_tagsmoke.judging import Outcome, Verdict, YesNo
    from pytest_tagsmoke.policy.tag_policy import TagPolicy

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

#: Attributes whose JSON key differs: ``flow`` is written as the scenario file's ``path``.
_JSON_KEYS = {"flow": "path"}
_FIELD_NAMES = {key: name for name, key in _JSON_KEYS.items()}


@dataclass(frozen=True, slots=True)
class SmokeRecord:
    """One scenario's smoke record; the fields in the order records.jsonl writes them
    (schema/smoke-record.schema.json). The seed's fields come first (:data:`SEED_FIELDS`)."""

    audit_date: str
    service_owner: str | None
    environment_value: str | None
    request_class: str
    correlation_id: str
    source_record: str | None
    result: Literal["pass", "fail"]
    failure_reason: FailureReason | None
    follow_up_owner: str
    #: The owner ledger's team, cost center and budget owner of the charged owner.
    mapped_owner: Mapping[str, str] | None
    scenario: str
    scenario_id: str
    #: ``file.yaml:line``
    scenario_file: str
    #: ``happy`` or ``error`` (the scenario file's ``path:``); the JSON key is ``path``.
    flow: str
    http_status: int | None
    #: Dimension -> ``{"value": sent value, "attach": how it was attached}``.
    attribution_fields: Mapping[str, Mapping[str, str]]
    tag_found_in_log: YesNo
    untagged_bucket_incremented: YesNo
    counter_expected: bool
    tags_in_log: Mapping[str, str | None]
    drift: Mapping[str, str]
    request_class_in_log: str | None
    token_usage_reported: YesNo
    bucket: str | None
    detected_reason: FailureReason | None
    problems: tuple[str, ...]
    lookup_id: str | None
    retry_count: int
    endpoint: str
    run_id: str

    def to_json_dict(self) -> dict[str, Any]:
        """The record as plain JSON values, keys in field order (one records.jsonl line)."""
        plain = dict(zip(_KEYS, _VALUES(self), strict=True))
        plain.update(
            failure_reason=_plain(self.failure_reason),
            mapped_owner=None if self.mapped_owner is None else dict(self.mapped_owner),
            attribution_fields={d: dict(spec) for d, spec in self.attribution_fields.items()},
            tags_in_log=dict(self.tags_in_log),
            drift=dict(self.drift),
            detected_reason=_plain(self.detected_reason),
            problems=list(self.problems),
        )
        return plain

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> SmokeRecord:
        """A record back from :meth:`to_json_dict`'s form (e.g. carried on a pytest report)."""
        values = {_FIELD_NAMES.get(key, key): value for key, value in data.items()}
        for name in ("failure_reason", "detected_reason"):
            if values[name] is not None:
                values[name] = FailureReason(values[name])
        values["problems"] = tuple(values["problems"])
        return cls(**values)

    def with_run_id(self, run_id: str) -> SmokeRecord:
        return self if run_id == self.run_id else dataclasses.replace(self, run_id=run_id)

    def seed_values(self) -> list[tuple[str, str]]:
        """The seed's fields (:data:`SEED_FIELDS`) as JUnit properties: plain text, an
        empty one for a field without a value."""
        return [(name, _seed_text(getattr(self, name))) for name in SEED_FIELDS]


_NAMES = tuple(f.name for f in dataclasses.fields(SmokeRecord))
#: The JSON keys of the fields, in field order, and the fields' values in one call.
_KEYS = tuple(_JSON_KEYS.get(name, name) for name in _NAMES)
_VALUES = operator.attrgetter(*_NAMES)


def _seed_text(value: str | FailureReason | None) -> str:
    return "" if value is None else value.value if isinstance(value, FailureReason) else value


def _plain(reason: FailureReason | None) -> str | None:
    return None if reason is None else reason.value


def build_smoke_record(
    *,
    run_id: str,
    outcome: Outcome,
    policy: TagPolicy,
    endpoint: str,
    verdict: Verdict | None,
    unverified: str | None = None,
) -> SmokeRecord:
    """One smoke record. Only named fields are copied: nothing of the store's raw record.

    ``verdict`` is None when the run's setup failed or the scenario errored (the outcome's
    ``error`` or ``setup_problem`` says how); such a record fails with ``gateway_error``.
    ``unverified``: the request was sent but the run stopped before it was judged (why);
    the record fails with no reason, nothing claimed.
    """
    scenario, record, request = outcome.scenario, outcome.record, outcome.request
    owner = scenario.tags.get("owner")
    # The owner the record is charged to: the record's (a gateway may derive it from the
    # caller's key), else the one sent.
    charged = (record.get("owner") if record else None) or owner
    failure_reason: FailureReason | None
    if verdict is not None:
        failure_reason = verdict.failure_reason
        problems = tuple(f"{f.reason}: {f.detail}" for f in verdict.findings)
    elif unverified is not None:
        failure_reason = None
        problems = (f"not verified: {unverified}",)
    else:
        failure_reason = FailureReason.GATEWAY_ERROR
        problems = (f"gateway_error: {outcome.error or outcome.setup_problem}",)
    return SmokeRecord(
        audit_date=dt.datetime.now(dt.timezone.utc).date().isoformat(),
        service_owner=owner,
        environment_value=scenario.tags.get("environment"),
        request_class=scenario.request_class,
        correlation_id=request.correlation_id,
        source_record=record.get("source_record") if record else None,
        result="pass" if failure_reason is None and unverified is None else "fail",
        failure_reason=failure_reason,
        follow_up_owner=policy.follow_up_owner(owner or charged),
        mapped_owner=policy.mapped_owner(charged),
        scenario=scenario.name,
        scenario_id=scenario.id,
        scenario_file=f"{scenario.file.name}:{scenario.line}",
        flow=scenario.flow,
        http_status=outcome.status,
        attribution_fields={
            dimension: {"value": value, "attach": request.attached[dimension]}
            for dimension, value in scenario.tags.items()
        },
        tag_found_in_log=verdict.tag_found_in_log if verdict else "not-checked",
        untagged_bucket_incremented=verdict.bucket_incremented if verdict else "not-checked",
        counter_expected=scenario.expect.untagged_count == "increments",
        tags_in_log=dict(verdict.tags_in_log) if verdict else {},
        drift=dict(verdict.drift) if verdict else {},
        request_class_in_log=verdict.request_class_in_log if verdict else None,
        token_usage_reported=verdict.token_usage_reported if verdict else "not-checked",
        bucket=verdict.bucket if verdict else None,
        detected_reason=verdict.detected_reason if verdict else None,
        problems=problems,
        lookup_id=outcome.lookup_id,
        retry_count=outcome.retry_count,
        endpoint=endpoint,
        run_id=run_id,
    )
