"""Suite wall time and log-store queries of ``pytest --tagsmoke`` for N scenarios against
the reference gateway with an ingestion lag, side by side with the same scenarios written as
Tavern tests polling the same log store. Prints its figures; times nothing in a test.

    python benchmarks/suite_time.py                 # N = 10, 100, 200; Tavern at N = 20
    python benchmarks/suite_time.py --tavern-200    # also Tavern at N = 200 (minutes)
    python benchmarks/suite_time.py --no-tavern

Tavern 3.7.1 does not import under pytest 9 (it uses a private pytest module 9 removed), so
it runs from its own virtual environment (.bench/tavern-venv, made on first use, pytest<9).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from pytest_tagsmoke.reference import ReferenceGateway

REPO = Path(__file__).resolve().parents[1]
TAVERN_VENV = REPO / ".bench" / "tavern-venv"
TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}


def _tagsmoke_project(root: Path, count: int) -> None:
    shutil.copy(REPO / "tagsmoke.yaml", root / "tagsmoke.yaml")
    (root / "scenarios").mkdir()
    values = ", ".join(f"b{i:04d}" for i in range(count))
    (root / "scenarios" / "bench.yaml").write_text(
        "scenarios:\n"
        "  - name: 'request {n} is attributed'\n"
        "    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: semantic-search}\n"
        f"    expand: {{n: [{values}]}}\n"
    )


def _session_seconds(output: str) -> float | None:
    match = re.search(r"passed[^\n]* in ([0-9.]+)s", output)
    return float(match.group(1)) if match else None


def run_tagsmoke(count: int, lag: float) -> dict[str, float | int | None]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _tagsmoke_project(root, count)
        with ReferenceGateway(root / "log.sqlite", ingest_delay=lag) as gateway:
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "--tagsmoke",
                    f"--tagsmoke-endpoint={gateway.url}",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    # The dev environment's hypothesis plugin imports hypothesis at every
                    # run's end (about 0.5 s): not ours to count.
                    "-p",
                    "no:hypothesispytest",
                ],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
            return _figures("pytest --tagsmoke", done, started, gateway)


def _figures(
    runner: str,
    done: subprocess.CompletedProcess[str],
    started: float,
    gateway: ReferenceGateway,
) -> dict[str, float | int | None]:
    """A finished run's wall time, session time, and what the gateway served it."""
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{runner} failed:\n{done.stdout[-3000:]}")
    return {
        "wall": wall,
        "session": _session_seconds(done.stdout),
        "queries": gateway.stats["log_reads"],
        "requests": gateway.stats["chat"],
    }


def _tavern_python() -> Path:
    python = TAVERN_VENV / "bin" / "python"
    if not python.exists():
        print(f"(making {TAVERN_VENV} with tavern==3.7.1 and pytest<9 ...)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(TAVERN_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "tavern==3.7.1", "pytest<9"], check=True
        )
    return python


def _tavern_project(root: Path, count: int, url: str, retries: int, delay: float) -> None:
    nonce = uuid.uuid4().hex[:8]
    headers = "\n".join(f"        x-tag-{k.replace('_', '-')}: {v}" for k, v in TAGS.items())
    for i in range(count):
        cid = f"tavern-{nonce}-{i:04d}"
        (root / f"test_smoke_{i:04d}.tavern.yaml").write_text(f"""\
test_name: smoke {i}
stages:
  - name: send a tagged request
    request:
      url: {url}/v1/chat/completions
      method: POST
      headers:
        Authorization: "Bearer <API_KEY_PLACEHOLDER>"
        x-correlation-id: {cid}
{headers}
      json: {{model: gpt-4o-mini, max_tokens: 1, messages: [{{role: user, content: tagsmoke}}]}}
    response:
      status_code: 200
  - name: find its log record
    max_retries: {retries}
    delay_after: {delay}
    request:
      url: {url}/logs/records/{cid}
      method: GET
    response:
      strict: [json:off]
      status_code: 200
      json:
        bucket: attributed
""")


def run_tavern(count: int, lag: float) -> dict[str, float | int | None]:
    python = _tavern_python()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with ReferenceGateway(root / "log.sqlite", ingest_delay=lag) as gateway:
            # Poll every 0.25 s for up to 10 s: a fair Tavern version of the same wait.
            _tavern_project(root, count, gateway.url, retries=40, delay=0.25)
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            started = time.perf_counter()
            done = subprocess.run(
                [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root)],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
                env=env,
            )
            return _figures("tavern", done, started, gateway)


def _machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 200])
    parser.add_argument("--lag", type=float, default=2.0, help="ingestion lag in seconds")
    parser.add_argument("--tavern-n", type=int, default=20)
    parser.add_argument("--tavern-200", action="store_true", help="also Tavern at N = 200")
    parser.add_argument("--no-tavern", action="store_true")
    args = parser.parse_args()

    print(f"machine: {_machine()}; ingestion lag {args.lag:g} s")
    print("| runner | N | wall (s) | pytest session (s) | log-store queries | requests |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")

    def row(name: str, count: int, figures: dict[str, float | int | None]) -> None:
        session = figures["session"]
        print(
            f"| {name} | {count} | {figures['wall']:.2f} | "
            f"{session if session is not None else '—'} | {figures['queries']} | "
            f"{figures['requests']} |",
            flush=True,
        )

    for count in args.sizes:
        row("pytest --tagsmoke", count, run_tagsmoke(count, args.lag))
    if args.no_tavern:
        return
    tavern_sizes = [args.tavern_n] + ([200] if args.tavern_200 else [])
    for count in tavern_sizes:
        ours = run_tagsmoke(count, args.lag)
        theirs = run_tavern(count, args.lag)
        row("pytest --tagsmoke", count, ours)
        row("tavern 3.7.1", count, theirs)
        ratio = float(theirs["wall"] or 0) / float(ours["wall"] or 1)
        print(
            f"ratio at N = {count}: Tavern takes {ratio:.1f}x the wall time of pytest --tagsmoke",
            flush=True,
        )


if __name__ == "__main__":
    main()
