"""Soak: many runs against the reference gateway with random ingestion lag and jitter, then
the fault matrix (``tests/test_faults.py`` ``MATRIX``). Prints false reds (a scenario that
fails on a healthy gateway) and false greens (a scenario that passes while a fault is on);
both must be 0. A script, not a test: it times nothing and asserts nothing.

    python benchmarks/soak.py                    # 100 runs of 20 scenarios, matrix x 2
    python benchmarks/soak.py --runs 10 --seed 7

Runs are in-process (``pytest.main``), one temporary project each, so the whole soak takes
a few minutes on a small machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_tagsmoke.reference import ReferenceGateway

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.test_faults import MATRIX  # noqa: E402  (the repository's own fault table)

#: Extra cases from issue #10 that must pass on the reference gateway (a false red if not).
HEALTHY_FAULTS: dict[str, dict[str, Any]] = {
    "503 once, the gateway logs each attempt": {
        "gateway_status": 503,
        "gateway_failures": 1,
        "log_failures": True,
    },
    "429 once with Retry-After": {"gateway_status": 429, "gateway_failures": 1, "retry_after": 0.1},
}
ARGS = ("-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:randomly")

SCENARIOS = """\
scenarios:
  - name: 'tagged by header {n}'
    path: happy
    tags: {owner: team-search, environment: staging, use_case: 'case-{n}'}
    expand: {n: [%(happy)s]}
  - name: 'tagged by metadata {n}'
    path: happy
    attach: metadata
    tags: {owner: team-support, environment: development, use_case: 'case-{n}'}
    expand: {n: [%(metadata)s]}
  - name: 'missing environment {n}'
    path: error
    tags: {owner: team-search, use_case: 'case-{n}'}
    expect: {bucket: untagged, reason: missing_environment}
    expand: {n: [%(missing)s]}
  - name: 'drifted environment {n}'
    path: error
    tags: {owner: team-search, environment: prd, use_case: 'case-{n}'}
    expect: {bucket: quarantine, reason: invalid_environment}
    expand: {n: [%(drift)s]}
"""


def _project(root: Path, soak: bool) -> None:
    shutil.copy(REPO / "tagsmoke.yaml", root / "tagsmoke.yaml")
    (root / "scenarios").mkdir()
    if soak:  # 20 scenarios: 8 + 4 happy, 4 + 4 error path

        def names(prefix: str, count: int) -> str:
            return ", ".join(f"{prefix}{i}" for i in range(count))

        text = SCENARIOS % {
            "happy": names("h", 8),
            "metadata": names("m", 4),
            "missing": names("u", 4),
            "drift": names("q", 4),
        }
        (root / "scenarios" / "soak.yaml").write_text(text)
    else:
        shutil.copy(REPO / "scenarios" / "chat.yaml", root / "scenarios" / "chat.yaml")


def _run(root: Path, url: str, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    here = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main(
                ["--tagsmoke", f"--tagsmoke-endpoint={url}", f"--rootdir={root}", *ARGS, *extra],
                plugins=[],
            )
    finally:
        os.chdir(here)
    files = sorted((root / "tagsmoke-artifacts").glob("*/records.jsonl"))
    records = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    return int(code), records


def soak(runs: int, rng: random.Random) -> tuple[int, int, float]:
    """False reds over ``runs`` healthy runs of 20 scenarios with random lag and jitter."""
    false_reds = scenarios = 0
    started = time.perf_counter()
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            _project(root, soak=True)
            lag = rng.uniform(0.0, 0.3)
            with ReferenceGateway(root / "log.sqlite", ingest_delay=lag) as gateway:
                gateway.faults.ingest_jitter = rng.uniform(0.0, 0.6)
                code, records = _run(root, gateway.url)
            passed = sum(1 for r in records if r["result"] == "pass")
            scenarios += 20
            false_reds += 20 - passed
            if code != 0 and passed == 20:
                false_reds += 1  # the run failed though every scenario passed
    return false_reds, scenarios, time.perf_counter() - started


def matrix(repeat: int, rng: random.Random) -> tuple[int, int, int, int]:
    """(false greens, misnamed verdicts, false reds, cases) over the fault matrix."""
    false_greens = misnamed = false_reds = cases = 0
    plan: list[tuple[str, dict[str, Any], str, str | None]] = [
        (name, fault.faults, fault.scenario, fault.reason) for name, fault in MATRIX.items()
    ]
    plan += [(name, faults, "tagged-by-header", None) for name, faults in HEALTHY_FAULTS.items()]
    for _ in range(repeat):
        for name, faults, scenario, reason in plan:
            with tempfile.TemporaryDirectory() as folder:
                root = Path(folder)
                _project(root, soak=False)
                profile = root / "tagsmoke.yaml"
                profile.write_text(profile.read_text().replace("timeout: 10", "timeout: 1"))
                lag = rng.uniform(0.0, 0.2)
                with ReferenceGateway(root / "log.sqlite", ingest_delay=lag) as gateway:
                    gateway.faults.ingest_jitter = rng.uniform(0.0, 0.3)
                    for key, value in faults.items():
                        setattr(gateway.faults, key, value)
                    _, records = _run(root, gateway.url, "-k", scenario)
            cases += 1
            result = records[0] if len(records) == 1 else None
            if reason is None:
                if result is None or result["result"] != "pass":
                    false_reds += 1
                    print(f"  false red: {name}: {result and result['problems']}")
            elif result is None or result["result"] == "pass":
                false_greens += 1
                print(f"  false green: {name}")
            elif result["failure_reason"] != reason:
                misnamed += 1
                print(f"  misnamed: {name}: {result['failure_reason']} (expected {reason})")
    return false_greens, misnamed, false_reds, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--matrix-repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"soak: seed {seed}")
    reds, scenarios, seconds = soak(args.runs, rng)
    print(
        f"soak: {args.runs} runs x 20 scenarios = {scenarios} scenarios, lag 0-0.3 s + "
        f"jitter 0-0.6 s: false reds {reds} ({seconds:.0f} s)"
    )
    greens, misnamed, matrix_reds, cases = matrix(args.matrix_repeat, rng)
    print(
        f"fault matrix: {cases} cases ({len(MATRIX)} faults + {len(HEALTHY_FAULTS)} healthy "
        f"retries, x{args.matrix_repeat}): false greens {greens}, false reds {matrix_reds}, "
        f"misnamed {misnamed}"
    )
    print(f"false reds: {reds + matrix_reds}  false greens: {greens}")
    sys.exit(0 if reds + matrix_reds + greens + misnamed == 0 else 1)


if __name__ == "__main__":
    main()
