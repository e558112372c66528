"""What a run's smoke records add up to: the seed's four counts, totals, tag coverage.

Pure functions over smoke records; :mod:`pytest_tagsmoke.reports.artifacts` writes the results.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_tagsmoke.policy.reasons import FailureReason
    from pytest_tagsmoke.policy.tag_policy import TagPolicy
    from pytest_tagsmoke.records.smoke_record import SmokeRecord

COVERAGE_THRESHOLD = 95.0
#: The seed audit's four counts, by the classification of each log record found.
COUNT_NAMES = ("clean", "missing_environment", "invalid_environment", "shared_cost_rule_needed")


def run_result(records: Sequence[SmokeRecord], run: Mapping[str, Any]) -> str:
    """The run's real result: ``interrupted``, ``fail`` (a scenario failed, errored, was
    refused or was sent and never verified, or pytest did not exit 0), else ``pass``."""
    if run.get("interrupted"):
        return "interrupted"
    trouble = any(run.get(k) for k in ("failed", "errored", "refused", "not_verified"))
    if trouble or any(r.result == "fail" for r in records):
        return "fail"
    return "pass" if run.get("exit_status", 0) in (0, 5) else "fail"


def summarize(
    records: Sequence[SmokeRecord],
    policy: TagPolicy,
    run: Mapping[str, Any] | None = None,
    log_store: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """summary.json's content (everything but the run's own identification).

    ``run``: what pytest saw (failed, errored, refused, interrupted and not-verified
    scenarios, its exit status): the result is never ``pass`` when the run was not.
    """
    counts = dict.fromkeys((*COUNT_NAMES, "other"), 0)
    for record in records:
        if record.source_record is None:
            continue  # no log record: nothing to classify
        reason = record.detected_reason
        counts["clean" if reason is None else reason if reason in counts else "other"] += 1
    failed = [r for r in records if r.result == "fail"]
    run = dict(run or {})
    checks = Counter(r.untagged_bucket_incremented for r in records if r.counter_expected)
    return {
        "result": run_result(records, run),
        "totals": {
            "scenarios": len(records),
            "pass": len(records) - len(failed),
            "fail": len(failed),
        },
        "counts": counts,
        "failure_reasons": dict(Counter(_plain(r.failure_reason) for r in failed)),
        "coverage": coverage(records, policy),
        "counter_checks": {k: checks.get(k, 0) for k in ("yes", "no", "not-checked")},
        "run": run,
        "log_store": dict(log_store or {"skipped_lines": 0}),
    }


def coverage(records: Sequence[SmokeRecord], policy: TagPolicy) -> dict[str, Any]:
    """Per dimension, the share of happy-path log records that carry it.

    Error-path records lack tags on purpose, so they are left out.
    """
    happy = [r for r in records if r.flow == "happy" and r.source_record is not None]
    result: dict[str, Any] = {}
    for dimension in policy.all_dimensions:
        tagged = sum(1 for r in happy if r.tags_in_log.get(dimension))
        percent = round(100.0 * tagged / len(happy), 1) if happy else None
        result[dimension] = {
            "tagged": tagged,
            "records": len(happy),
            "percent": percent,
            "below_threshold": percent is not None and percent < COVERAGE_THRESHOLD,
        }
    return result


def smoke_test_log(
    records: Sequence[SmokeRecord], run_date: str, endpoint: str, summary: dict[str, Any]
) -> dict[str, Any]:
    """The seed's ``smoke_test_log`` template, filled from the first happy-path scenario and
    the first error-path scenario of the run."""
    tagged = next((r for r in records if r.flow == "happy"), None)
    untagged = next((r for r in records if r.flow == "error"), None)

    def attach(record: SmokeRecord | None) -> str:
        if record is None:
            return "not-checked"
        fields = record.attribution_fields
        return ", ".join(f"{d}: {f['attach']}" for d, f in fields.items()) or "none"

    def status(record: SmokeRecord | None) -> str:
        if record is None or record.http_status is None:
            return "not-checked"
        return str(record.http_status)

    totals = summary["totals"]
    failed = [f"{r.scenario}: {r.failure_reason}" for r in records if r.result == "fail"]
    notes = f"{totals['scenarios']} scenarios, {totals['pass']} pass, {totals['fail']} fail"
    if failed:
        notes += "; failed: " + "; ".join(failed)
    sent = tagged.attribution_fields if tagged else {}
    return {
        "smoke_test_log": {
            "run_date": run_date,
            "environment": (tagged.environment_value if tagged else None) or "not-checked",
            "api_endpoint": endpoint,
            "tagged_request": {
                "scenario": tagged.scenario if tagged else "not-checked",
                "attribution_field": attach(tagged),
                "owner_value": sent.get("owner", {}).get("value", ""),
                "env_value": sent.get("environment", {}).get("value", ""),
                "use_case_value": sent.get("use_case", {}).get("value", ""),
                "http_status": status(tagged),
                "tag_found_in_log": tagged.tag_found_in_log if tagged else "not-checked",
            },
            "untagged_request": {
                "scenario": untagged.scenario if untagged else "not-checked",
                "attribution_field": attach(untagged),
                "http_status": status(untagged),
                "untagged_bucket_incremented": (
                    untagged.untagged_bucket_incremented if untagged else "not-checked"
                ),
            },
            "pass": "yes" if summary["result"] == "pass" else "no",
            "notes": notes,
        }
    }


def _plain(reason: FailureReason | None) -> str | None:
    return None if reason is None else reason.value


def _run_note(run: Mapping[str, Any]) -> str:
    names = ("failed", "errored", "refused", "interrupted", "not_verified")
    parts = [f"{run[n]} {n.replace('_', ' ')}" for n in names if run.get(n)]
    return f" ({', '.join(parts)})" if parts else ""


def _cell(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(records: Sequence[SmokeRecord], summary: dict[str, Any], run_id: str) -> str:
    """A short Markdown summary for a CI job summary."""
    totals = summary["totals"]
    lines = [
        f"### tagsmoke: {totals['scenarios']} scenarios, {totals['pass']} pass, "
        f"{totals['fail']} fail (run {run_id})",
        "",
        f"**result: {summary['result']}**" + _run_note(summary.get("run", {})),
        "",
        "| scenario | path | result | failure reason | follow-up owner |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in records:
        lines.append(
            f"| {_cell(r.scenario)} | {r.flow} | {r.result} | "
            f"{_cell(r.failure_reason)} | {_cell(r.follow_up_owner)} |"
        )
    counts = summary["counts"]
    lines += [
        "",
        "Log records: "
        + " · ".join(f"{name.replace('_', ' ')} {counts[name]}" for name in COUNT_NAMES),
    ]
    shares = []
    for dimension, figures in summary["coverage"].items():
        if figures["percent"] is None:
            continue
        flag = " ⚠ below 95 %" if figures["below_threshold"] else ""
        shares.append(f"{dimension} {figures['percent']:g} %{flag}")
    if shares:
        lines.append("Tag coverage (happy path): " + " · ".join(shares))
    unchecked = summary.get("counter_checks", {}).get("not-checked", 0)
    if unchecked:
        lines.append(f"Bucket counters not checked for {unchecked} scenarios.")
    return "\n".join(lines) + "\n"
