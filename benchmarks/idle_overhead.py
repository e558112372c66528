"""What the installed plugin costs a pytest run that does not use it. Prints its figures.

- a 50-test dummy suite, run alternately with the plugin and with ``-p no:tagsmoke``
  (median of --runs runs each);
- ``python -X importtime`` of the entry module, with pytest already imported (as it is in
  every pytest run), so only the plugin's own cost is counted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _suite(root: Path) -> None:
    body = "\n\n".join(f"def test_{i}():\n    assert {i} == {i}" for i in range(50))
    (root / "test_dummy.py").write_text(body + "\n")


def _run(root: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def import_cost() -> tuple[int, int]:
    """Microseconds to import pytest_tagsmoke and its entry module once pytest is loaded:
    (their own time, their cumulative time with whatever they import)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest; import pytest_tagsmoke.plugin"],
        check=True,
        capture_output=True,
        text=True,
    )
    own_self = own_cumulative = 0
    seen_pytest = False
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        self_us, cumulative_us, name = int(fields[0]), int(fields[1]), fields[2].strip()
        if name == "pytest":
            seen_pytest = True
        elif seen_pytest and name in ("pytest_tagsmoke", "pytest_tagsmoke.plugin"):
            own_self += self_us
            own_cumulative += cumulative_us
    return own_self, own_cumulative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _suite(root)
        _run(root)  # warm caches
        with_plugin, without = [], []
        for _ in range(args.runs):
            with_plugin.append(_run(root))
            without.append(_run(root, "-p", "no:tagsmoke"))
    on, off = statistics.median(with_plugin), statistics.median(without)
    self_us, cumulative_us = import_cost()
    print(
        f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {args.runs} runs each, medians"
    )
    print("| measure | figure |")
    print("| --- | ---: |")
    print(f"| 50-test suite, plugin installed (s) | {on:.3f} |")
    print(f"| 50-test suite, -p no:tagsmoke (s) | {off:.3f} |")
    print(f"| overhead | {100 * (on - off) / off:+.1f} % |")
    print(
        f"| import pytest_tagsmoke.plugin after pytest, self / cumulative (ms) | "
        f"{self_us / 1000:.2f} / {cumulative_us / 1000:.2f} |"
    )


if __name__ == "__main__":
    main()
