"""The same smoke scenarios through pytest-tagsmoke, Step CI and Tavern, side by side.

Each scenario sends one tagged chat request and then waits for its log record. Gateways:

- ``stdlib``: a standard-library HTTP gateway whose log store shows a record ``--lag``
  seconds after its request and has no batch endpoint (one id per GET,
  ``/logs/records/<id>``, 404 until then). Every runner polls it.
- ``reference``: the bundled reference gateway's batched path (``?ids=a,b,c``) with the
  same lag, through the repository's own ``tagsmoke.yaml`` (pytest-tagsmoke only).

Two baselines without a gateway: ``pytest-bare`` (one trivial test: what any pytest run
costs) and ``pytest-floor`` (N trivial items, the first sleeping one lag: what pytest alone
costs a plugin that makes one item per scenario and cannot pass one before its record shows;
no plugin of that kind can finish sooner on the same machine).

Figures per cell: whole-process wall time (median of ``--runs``, the runners in alternating
order), the runner process's CPU time (user + system, median: steadier than wall time on a
shared machine; the gateway runs in this process and is not counted), peak memory of the
process tree (``os.wait4``'s ``ru_maxrss``), lost results (scenarios not reported passed)
and the gateway's chat requests (must equal N).

    python benchmarks/side_by_side.py --quick            # N=20,200 at lag 2 s; 5 runs
    python benchmarks/side_by_side.py                    # everything (long)
    python benchmarks/side_by_side.py --sizes 5000 --lags 2 --runners tagsmoke --runs 3

Step CI (npm ``stepci``, pinned) is installed into ``.bench/node_modules`` on first use and
run with ``STEPCI_DISABLE_ANALYTICS=1`` (offline it otherwise hangs on its telemetry).
Tavern (pinned, with ``pytest<9``: it does not import under pytest 9) gets its own venv,
``.bench/tavern-venv``; it waits one lag per test (~50 s at N = 20), so it runs at N = 20
only and ``--tavern-runs`` times (default 1).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / ".bench"
STEPCI_VERSION = "2.8.2"
TAVERN_VERSION = "3.7.1"
TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}
BODY = {"model": "gpt-4o-mini", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
#: Polling of the baseline tools: every 0.25 s, up to lag + 10 s.
POLL_EVERY = 0.25


# -- the stdlib gateway ------------------------------------------------------------------
@dataclass
class _Log:
    lag: float
    records: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    chat: int = 0
    reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: ``time.perf_counter()`` of each chat answer and of each record found (``--phases``).
    posted: list[float] = field(default_factory=list)
    found: list[float] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: each runner may reuse its connections
    # TCP_NODELAY, as real gateways (uvicorn, Node) set it: the headers and the body are two
    # writes, and Nagle would hold the body until the client ACKs the headers (a delayed
    # ACK, ~40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True
    log: _Log

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, document: Any) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        cid = self.headers.get("x-correlation-id") or uuid.uuid4().hex
        tags = {
            "owner": self.headers.get("x-tag-owner"),
            "environment": self.headers.get("x-tag-environment"),
            "use_case": self.headers.get("x-tag-use-case"),
        }
        record = {
            "correlation_id": cid,
            "tags": tags,
            "bucket": "attributed" if all(tags.values()) else "unattributed",
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source_record": f"stdlib:{cid}",
        }
        with self.log.lock:
            self.log.chat += 1
            self.log.posted.append(time.perf_counter())
            self.log.records[cid] = (time.monotonic() + self.log.lag, record)
        self._answer(200, {"id": cid, "object": "chat.completion", "choices": []})

    def do_GET(self) -> None:
        prefix = "/logs/records/"
        if not self.path.startswith(prefix):
            self._answer(404, {"error": "not found"})
            return
        cid = self.path[len(prefix) :]
        with self.log.lock:
            self.log.reads += 1
            entry = self.log.records.get(cid)
        if entry is None or entry[0] > time.monotonic():
            self._answer(404, {"error": "not yet"})
        else:
            self._answer(200, entry[1])
            with self.log.lock:
                self.log.found.append(time.perf_counter())


class StdlibGateway:
    def __init__(self, lag: float) -> None:
        self.log = _Log(lag)
        handler = type("Handler", (_Handler,), {"log": self.log})
        ThreadingHTTPServer.request_queue_size = 1024
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        # A client that drops its keep-alive connection is no error worth a traceback.
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StdlibGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- measuring one process ---------------------------------------------------------------
@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the process tree
    peak_mb: float
    passed: int
    requests: int
    output: str
    #: start -> first request, first -> last request, last request -> last record found,
    #: last record found -> exit (seconds; the stdlib gateway's runs only). pytest-tagsmoke
    #: judges each item as its record comes, so its last phase is the items whose records
    #: came last, the run's artifacts and pytest's end, not the judging of every item.
    phases: tuple[float, float, float, float] | None = None
    #: The stdlib gateway's log reads (GETs): one per id per ask; N is the least.
    reads: int = 0


@dataclass
class Measured:
    wall: float
    cpu: float
    peak_mb: float
    output: str
    started: float = 0.0  # time.perf_counter() of the start and the end
    ended: float = 0.0


def _measure(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Wall seconds, CPU seconds (user + system: steadier than wall time on a shared
    machine), peak resident MB of the process tree, and its output."""
    out = cwd / f"output-{uuid.uuid4().hex[:6]}.txt"
    with out.open("w") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        _, _, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = 0
    cpu = usage.ru_utime + usage.ru_stime
    text = out.read_text(errors="replace")
    return Measured(wall, cpu, usage.ru_maxrss / 1024, text, started, started + wall)


