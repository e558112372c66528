"""``python -m pytest_tagsmoke.reference``: run the reference gateway in the foreground.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

from pytest_tagsmoke.reference import Faults, ReferenceGateway


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_tagsmoke.reference", description=__doc__
    )
    parser.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 (default 8787)")
    parser.add_argument(
        "--db",
        type=Path,
        default=Path("tagsmoke-reference.sqlite"),
        help="SQLite log store file (default tagsmoke-reference.sqlite)",
    )
    parser.add_argument(
        "--ingest-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="delay before a request's record is written",
    )
    parser.add_argument(
        "--drop-header",
        metavar="DIMENSION",
        default=None,
        help="fault: ignore this dimension's x-tag-* header",
    )
    parser.add_argument(
        "--fail-closed",
        action="store_true",
        help="refuse requests that lack a required tag (HTTP 400)",
    )
    parser.add_argument(
        "--jsonl",
        type=Path,
        default=None,
        metavar="PATH",
        help="also append every record to this JSONL file",
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        metavar="URL",
        help="also copy every record into PostgreSQL (needs psycopg)",
    )
    args = parser.parse_args(argv)
    gateway = ReferenceGateway(
        args.db,
        port=args.port,
        ingest_delay=args.ingest_delay,
        faults=Faults(drop_header=args.drop_header),
        fail_closed=args.fail_closed,
        jsonl_path=args.jsonl,
        postgres_url=args.postgres_url,
    )
    with gateway:
        print(
            f"reference gateway at {gateway.url} (log store {args.db}); Ctrl-C stops it", flush=True
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
