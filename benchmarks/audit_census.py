"""Audit census speed and memory: 1,000,000 records in SQLite, PostgreSQL and JSONL.

    python benchmarks/audit_census.py [--records 1000000] [--grow 2000000,4000000]
        [--skip-sqlite] [--skip-postgres] [--skip-jsonl] [--keep DIR] [--keep-postgres]

Each census runs in a fresh child process (so its peak memory is its own), through the
same code path as ``tagsmoke audit`` (:func:`pytest_tagsmoke.audit.run.run_audit`), and the
script prints the figures: census time and whole audit time (census + sample), each as
wall-clock and as CPU time of the child process (all its threads, DuckDB's included; for
PostgreSQL, plus the CPU time of the server process that ran the census query), rows
fetched, peak memory (max RSS). On a shared machine judge by CPU time: wall-clock time
grows with the load average printed beside it. ``--grow`` repeats the JSONL streaming and
DuckDB censuses over larger files to show memory staying flat. Targets (issue #13, 2-core
machine): SQL census ≤ 2 s with at most a few thousand rows fetched; JSONL ≤ 2.5 s and
≤ 400 MB with DuckDB, ≤ 12 s and ≤ 150 MB streaming.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TABLE = "tagsmoke_audit_bench"
SERVICES = (
    ("search-api", "team-search", "semantic-search", "chat", 30),
    ("support-bot", "team-support", "support-triage", "chat", 20),
    ("batch-embedder", "team-search", "doc-indexing", "embedding", 12),
    ("eval-runner", "team-support", "answer-quality", "chat", 10),
    ("platform-gateway", "platform-shared", "internal-ops", "chat", 8),
    ("legacy-script", None, "reports", "completion", 5),
    ("docs-assistant", "team-docs", "doc-qa", "chat", 10),
    ("ranker", "team-search", "rerank", "rerank", 5),
)
ENVIRONMENTS = (
    ("production", 55),
    ("staging", 15),
    ("development", 8),
    ("evaluation", 6),
    ("internal-tooling", 4),
    (None, 5),
    ("prd", 4),
    ("live", 2),
    ("qa", 1),
)
DAYS = [f"2026-11-{day:02d}" for day in range(21, 28)]
POLICY = """\
endpoint: http://127.0.0.1:9
credential: <API_KEY_PLACEHOLDER>
policy:
  owners: {team-search: search-oncall, team-support: support-leads, team-docs: docs-leads,
           platform-shared: platform-finops}
  shared_owners: [platform-shared]
audit:
  window: {since: "2026-11-21T00:00:00Z", until: "2026-11-28T00:00:00Z"}
"""


def generate(count: int, seed: int = 1) -> Any:
    """``count`` records: (id, correlation_id, received_at, tags, service, class, tokens)."""
    rng = random.Random(seed)
    services = [s for s in SERVICES for _ in range(s[4])]
    environments = [e for e, w in ENVIRONMENTS for _ in range(w)]
    for number in range(1, count + 1):
        service, owner, use_case, request_class, _ = rng.choice(services)
        tags: dict[str, str] = {"use_case": use_case}
        if owner and rng.random() > 0.01:
            tags["owner"] = owner
        environment = rng.choice(environments)
        if environment:
            tags["environment"] = environment
        seconds = rng.randrange(86_400)
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        stamp = f"{rng.choice(DAYS)}T{clock}+00:00"
        correlation_id = f"c{number:08d}" if rng.random() > 0.002 else None
        yield (
            number,
            correlation_id,
            stamp,
            json.dumps(tags),
            service,
            request_class,
            rng.randint(10, 2000),
        )


def write_sqlite(path: Path, count: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute(
        "CREATE TABLE request_log (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at "
        "TEXT, tags TEXT, service TEXT, request_class TEXT, total_tokens INTEGER)"
    )
    conn.executemany("INSERT INTO request_log VALUES (?, ?, ?, ?, ?, ?, ?)", generate(count))
    conn.commit()
    conn.close()


def write_postgres(count: int) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(
            f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at "
            "TEXT, tags JSONB, service TEXT, request_class TEXT, total_tokens INTEGER)"
        )
        with conn.cursor() as cursor, cursor.copy(f"COPY {TABLE} FROM STDIN") as copy:
            for row in generate(count):
                copy.write_row(row)
        conn.execute(f"ANALYZE {TABLE}")


def write_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for number, correlation_id, stamp, tags, service, request_class, tokens in generate(count):
            stream.write(
                json.dumps(
                    {
                        "id": number,
                        "correlation_id": correlation_id,
                        "received_at": stamp,
                        "tags": json.loads(tags),
                        "service": service,
                        "request_class": request_class,
                        "total_tokens": tokens,
                        "source_record": f"request_log:{number}",
                        "model": "reference-model",
                        "status": 200,
                        "response_cost": tokens * 1.5e-06,
                    }
                )
                + "\n"
            )


SOURCES = {
    "sqlite": "  source:\n    kind: sql\n    url: sqlite:///bench.sqlite\n    table: request_log\n"
    "    fields: {service: service, request_class: request_class, tokens: total_tokens}\n",
    "postgres": f"  source:\n    kind: sql\n    url: {POSTGRES_URL}\n    table: {TABLE}\n"
    "    fields: {owner: \"tags ->> 'owner'\", environment: \"tags ->> 'environment'\", "
    "use_case: \"tags ->> 'use_case'\", service: service, request_class: request_class, "
    "tokens: total_tokens}\n",
    "jsonl-duckdb": "  source:\n    kind: jsonl\n    path: {file}\n    engine: duckdb\n"
    "    fields: {service: service, request_class: request_class, tokens: total_tokens}\n",
    "jsonl-streaming": "  source:\n    kind: jsonl\n    path: {file}\n    engine: streaming\n"
    "    fields: {service: service, request_class: request_class, tokens: total_tokens}\n",
}

CHILD = """
import json, os, resource, sys, time
from pathlib import Path
from pytest_tagsmoke.audit.run import load, run_audit
from pytest_tagsmoke.audit.source import Reading, open_source
from pytest_tagsmoke.audit.sample import production_values
import datetime as dt
profile, config = load(Path(sys.argv[1]))
window = config.window(dt.datetime.now(dt.timezone.utc))
reading = Reading(window, config.seed, production_values(profile.policy), 30)

