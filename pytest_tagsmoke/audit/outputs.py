"""The audit's files in the run folder: audit_summary.json, audit_sample.jsonl,
coverage_by_dimension.csv, drift.csv, and a section of summary.md (and of the CI job
summary). Usage is reported in tokens; no cost, price or currency figure is written.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.audit.run import Check
from pytest_tagsmoke.records.summary import COUNT_NAMES
from pytest_tagsmoke.safety.pricing_guard import PricingClaim, scan_text, withhold_amounts
from pytest_tagsmoke.safety.redaction import Redactor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_tagsmoke.audit.run import AuditResult

AUDIT_SUMMARY = "audit_summary.json"
AUDIT_SAMPLE = "audit_sample.jsonl"
COVERAGE_CSV = "coverage_by_dimension.csv"
DRIFT_CSV = "drift.csv"
SUMMARY_MD = "summary.md"
COVERAGE_COLUMNS = (
    "dimension",
    "valid",
    "records",
    "percent",
    "threshold",
    "below_threshold",
    "valid_tokens",
    "tokens",
    "percent_of_tokens",
)
DRIFT_COLUMNS = ("dimension", "value", "approved_value", "records", "tokens")


def _csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return buffer.getvalue()


def render(result: AuditResult) -> dict[str, str]:
    """Each audit file's text (summary.md: the audit's section), every secret scrubbed."""
    summary = result.summary
    threshold = summary["coverage_threshold"]
    coverage_rows = [
        {"dimension": d, "threshold": threshold, **figures}
        for d, figures in summary["coverage"].items()
    ]
    texts = {
        AUDIT_SUMMARY: json.dumps(summary, indent=2) + "\n",
        AUDIT_SAMPLE: "".join(json.dumps(r) + "\n" for r in result.sample),
        COVERAGE_CSV: _csv(COVERAGE_COLUMNS, coverage_rows),
        DRIFT_CSV: _csv(DRIFT_COLUMNS, summary["drift"]),
        SUMMARY_MD: markdown(summary),
    }
    redactor = Redactor(result.secrets)
    return {name: redactor.scrub(text) for name, text in texts.items()}


def pricing_claims(result: AuditResult) -> list[PricingClaim]:
    """Every amount the pricing guard finds in the audit files (file:line, never the amount)."""
    return [claim for name, text in render(result).items() for claim in scan_text(Path(name), text)]


def guard_pricing(result: AuditResult) -> None:
    """The pricing guard over the audit files: an amount in them adds a failing check."""
    claims = pricing_claims(result)
    if not claims:
        return
    check = Check(
        "pricing_guard",
        "",
        False,
        "the audit files would carry price, cost or currency amounts (withheld): "
        + "; ".join(str(c) for c in claims)
        + ". Map no price or cost column to an audit dimension or field",
    )
    result.checks.append(check)
    result.summary["result"] = "fail"
    result.summary["checks"].append(
        {
            "name": check.name,
            "kind": check.kind,
            "subject": check.subject,
            "passed": False,
            "message": check.message,
        }
    )


def write_outputs(result: AuditResult, folder: Path) -> list[Path]:
    """Write every audit file into ``folder`` (made if absent); the paths written. An amount
    the pricing guard finds is withheld (the audit's pricing check has failed on it)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {name: withhold_amounts(text) for name, text in render(result).items()}
    section = texts.pop(SUMMARY_MD)
    written = []
    for name, text in texts.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    md = folder / SUMMARY_MD
    with md.open("a", encoding="utf-8") as stream:
        stream.write(("\n" if md.stat().st_size else "") + section)
    written.append(md)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as stream:
            stream.write(section + "\n")
    return written


def _cell(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(summary: dict[str, Any]) -> str:
    """The audit's section of summary.md and of the CI job summary."""
    window = summary["window"]
    source = summary["source"]
    lines = [
        f"### tagsmoke audit: {summary['result']} — {summary['records_in_window']} records "
        f"from {window['since']} to {window['until']}",
        "",
    ]
    if source["partial"]:
        lines += [f"**Partial census**: {source['partial_reason']}", ""]
    if source["malformed"]:
        lines += [f"Malformed records skipped: {source['malformed']}", ""]
    counts = summary["counts"]
    lines.append(
        "Records: "
        + " · ".join(f"{n.replace('_', ' ')} {counts[n]}" for n in (*COUNT_NAMES, "other"))
    )
    lines += [
        "",
        "| dimension | valid | % of records | % of tokens | below threshold |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for dimension, figures in summary["coverage"].items():
        flag = f"⚠ below {summary['coverage_threshold']:g} %" if figures["below_threshold"] else ""
        lines.append(
            f"| {dimension} | {figures['valid']} | {_cell(figures['percent'])} | "
            f"{_cell(figures['percent_of_tokens'])} | {flag} |"
        )
    if summary["drift"]:
        lines += [
            "",
            "Drift: "
            + " · ".join(
                f"{d['dimension']} {d['value']} → {d['approved_value']}: {d['records']}"
                for d in summary["drift"]
            ),
        ]
    sample = summary["sample"]
    lines += [
        "",
        f"Sample (seed {sample['seed']}): {sample['pass']} pass, {sample['fail']} fail",
        "",
        "| service | records | sampled | failed | conclusions | follow-up owner |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, figures in summary["services"].items():
        paused = "paused" if figures["conclusions_paused"] else "ok"
        lines.append(
            f"| {_cell(name)} | {figures['records']} | {figures['sampled']} | "
            f"{figures['sample_failures']} | {paused} | {_cell(figures['follow_up_owner'])} |"
        )
    if summary["top_untagged_sources"]:
        lines += [
            "",
            "Top untagged sources: "
            + " · ".join(
                f"{s['service']} / {s['request_class']}: {s['records']}"
                for s in summary["top_untagged_sources"]
            ),
        ]
    return "\n".join(lines) + "\n"
