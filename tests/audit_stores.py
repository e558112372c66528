"""Generated log stores whose composition is known, for the audit's exact-count tests.

Each row of ``COMPOSITION`` is a run of identical records; the expected figures in
``EXPECTED`` were worked out by hand from this table (see the comments), not computed by
the code under test.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

SINCE = "2026-11-25T00:00:00Z"
UNTIL = "2026-11-28T00:00:00Z"


@dataclass(frozen=True)
class Run:
    label: str
    n: int
    service: str | None
    request_class: str
    owner: str | None
    environment: str | None
    use_case: str | None
    day: str | None  # None: no timestamp
    tokens: int | None
    has_id: bool = True


COMPOSITION = (
    Run(
        "A clean prod",
        50,
        "search-api",
        "chat",
        "team-search",
        "production",
        "semantic-search",
        "2026-11-25",
        10,
    ),
    Run(
        "B clean staging",
        30,
        "search-api",
        "chat",
        "team-search",
        "staging",
        "semantic-search",
        "2026-11-26",
        10,
    ),
    Run(
        "C clean prod",
        20,
        "support-bot",
        "chat",
        "team-support",
        "production",
        "support-triage",
        "2026-11-25",
        20,
    ),
    Run(
        "D no environment",
        8,
        "support-bot",
        "chat",
        "team-support",
        None,
        "support-triage",
        "2026-11-26",
        5,
    ),
    Run(
        "E drift prd",
        6,
        "search-api",
        "embedding",
        "team-search",
        "prd",
        "semantic-search",
        "2026-11-27",
        4,
    ),
    Run(
        "F drift live",
        4,
        "search-api",
        "embedding",
        "team-search",
        "live",
        "semantic-search",
        "2026-11-27",
        4,
    ),
    Run(
        "G unapproved qa",
        3,
        "batch-jobs",
        "embedding",
        "team-search",
        "qa",
        "semantic-search",
        "2026-11-26",
        2,
    ),
    Run(
        "H shared owner",
        5,
        "shared-infra",
        "chat",
        "platform-shared",
        "development",
        "internal-ops",
        "2026-11-25",
        3,
    ),
    Run("I no owner", 4, None, "chat", None, "production", "adhoc", "2026-11-26", 1),
    Run(
        "J unknown owner",
        2,
        "batch-jobs",
        "chat",
        "team-unknown",
        "staging",
        "reports",
        "2026-11-27",
        1,
    ),
    Run(
        "K no timestamp",
        3,
        "search-api",
        "chat",
        "team-search",
        "production",
        "semantic-search",
        None,
        10,
    ),
    Run(
        "L no id",
        2,
        "search-api",
        "chat",
        "team-search",
        "staging",
        "semantic-search",
        "2026-11-26",
        10,
        has_id=False,
    ),
    Run(
        "M no environment, no use case",
        1,
        "support-bot",
        "chat",
        "team-support",
        None,
        None,
        "2026-11-25",
        None,
    ),
    Run(
        "N before the window",
        10,
        "search-api",
        "chat",
        "team-search",
        "production",
        "semantic-search",
        "2026-11-20",
        10,
    ),
    Run(
        "O after the window",
        5,
        "support-bot",
        "chat",
        "team-support",
        "production",
        "support-triage",
        "2026-11-28",
        20,
    ),
)

# Worked out by hand from COMPOSITION (runs A..M are in the window, N and O are not).
EXPECTED: dict[str, Any] = {
    "records_in_window": 138,  # 50+30+20+8+6+4+3+5+4+2+3+2+1
    "tokens_in_window": 1357,  # 500+300+400+40+24+16+6+15+4+2+30+20+0
    "counts": {
        "clean": 100,  # A+B+C
        "missing_environment": 9,  # D+M
        "invalid_environment": 13,  # E+F+G
        "shared_cost_rule_needed": 5,  # H
        "other": 11,  # I, J (missing_owner); K, L (missing_trace)
    },
    "reasons": {
        "missing_environment": 9,
        "invalid_environment": 13,
        "missing_owner": 6,  # I+J
        "missing_trace": 5,  # K+L
        "shared_cost_rule_needed": 5,
        "tag_mismatch": 1,  # M lacks use_case
    },
    "buckets": {"attributed": 107, "untagged": 13, "quarantine": 13, "shared": 5},
    "coverage": {
        # owner valid: all but I (none) and J (unknown to the owner map): 132/138
        "owner": {
            "valid": 132,
            "percent": 95.65,
            "below_threshold": False,
            "valid_tokens": 1351,
            "percent_of_tokens": 99.56,
        },
        # environment approved: A B C H I J K L = 116/138
        "environment": {
            "valid": 116,
            "percent": 84.06,
            "below_threshold": True,
            "valid_tokens": 1271,
            "percent_of_tokens": 93.66,
        },
        # use_case present: all but M = 137/138
        "use_case": {
            "valid": 137,
            "percent": 99.28,
            "below_threshold": False,
            "valid_tokens": 1357,
            "percent_of_tokens": 100.0,
        },
    },
    "drift": [
        {
            "dimension": "environment",
            "value": "prd",
            "approved_value": "production",
            "records": 6,
            "tokens": 24,
        },
        {
            "dimension": "environment",
            "value": "live",
            "approved_value": "production",
            "records": 4,
            "tokens": 16,
        },
    ],
    "service_records": {
        "search-api": 95,
        "support-bot": 29,
        "batch-jobs": 5,
        "shared-infra": 5,
        "(none)": 4,
    },
    "request_class_records": {"chat": 125, "embedding": 13},
    "top_untagged_sources": [
        {"service": "support-bot", "request_class": "chat", "records": 9},
        {"service": "(none)", "request_class": "chat", "records": 4},
    ],
    # Per day (25th, 26th, 27th): shared-infra [5, 0, 0] and (none) [0, 4, 0] vary most,
    # both sqrt(2) = 1.414 times their mean; shared-infra has more records. (search-api
    # [50, 32, 10] 0.533, support-bot [21, 8, 0] 0.895, batch-jobs [0, 3, 2] 0.748, chat
    # [76, 44, 2] 0.745, embedding [0, 3, 10] 0.967.)
    "most_variable": {
        "kind": "service",
        "name": "shared-infra",
        "coefficient_of_variation": 1.414,
        "daily_records": {"2026-11-25": 5, "2026-11-26": 0, "2026-11-27": 0},
    },
    "production_records": 87,  # A C E F I K
}
MALFORMED_LINES = (b"{not json\n", b"[1, 2]\n", b"null\n", b"\n")
MALFORMED_COUNT = 3  # the blank line is not a record


def records() -> list[dict[str, Any]]:
    """Every record, as the reference gateway's JSONL copy would write it."""
    out: list[dict[str, Any]] = []
    row_id = 0
    for run in COMPOSITION:
        for i in range(run.n):
            row_id += 1
            tags = {
                k: v
                for k, v in (
                    ("owner", run.owner),
                    ("environment", run.environment),
                    ("use_case", run.use_case),
                )
                if v is not None
            }
            minute = i % 60
            out.append(
                {
                    "id": row_id,
                    "correlation_id": f"corr-{row_id:05d}" if run.has_id else None,
                    "received_at": (
                        f"{run.day}T{(i // 60) + 8:02d}:{minute:02d}:00+00:00" if run.day else None
                    ),
                    "tags": tags,
                    "service": run.service,
                    "request_class": run.request_class,
                    "total_tokens": run.tokens,
                    "response_cost": 0.002,  # gateways log one; the audit must never copy it
                    "source_record": f"request_log:{row_id}",
                }
            )
    return out


