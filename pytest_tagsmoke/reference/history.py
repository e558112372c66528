"""Fill the reference gateway's SQLite log store with a realistic, seeded traffic history,
so ``pytest --tagsmoke-audit`` and ``tagsmoke audit`` have real-looking records to audit.

Six calling services over the last days, each with its own habits: a clean search API;
a support bot whose deploy two days ago stopped sending the environment; a batch embedder
that hard-codes ``prd`` and runs a large backfill one night (the most variable volume);
an evaluation runner; the platform's shared gateway traffic (shared cost); and a legacy
script that sends no owner and sometimes no correlation id. Records are routed as the
reference gateway routes them and carry its made-up cost column, which an audit must never
copy.

``python -m pytest_tagsmoke.reference.history --db tagsmoke-reference.sqlite`` fills a file
and prints what it wrote.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pytest_tagsmoke.reference.routing import route
from pytest_tagsmoke.reference.settings import GatewayConfig
from pytest_tagsmoke.reference.store import LogStoreDB

_EXTRA_COLUMNS = (("service", "TEXT"), ("request_class", "TEXT"), ("total_tokens", "INTEGER"))
_COST_PER_TOKEN = 1.5e-06  # made up, like the gateway's own: never to reach an audit output


@dataclass(frozen=True)
class Habit:
    """How one service tags its requests; ``kind`` is what the history means it to be."""

    service: str
    owner: str | None
    use_case: str
    request_class: str
    share: float  # of the daily traffic


HABITS = (
    Habit("search-api", "team-search", "semantic-search", "chat", 0.40),
    Habit("support-bot", "team-support", "support-triage", "chat", 0.25),
    Habit("batch-embedder", "team-search", "doc-indexing", "embedding", 0.12),
    Habit("eval-runner", "team-support", "answer-quality", "chat", 0.10),
    Habit("platform-gateway", "platform-shared", "internal-ops", "chat", 0.08),
    Habit("legacy-script", None, "reports", "completion", 0.05),
)


def _tags(
    habit: Habit, day_index: int, days: int, rng: random.Random
) -> tuple[dict[str, str], str]:
    """The tags one request carries, and the kind of record it is meant to be."""
    tags: dict[str, str] = {"use_case": habit.use_case}
    if habit.owner:
        tags["owner"] = habit.owner
    if habit.service == "search-api":
        tags["environment"] = "production" if rng.random() < 0.7 else "staging"
        return tags, "clean"
    if habit.service == "support-bot":
        if day_index >= days - 2 and rng.random() < 0.6:  # the deploy that dropped a header
            return tags, "missing_environment"
        tags["environment"] = "production"
        return tags, "clean"
    if habit.service == "batch-embedder":
        tags["environment"] = "prd" if rng.random() < 0.5 else "production"
        return tags, ("invalid_environment" if tags["environment"] == "prd" else "clean")
    if habit.service == "eval-runner":
        tags["environment"] = "evaluation"
        return tags, "clean"
    if habit.service == "platform-gateway":
        tags["environment"] = "internal-tooling"
        return tags, "shared_cost_rule_needed"
    tags["environment"] = "production" if rng.random() < 0.5 else "live"
    return tags, "missing_owner"


def fill_history(
    db_path: Path,
    *,
    records: int = 3000,
    days: int = 7,
    seed: int = 1,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Append ``records`` records spread over the ``days`` days before ``now``; returns how
    many of each kind were written (``clean``, ``missing_environment``, …, ``missing_trace``)."""
    rng = random.Random(seed)
    end = now or dt.datetime.now(dt.timezone.utc)
    LogStoreDB(db_path).close()  # the gateway's own table, made if absent
    conn = sqlite3.connect(db_path)
    present = {row[1] for row in conn.execute("PRAGMA table_info(request_log)")}
    for name, kind in _EXTRA_COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE request_log ADD COLUMN {name} {kind}")
    config = GatewayConfig()
    written: Counter[str] = Counter()
    rows = []
    weights = [h.share for h in HABITS]
    for number in range(records):
        habit = rng.choices(HABITS, weights)[0]
        day_index = rng.randrange(days)
        if habit.service == "batch-embedder" and rng.random() < 0.6:
            day_index = days - 3  # the night of the backfill
        moment = (
            end - dt.timedelta(days=days - day_index) + dt.timedelta(seconds=rng.randrange(86_400))
        )
        moment = min(moment, end - dt.timedelta(seconds=1))
        tags, kind = _tags(habit, day_index, days, rng)
        correlation_id = f"hist-{seed}-{number:07d}"
        if habit.service == "legacy-script" and rng.random() < 0.3:
            correlation_id = ""  # sent without an id: the record cannot be traced
        bucket, reason, follow_up = route(dict(tags), config)
        tokens = (
            rng.randint(20, 1200) if habit.request_class != "embedding" else rng.randint(200, 4000)
        )
        written[kind] += 1
        if not correlation_id:
            written["missing_trace"] += 1
        rows.append(
            (
                correlation_id,
                f"chatcmpl-hist-{seed}-{number:07d}",
                moment.isoformat(),
                "POST",
                "/v1/embeddings" if habit.request_class == "embedding" else "/v1/chat/completions",
                200,
                "reference-model",
                json.dumps(tags),
                json.dumps(dict.fromkeys(tags, "header")),
                bucket,
                reason,
                follow_up,
                tokens * _COST_PER_TOKEN,
                habit.service,
                habit.request_class,
                tokens,
            )
        )
    conn.executemany(
        "INSERT INTO request_log (correlation_id, request_id, received_at, method, path, "
        "status, model, tags, tag_sources, bucket, reason, follow_up, response_cost, service, "
        "request_class, total_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()
    return dict(written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_tagsmoke.reference.history",
        description="Fill the reference gateway's SQLite log store with a seeded history.",
    )
    parser.add_argument("--db", type=Path, required=True, help="SQLite log store file")
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    written = fill_history(args.db, records=args.records, days=args.days, seed=args.seed)
    print(
        f"{args.records} records over {args.days} days in {args.db}: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(written.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
