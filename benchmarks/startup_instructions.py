"""Start-up of a smoke run in CPU instructions: process start to the first request.

Wall time of a start-up shifts with every other process on a shared machine; the count of
instructions (valgrind's callgrind) does not. Three runs through one Python (a user-like
venv: ``--python``), each stopped by a plugin that ends the process at a point:

* bare: ``pytest -q`` of one trivial test, stopped where its test loop starts;
* N = 20 and N = 200: ``pytest --tagsmoke`` of the side-by-side benchmark's project (one
  expanded scenario), stopped at the first socket connect (the first request).

The difference is what pytest-tagsmoke adds before its first request. Hash seeds are fixed
(``PYTHONHASHSEED=0``) so two runs count alike. Needs ``valgrind``; ~1 min per run.

    python benchmarks/startup_instructions.py --python /tmp/user-venv/bin/python
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import _tagsmoke_project

STOPPER = """
import os, socket, sys, threading
import pytest

_lock = threading.Lock()

def _stop(*args, **kwargs):
    _lock.acquire()
    os._exit(0)

if os.environ.get("STOP_AT") == "connect":
    socket.socket.connect = _stop

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session):
    if os.environ.get("STOP_AT") == "loop":
        _stop()
    return (yield)
"""


def instructions(python: str, cwd: Path, args: list[str], stop_at: str, plugins: Path) -> int:
    out = cwd / "callgrind.out"
    env = {**os.environ, "PYTHONPATH": str(plugins), "PYTHONHASHSEED": "0", "STOP_AT": stop_at}
    subprocess.run(
        [
            *("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-m"),
            *("pytest", "-p", "startup_stopper", "-q", "-p", "no:cacheprovider", *args),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
    )
    found = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M)
    if found is None:
        raise SystemExit(f"no callgrind total in {out}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the Python of the venv")
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "startup_stopper.py").write_text(STOPPER)
        bare = root / "bare"
        bare.mkdir()
        (bare / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
        base = instructions(args.python, bare, [], "loop", root)
        print("| run | instructions (M) | added by pytest-tagsmoke (M) |\n|---|---|---|")
        print(f"| bare pytest, to its test loop | {base / 1e6:,.0f} | — |", flush=True)
        for size in args.sizes:
            project = root / f"n{size}"
            project.mkdir()
            _tagsmoke_project(project, size, lag=2.0, batched=False)
            smoke = ["--tagsmoke", "--tagsmoke-endpoint=http://127.0.0.1:9"]
            count = instructions(args.python, project, smoke, "connect", root)
            print(
                f"| --tagsmoke N={size}, to the first request | {count / 1e6:,.0f} | "
                f"{(count - base) / 1e6:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