def write_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE request_log (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at "
        "TEXT, tags TEXT NOT NULL, service TEXT, request_class TEXT, total_tokens INTEGER, "
        "response_cost REAL)"
    )
    conn.executemany(
        "INSERT INTO request_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r["id"],
                r["correlation_id"],
                r["received_at"],
                json.dumps(r["tags"]),
                r["service"],
                r["request_class"],
                r["total_tokens"],
                r["response_cost"],
            )
            for r in records()
        ],
    )
    conn.commit()
    conn.close()


def write_postgres(url: str, table: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, correlation_id TEXT, received_at "
            "TEXT, tags JSONB NOT NULL, service TEXT, request_class TEXT, total_tokens INTEGER, "
            "response_cost DOUBLE PRECISION)"
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        r["id"],
                        r["correlation_id"],
                        r["received_at"],
                        json.dumps(r["tags"]),
                        r["service"],
                        r["request_class"],
                        r["total_tokens"],
                        r["response_cost"],
                    )
                    for r in records()
                ],
            )


def write_jsonl(path: Path, *, malformed: bool = True) -> None:
    with path.open("wb") as stream:
        for i, record in enumerate(records()):
            stream.write(json.dumps(record).encode() + b"\n")
            if malformed and i == 40:
                stream.writelines(MALFORMED_LINES)


CSV_COLUMNS = (
    "correlation_id",
    "received_at",
    "source_record",
    "owner",
    "environment",
    "use_case",
    "service",
    "request_class",
    "total_tokens",
)


def flat(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **{
            k: record[k]
            for k in (
                "correlation_id",
                "received_at",
                "source_record",
                "service",
                "request_class",
                "total_tokens",
            )
        },
        **{d: record["tags"].get(d) for d in ("owner", "environment", "use_case")},
    }


def write_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, CSV_COLUMNS)
        writer.writeheader()
        for record in records():
            writer.writerow({k: ("" if v is None else v) for k, v in flat(record).items()})


POLICY_YAML = """\
endpoint: http://127.0.0.1:9
credential: <API_KEY_PLACEHOLDER>
policy:
  dimensions: [owner, environment, use_case]
  owners:
    team-search: search-platform-oncall
    team-support: support-tools-leads
    platform-shared: platform-finops
  shared_owners: [platform-shared]
"""


def profile_text(source: str, *, seed: int = 13, extra: str = "") -> str:
    """A profile whose audit section reads ``source`` (YAML lines under ``source:``)."""
    indented = "".join(f"    {line}\n" for line in source.strip().splitlines())
    return (
        POLICY_YAML
        + "audit:\n"
        + f'  window: {{since: "{SINCE}", until: "{UNTIL}"}}\n'
        + f"  seed: {seed}\n"
        + extra
        + "  source:\n"
        + indented
    )


SQL_GROUP_FIELDS = "fields: {service: service, request_class: request_class, tokens: total_tokens}"
POSTGRES_FIELDS = (
    "fields: {owner: \"tags ->> 'owner'\", environment: \"tags ->> 'environment'\", "
    "use_case: \"tags ->> 'use_case'\", service: service, request_class: request_class, "
    "tokens: total_tokens}"
)
CSV_FIELDS = (
    "fields: {owner: owner, environment: environment, use_case: use_case, service: service, "
    "request_class: request_class, tokens: total_tokens}"
)


def write_parquet(csv_path: Path, parquet_path: Path) -> None:
    import duckdb

    with duckdb.connect() as conn:
        conn.execute(
            f"COPY (SELECT * FROM read_csv('{csv_path}', header = true)) "
            f"TO '{parquet_path}' (FORMAT parquet)"
        )