def _passed(output: str) -> int:
    """Scenarios reported passed: Step CI's ``Tests: F failed, P passed``, else pytest's
    closing ``P passed``."""
    stepci = re.search(r"Tests: \d+ failed, (\d+) passed", output)
    if stepci:
        return int(stepci.group(1))
    closing = re.findall(r"(\d+) passed", output[-500:])
    return int(closing[-1]) if closing else 0


# -- pytest-tagsmoke ---------------------------------------------------------------------
def _tagsmoke_project(root: Path, count: int, lag: float, batched: bool) -> None:
    profile = (REPO / "tagsmoke.yaml").read_text()
    if not batched:
        profile = profile.replace(
            'record_url: "{endpoint}/logs/records?ids={correlation_ids}"',
            'record_url: "{endpoint}/logs/records/{correlation_id}"',
        )
        profile = re.sub(r"\n  (id_field|counts_url):[^\n]*", "", profile)
    profile = profile.replace("  timeout: 10\n", f"  timeout: {lag + 10:g}\n")
    (root / "tagsmoke.yaml").write_text(profile)
    (root / "scenarios").mkdir()
    values = ", ".join(f"b{i:05d}" for i in range(count))
    (root / "scenarios" / "bench.yaml").write_text(
        "scenarios:\n"
        "  - name: 'request {n} is attributed'\n"
        "    path: happy\n"
        f"    tags: {json.dumps(TAGS)}\n"
        f"    expand: {{n: [{values}]}}\n"
    )


#: The Python that runs pytest-tagsmoke: a user's install (``--install user``, the default)
#: or this checkout's development venv (``--install dev``).
TAGSMOKE_PYTHON = Path(sys.executable)


def _user_venv() -> Path:
    """A venv with only what ``pip install pytest-tagsmoke`` brings: the wheel built from
    this checkout (re-installed on every benchmark run) and its dependencies. This is what
    a user's CI job runs: no development plugins (xdist, hypothesis) loading with pytest."""
    venv = BENCH / "user-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"(making {venv} ...)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheels = BENCH / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
    )
    wheel = next(wheels.glob("pytest_tagsmoke-*.whl"))
    subprocess.run([*pip, str(wheel)], check=True)  # its dependencies, once
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(wheel)], check=True)
    return python