def server_cpu(source):
    # CPU seconds of the PostgreSQL backend serving the census (same machine), else 0.
    try:  # the connection wrapper is private: a benchmark may look, the code may not
        pid = source._db.rows("SELECT pg_backend_pid()")[0][0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:
        return 0.0
start = time.perf_counter()
cpu = time.process_time()
source = open_source(config.source, reading, profile.base_dir)
server = server_cpu(source)
groups = source.groups()
census_s = time.perf_counter() - start
census_cpu = time.process_time() - cpu + server_cpu(source) - server
records = sum(g.records for g in groups)
rows = source.notes.rows_fetched
source.close()
start = time.perf_counter()
cpu = time.process_time()
result = run_audit(profile, config)
audit_s = time.perf_counter() - start
audit_cpu = time.process_time() - cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# The streaming reader's worker process (the second part of a large JSONL file), if any.
worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"census_s": census_s, "census_cpu": census_cpu, "audit_s": audit_s,
                  "audit_cpu": audit_cpu,
                  "records": records, "census_rows": rows,
                  "audit_rows": result.summary["source"]["rows_fetched"],
                  "peak_mb": peak_mb, "worker_mb": worker_mb}))
"""


def measure(folder: Path, kind: str, file: str = "") -> dict[str, Any]:
    profile = folder / f"{kind}.yaml"
    profile.write_text(POLICY + SOURCES[kind].replace("{file}", file))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(profile)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def show(label: str, figures: dict[str, Any]) -> None:
    print(
        f"| {label} | {figures['records']:,} | {figures['census_s']:.2f} | "
        f"{figures['census_cpu']:.2f} | {os.getloadavg()[0]:.1f} | "
        f"{figures['audit_s']:.2f} | {figures['audit_cpu']:.2f} | "
        f"{figures['census_rows']:,} | {figures['audit_rows']:,} | "
        f"{figures['peak_mb']:.0f}"
        + (f" + worker {figures['worker_mb']:.0f}" if figures["worker_mb"] else "")
        + " |",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--grow", default="", help="comma-separated larger JSONL sizes")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-jsonl", action="store_true")
    parser.add_argument("--skip-sql", action="store_true", help="JSONL only")
    parser.add_argument(
        "--keep-postgres", action="store_true", help="reuse the table of an earlier run"
    )
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep files in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="tagsmoke-audit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; records: {args.records:,}"
    )
    print(
        "| store | records in window | census wall (s) | census CPU (s) | "
        "load average | audit wall: census + sample (s) | audit CPU (s) | census rows fetched | "
        "audit rows fetched | peak memory (MB) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    if not args.skip_sql and not args.skip_sqlite:
        if not (folder / "bench.sqlite").exists():
            write_sqlite(folder / "bench.sqlite", args.records)
        show("SQLite", measure(folder, "sqlite"))
    if not args.skip_postgres and not args.skip_sql:
        if not args.keep_postgres:
            write_postgres(args.records)
        show("PostgreSQL", measure(folder, "postgres"))
    sizes = [] if args.skip_jsonl else [args.records]
    sizes += [int(s) for s in args.grow.split(",") if s]
    for size in sizes:
        file = f"bench-{size}.jsonl"
        if not (folder / file).exists():
            write_jsonl(folder / file, size)
        mb = (folder / file).stat().st_size / 1e6
        show(f"JSONL, DuckDB ({mb:.0f} MB file)", measure(folder, "jsonl-duckdb", file))
        show(f"JSONL, streaming ({mb:.0f} MB file)", measure(folder, "jsonl-streaming", file))
    print(f"files in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
