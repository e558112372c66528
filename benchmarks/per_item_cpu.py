"""CPU time per scenario after the poll: what pytest-tagsmoke and pytest spend on each item.

The same project and stdlib gateway as ``side_by_side.py`` (one id per GET, ``--lag``
seconds of ingestion lag). pytest runs in a child process with a small plugin that reads
the process's CPU time (``time.process_time``: user + system, steadier than wall time on a
shared machine) at the first item's start, after the last item and after the artifacts are
written; the batch's sending and polling happen before the first item and are not counted.
For comparison, the same pytest runs N trivial tests: pytest's own cost per item.

    python benchmarks/per_item_cpu.py --size 1000 --runs 3
    python benchmarks/per_item_cpu.py --size 1000 --profile 25   # + the top 25 functions
    python benchmarks/per_item_cpu.py --tree ../base --tree .      # two checkouts, alternately

Figures are medians of ``--runs`` runs; the machine's load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import StdlibGateway, _tagsmoke_project

CLOCK_PLUGIN = """
import cProfile, json, os, pstats, time
import pytest

marks = {}
profiler = cProfile.Profile() if os.environ.get("CLOCK_PROFILE") else None

def pytest_runtest_logstart(nodeid, location):
    if "first" not in marks:
        marks["first"] = time.process_time()
        if profiler is not None:
            profiler.enable()

def pytest_runtest_logfinish(nodeid, location):
    marks["last"] = time.process_time()

@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    if profiler is not None:
        profiler.disable()

@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    marks["finished"] = time.process_time()
    with open(os.environ["CLOCK_OUT"], "w") as stream:
        json.dump(marks, stream)
    if profiler is not None:
        with open(os.environ["CLOCK_OUT"] + ".txt", "w") as stream:
            stats = pstats.Stats(profiler, stream=stream)
            ours = "pytest_tagsmoke"
            entered = sum(
                timing[3]
                for (file, _, _), (_, _, _, _, callers) in stats.stats.items()
                if ours in file
                for (caller, _, _), timing in callers.items()
                if ours not in caller
            )
            stream.write(
                f"pytest_tagsmoke's own code: {entered:.3f} s of {stats.total_tt:.3f} s "
                f"profiled ({100 * entered / stats.total_tt:.0f} %)\\n"
            )
            stats.sort_stats("tottime").print_stats(int(os.environ["CLOCK_PROFILE"]))
            stats.sort_stats("cumulative").print_stats(int(os.environ["CLOCK_PROFILE"]))
"""


def _run(root: Path, argv: list[str], profile: int, tree: str = "") -> dict[str, float]:
    out = root / "clock.json"
    out.unlink(missing_ok=True)
    path = os.pathsep.join(p for p in (str(root), tree) if p)
    env = {**os.environ, "CLOCK_OUT": str(out), "PYTHONPATH": path}
    if profile:
        env["CLOCK_PROFILE"] = str(profile)
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    if not out.exists():
        raise SystemExit(f"the run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(out.read_text())
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"  {tail}", flush=True)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--lag", type=float, default=0.5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    parser.add_argument(
        "--tree", action="append", help="a checkout whose pytest_tagsmoke to run (repeatable)"
    )
    args = parser.parse_args()
    trees = [str(Path(t).resolve()) for t in args.tree or ["."]]
    pytest_argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    pytest_argv += ["-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "clock_plugin"]
    items: dict[str, list[float]] = {t: [] for t in trees}
    finish: dict[str, list[float]] = {t: [] for t in trees}
    bare: list[float] = []
    with tempfile.TemporaryDirectory() as folder, StdlibGateway(args.lag) as gateway:
        root = Path(folder)
        _tagsmoke_project(root, args.size, args.lag, batched=False)
        (root / "clock_plugin.py").write_text(CLOCK_PLUGIN)
        bare_root = root / "bare"
        bare_root.mkdir()
        (bare_root / "clock_plugin.py").write_text(CLOCK_PLUGIN)
        (bare_root / "test_bare.py").write_text(
            "import pytest\n\n@pytest.mark.parametrize('n', range("
            f"{args.size}))\ndef test_nothing(n):\n    pass\n"
        )
        tagsmoke = [*pytest_argv, "--tagsmoke", f"--tagsmoke-endpoint={gateway.url}"]
        for run in range(args.runs):
            for tree in trees:
                profile = args.profile if run == 0 else 0
                marks = _run(root, tagsmoke, profile, tree)
                if profile:
                    print(f"{tree}:\n" + (root / "clock.json.txt").read_text())
                else:
                    items[tree].append(marks["last"] - marks["first"])
                    finish[tree].append(marks["finished"] - marks["last"])
            marks = _run(bare_root, pytest_argv, 0)
            bare.append(marks["last"] - marks["first"])
    load = os.getloadavg()[0]
    per = 1000 / args.size
    print(
        f"N={args.size}, load {load:.2f}; pytest's own per trivial test "
        f"{statistics.median(bare) * per:.3f} ms CPU"
    )
    for tree in trees:
        if items[tree]:
            print(
                f"{tree}: items {statistics.median(items[tree]) * per:.3f} ms CPU per scenario "
                f"(runs: {', '.join(f'{t * per:.3f}' for t in items[tree])}); after the last "
                f"item {statistics.median(finish[tree]) * per:.3f} ms per scenario"
            )


if __name__ == "__main__":
    main()