def run_bare_pytest(root: Path) -> Measured:
    """One trivial test through the same Python and pytest: what any pytest run costs
    before and after its tests (interpreter, pytest, the installed plugins)."""
    (root / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    argv = [str(TAGSMOKE_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return _measure(argv, root)


def run_pytest_floor(root: Path, count: int, lag: float) -> Measured:
    """What pytest alone costs for ``count`` items, the first of which waits one ``lag``:
    the floor of any plugin that makes one pytest item per scenario and cannot pass an
    item before its record shows (no gateway, no requests, no polling, no judging)."""
    (root / "test_floor.py").write_text(
        "import time\n"
        "import pytest\n\n\n"
        f"@pytest.mark.parametrize('n', range({count}))\n"
        "def test_scenario(n):\n"
        f"    if n == 0:\n        time.sleep({lag})\n"
    )
    argv = [str(TAGSMOKE_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return _measure(argv, root)


def run_tagsmoke(root: Path, url: str, count: int, lag: float, batched: bool) -> Measured:
    _tagsmoke_project(root, count, lag, batched)
    argv = [
        str(TAGSMOKE_PYTHON), "-m", "pytest", "--tagsmoke", f"--tagsmoke-endpoint={url}", "-q",
        "-p", "no:cacheprovider",
    ]  # fmt: skip
    if Path(sys.executable) == TAGSMOKE_PYTHON:
        # The dev environment's hypothesis plugin imports hypothesis at every run's end.
        argv += ["-p", "no:hypothesispytest"]
    return _measure(argv, root)


# -- Step CI -----------------------------------------------------------------------------
def _stepci() -> Path:
    binary = BENCH / "node_modules" / "stepci" / "dist" / "index.js"
    if not binary.exists():
        print(f"(installing stepci@{STEPCI_VERSION} into {BENCH} ...)", flush=True)
        BENCH.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(BENCH), "--no-audit", "--no-fund",
             f"stepci@{STEPCI_VERSION}"],
            check=True, env={**os.environ, "STEPCI_DISABLE_ANALYTICS": "1"},
        )  # fmt: skip
    return binary


def run_stepci(root: Path, url: str, count: int, lag: float) -> Measured:
    binary = _stepci()
    retries = int((lag + 10) / POLL_EVERY)
    tests: dict[str, Any] = {}
    nonce = uuid.uuid4().hex[:8]
    for i in range(count):
        cid = f"stepci-{nonce}-{i:05d}"
        headers = {"Authorization": "Bearer <API_KEY_PLACEHOLDER>", "x-correlation-id": cid}
        headers |= {f"x-tag-{k.replace('_', '-')}": v for k, v in TAGS.items()}
        tests[f"smoke_{i:05d}"] = {
            "steps": [
                {
                    "name": "send a tagged request",
                    "http": {
                        "url": f"{url}/v1/chat/completions",
                        "method": "POST",
                        "headers": headers,
                        "json": BODY,
                        "check": {"status": 200},
                    },
                },
                {
                    "name": "find its log record",
                    "retries": {"count": retries, "interval": int(POLL_EVERY * 1000)},
                    "http": {
                        "url": f"{url}/logs/records/{cid}",
                        "method": "GET",
                        "check": {"status": 200, "jsonpath": {"$.bucket": "attributed"}},
                    },
                },
            ]
        }
    workflow = {"version": "1.1", "name": "tagsmoke side by side", "tests": tests}
    (root / "workflow.json").write_text(json.dumps(workflow))
    env = {**os.environ, "STEPCI_DISABLE_ANALYTICS": "1"}
    return _measure(["node", str(binary), "run", "workflow.json"], root, env)


# -- Tavern ------------------------------------------------------------------------------
def _tavern_python() -> Path:
    venv = BENCH / "tavern-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"(making {venv} with tavern=={TAVERN_VERSION} and pytest<9 ...)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"tavern=={TAVERN_VERSION}", "pytest<9"],
            check=True,
        )
    return python


def run_tavern(root: Path, url: str, count: int, lag: float) -> Measured:
    python = _tavern_python()
    nonce = uuid.uuid4().hex[:8]
    retries = int((lag + 10) / POLL_EVERY)
    headers = "\n".join(f"        x-tag-{k.replace('_', '-')}: {v}" for k, v in TAGS.items())
    for i in range(count):
        cid = f"tavern-{nonce}-{i:05d}"
        (root / f"test_smoke_{i:05d}.tavern.yaml").write_text(f"""\
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
      json: {json.dumps(BODY)}
    response:
      status_code: 200
  - name: find its log record
    max_retries: {retries}
    delay_after: {POLL_EVERY}
    request:
      url: {url}/logs/records/{cid}
      method: GET
    response:
      strict: [json:off]
      status_code: 200
      json:
        bucket: attributed
""")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return _measure([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], root, env)


# -- the table ---------------------------------------------------------------------------
RUNNERS = ("tagsmoke", "tagsmoke-batched", "stepci", "tavern", "pytest-bare", "pytest-floor")
LABELS = {
    "tagsmoke": "pytest-tagsmoke (one id per GET)",
    "tagsmoke-batched": "pytest-tagsmoke (reference gateway, batched)",
    "stepci": f"Step CI {STEPCI_VERSION}",
    "tavern": f"Tavern {TAVERN_VERSION}",
    "pytest-bare": "bare pytest, one trivial test (no gateway)",
    "pytest-floor": "pytest alone: N trivial items, the first sleeps one lag (no gateway)",
}


def one_run(runner: str, count: int, lag: float) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if runner == "pytest-bare":
            m = run_bare_pytest(root)
            return Run(m.wall, m.cpu, m.peak_mb, count, 0, m.output)
        if runner == "pytest-floor":
            m = run_pytest_floor(root, count, lag)
            return Run(m.wall, m.cpu, m.peak_mb, _passed(m.output), 0, m.output)
        if runner == "tagsmoke-batched":
            from pytest_tagsmoke.reference import ReferenceGateway

            phases, reads = None, 0
            with ReferenceGateway(root / "log.sqlite", ingest_delay=lag) as reference:
                measured = run_tagsmoke(root, reference.url, count, lag, batched=True)
                requests = reference.stats["chat"]
        else:
            with StdlibGateway(lag) as gateway:
                if runner == "tagsmoke":
                    measured = run_tagsmoke(root, gateway.url, count, lag, False)
                elif runner == "stepci":
                    measured = run_stepci(root, gateway.url, count, lag)
                else:
                    measured = run_tavern(root, gateway.url, count, lag)
                requests, reads = gateway.log.chat, gateway.log.reads
                phases = _phases(measured, gateway.log)
        m = measured
        run = Run(m.wall, m.cpu, m.peak_mb, _passed(m.output), requests, m.output)
        run.phases = None if runner == "tagsmoke-batched" else phases
        run.reads = reads
        return run


def _phases(measured: Measured, log: _Log) -> tuple[float, float, float, float] | None:
    if not log.posted or not log.found:
        return None
    first, last, found = min(log.posted), max(log.posted), max(log.found)
    return (first - measured.started, last - first, found - last, measured.ended - found)


def _compile_the_plugin() -> None:
    """Byte-compile pytest-tagsmoke's modules, as pip does when it installs the wheel.

    An editable checkout has no bytecode until Python writes it, and under
    ``PYTHONDONTWRITEBYTECODE=1`` (set in many CI images and on this project's machines)
    it never does: every run would compile the engine from source again (~0.1 s), which a
    pip-installed plugin does not."""
    import compileall

    import pytest_tagsmoke

    compileall.compile_dir(Path(pytest_tagsmoke.__file__).parent, quiet=1)


INSTALLS = {
    "user": "a wheel in .bench/user-venv",
    "dev": "the dev venv, byte-compiled first as a pip install does",
}


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 5000])
    parser.add_argument("--lags", type=float, nargs="+", default=[2.0, 10.0])
    parser.add_argument("--runners", nargs="+", choices=RUNNERS, default=list(RUNNERS))
    parser.add_argument("--runs", type=int, default=5, help="runs per cell (median)")
    parser.add_argument("--tavern-runs", type=int, default=1)
    parser.add_argument("--tavern-sizes", type=int, nargs="+", default=[20])
    parser.add_argument(
        "--quick", action="store_true", help="N = 20 and 200 at lag 2 s (Tavern at 20, once)"
    )
    parser.add_argument("--show-output", action="store_true", help="print a failed run's tail")
    parser.add_argument(
        "--phases",
        action="store_true",
        help="also print where each stdlib-gateway cell's wall time went (medians): start-up "
        "to the first request, sending, the last request to the last record found, and "
        "from the last record to exit (pytest-tagsmoke judges items as their records come: "
        "what is left then is the last items, the artifacts and pytest's end)",
    )
    parser.add_argument(
        "--install",
        choices=["user", "dev"],
        default="user",
        help="user (default): pytest-tagsmoke from a wheel of this checkout in .bench/user-venv, "
        "with its dependencies only, as `pip install pytest-tagsmoke` gives; dev: this "
        "checkout's development venv (more pytest plugins load)",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.lags = [20, 200], [2.0]
    global TAGSMOKE_PYTHON
    if args.install == "user":
        TAGSMOKE_PYTHON = _user_venv()
    else:
        _compile_the_plugin()

    print(
        f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; "
        f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"load average at start {_load()}"
    )
    print(
        f"floor = lag + 0.3 s (interpreter start-up and one poll tick); runs per cell {args.runs}; "
        f"pytest-tagsmoke from {INSTALLS[args.install]}; "
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}"
    )
    print(
        "| N | lag (s) | runner | wall median (s) | min-max (s) | CPU median (s) | peak MB | lost "
        "| requests | runs | load |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for lag in args.lags:
        for count in args.sizes:
            runners = [r for r in args.runners if r != "tavern" or count in args.tavern_sizes]
            results: dict[str, list[Run]] = {r: [] for r in runners}
            runs = {r: (args.tavern_runs if r == "tavern" else args.runs) for r in runners}
            for i in range(max(runs.values(), default=0)):
                order = runners[i % len(runners) :] + runners[: i % len(runners)]
                for runner in order:
                    if len(results[runner]) < runs[runner]:
                        results[runner].append(one_run(runner, count, lag))
            for runner in runners:
                cell = results[runner]
                walls = [r.wall for r in cell]
                lost = max(count - r.passed for r in cell)
                print(
                    f"| {count} | {lag:g} | {LABELS[runner]} | {statistics.median(walls):.2f} | "
                    f"{min(walls):.2f}-{max(walls):.2f} | "
                    f"{statistics.median(r.cpu for r in cell):.2f} | "
                    f"{max(r.peak_mb for r in cell):.0f} | "
                    f"{lost} | {max(r.requests for r in cell)} | {len(cell)} | {_load()} |",
                    flush=True,
                )
                if lost and args.show_output:
                    print(cell[-1].output[-3000:])
                timed = [r.phases for r in cell if r.phases is not None]
                if args.phases and timed:
                    medians = [statistics.median(p) for p in zip(*timed, strict=True)]
                    start, send, find, end = medians
                    reads = statistics.median(r.reads for r in cell)
                    print(
                        f"|   phases: start-up {start:.2f} s, sending {send:.2f} s, last request "
                        f"to last record {find:.2f} s (lag {lag:g}), last record to exit "
                        f"{end:.2f} s; "
                        f"log reads {reads:.0f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
