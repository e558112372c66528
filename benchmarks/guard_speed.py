"""How long the pricing guard and the redactor take over realistic and hostile outputs.

Prints the median of --runs timings, in CPU time of this process (``time.process_time``:
the figure holds on a busy machine too), for:

- a 1 MB artifact of smoke records (``records.jsonl`` shape), clean, as a run writes it;
- 5,000 smoke records (the largest suite of docs/performance.md), clean;
- one 20 kB tag value (the issue #11 case that took 27 s with the old per-line patterns);
- the same 1 MB artifact through the redactor (every secret form of a profile);
- a 5,000-scenario run folder as files (records.jsonl and a summary.md table with its
  dashes: not ASCII), through ``scan``, with the peak of memory it allocates.

Each text is also checked for what the guard must find, so a figure is never for a guard
that skipped its work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from pytest_tagsmoke.safety.pricing_guard import find_amounts, scan, scan_text
from pytest_tagsmoke.safety.redaction import Redactor, basic_credential


def smoke_record(index: int) -> str:
    """One smoke record line as records.jsonl holds it (~1 kB)."""
    record: dict[str, object] = {
        "audit_date": "2026-11-28",
        "service_owner": "team-search",
        "environment_value": "staging",
        "request_class": "chat-smoke",
        "correlation_id": f"tagsmoke-{index:032x}",
        "source_record": f"rec-{index}",
        "result": "pass",
        "failure_reason": None,
        "follow_up_owner": "search-platform-oncall",
        "scenario": f"tagged request {index} is attributed",
        "scenario_id": f"tagged-request-{index}-is-attributed",
        "scenario_file": "chat.yaml:7",
        "path": "happy",
        "http_status": 200,
        "attribution_fields": {
            d: {"value": v, "attach": f"header x-tag-{d}"}
            for d, v in (("owner", "team-search"), ("environment", "staging"), ("use_case", "s"))
        },
        "tag_found_in_log": True,
        "untagged_bucket_incremented": "not-checked",
        "tags_in_log": {"owner": "team-search", "environment": "staging", "use_case": "s"},
        "drift": {},
        "bucket": "attributed",
        "detected_reason": None,
        "problems": [],
        "lookup_id": f"tagsmoke-{index:032x}",
        "retry_count": 0,
        "endpoint": "https://gateway.example/?code=***&api-version=2024-02-01",
        "run_id": "20261128T083000Z-abc123",
        "billing_unit": "team-a",
        "cost_center": "cc-42",
    }
    return json.dumps(record)


def _median(runs: int, work: object) -> float:
    assert callable(work)
    timings = []
    for _ in range(runs):
        started = time.process_time()
        work()
        timings.append(time.process_time() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    line = smoke_record(0) + "\n"
    megabyte = "".join(smoke_record(i) + "\n" for i in range(1_000_000 // len(line) + 1))
    five_thousand = "".join(smoke_record(i) + "\n" for i in range(5000))
    hostile = "tag: " + "cost-" * 4000 + "\n"  # 20 kB, one line
    planted = megabyte + '{"response_cost": 0.0001}\n'

    assert find_amounts(megabyte) == []
    assert find_amounts(five_thousand) == []
    assert len(scan_text(Path("records.jsonl"), planted)) == 1
    assert len(scan_text(Path("records.jsonl"), five_thousand + '{"response_cost": 1}\n')) == 1
    secrets = ["sk-canary-5f2b9d71e0c84a36", "azfunccode123", "pk:sk-lf-1234"]
    redactor = Redactor([*secrets, basic_credential("pk", "sk-lf-1234")])
    assert redactor.scrub(megabyte + secrets[0]).endswith("***")

    figures = {
        f"guard, 1 MB artifact ({len(megabyte):,} chars)": _median(
            args.runs, lambda: scan_text(Path("records.jsonl"), megabyte)
        ),
        f"guard, 5,000 records ({len(five_thousand) / 1e6:.1f} MB)": _median(
            args.runs, lambda: scan_text(Path("records.jsonl"), five_thousand)
        ),
        "guard, one 20 kB tag value": _median(args.runs, lambda: find_amounts(hostile)),
        "redactor, 1 MB artifact": _median(args.runs, lambda: redactor.scrub(megabyte)),
    }
    with tempfile.TemporaryDirectory() as folder:
        files = [Path(folder) / "records.jsonl", Path(folder) / "summary.md"]
        files[0].write_text(five_thousand, encoding="utf-8")
        rows = "".join(f"| request {i} | happy | pass | \u2014 | oncall |\n" for i in range(5000))
        files[1].write_text("| scenario | path | result | reason | owner |\n" + rows)
        assert scan(files) == []
        figures["guard, a 5,000-scenario run folder, as files"] = _median(
            args.runs, lambda: scan(files)
        )
        tracemalloc.start()
        scan(files)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    for name, seconds in figures.items():
        print(f"{name:<45} {seconds * 1000:8.1f} ms CPU  (median of {args.runs})")
    print(f"{'guard, that folder: peak memory allocated':<45} {peak / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
