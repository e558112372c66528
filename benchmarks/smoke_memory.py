"""Where a smoke run's memory goes: the top allocations at the end of an N-scenario run.

The same project and stdlib gateway as ``side_by_side.py`` (one id per GET, ``--lag``
seconds of ingestion lag); pytest runs in a child process under ``tracemalloc``, and a
small plugin written into the project takes a snapshot when the session finishes (after
the artifacts are written, while pytest still holds its items and reports).

    python benchmarks/smoke_memory.py --size 5000 --top 20

``tracemalloc`` slows the run ~10x (N = 5,000: ~5 min on 2 cores); use a smaller
``--size`` to see the same shape sooner. Peak resident memory without tracemalloc:
``side_by_side.py``'s "peak MB".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import StdlibGateway, _tagsmoke_project

SNAPSHOT_PLUGIN = """
import gc, os, tracemalloc
import pytest

@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    current, peak = tracemalloc.get_traced_memory()
    lines = [f"traced now {current / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB"]
    for stat in snapshot.statistics("lineno")[: int(os.environ["SNAPSHOT_TOP"])]:
        lines.append(str(stat))
    with open(os.environ["SNAPSHOT_OUT"], "w") as stream:
        stream.write("\\n".join(lines) + "\\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--lag", type=float, default=2.0)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc frames kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, StdlibGateway(args.lag) as gateway:
        root = Path(folder)
        _tagsmoke_project(root, args.size, args.lag, batched=False)
        (root / "tagsmoke_snapshot.py").write_text(SNAPSHOT_PLUGIN)
        out = root / "snapshot.txt"
        argv = [
            sys.executable, "-X", f"tracemalloc={args.frames}", "-m", "pytest", "--tagsmoke",
            f"--tagsmoke-endpoint={gateway.url}", "-q", "-p", "no:cacheprovider",
            "-p", "no:hypothesispytest", "-p", "tagsmoke_snapshot",
        ]  # fmt: skip
        env = {"SNAPSHOT_OUT": str(out), "SNAPSHOT_TOP": str(args.top), "PYTHONPATH": folder}
        done = subprocess.run(
            argv, cwd=root, env={**os.environ, **env}, capture_output=True, text=True
        )
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr)
        print(out.read_text() if out.exists() else "(no snapshot: the run failed)")


if __name__ == "__main__":
    main()
