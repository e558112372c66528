"""``tagsmoke audit``: the census and the sample without pytest.

Exit status: 0 every check holds, 1 a check fails, 2 bad usage, bad files or a store that
cannot be read (a setup problem, never a verdict).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import PROFILE_FILENAME

if TYPE_CHECKING:
    import argparse
    import datetime as dt

    from pytest_tagsmoke.safety.redaction import Redactor

EXIT_HOLDS, EXIT_FAILS, EXIT_USAGE = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser(
        "audit",
        help="audit the tagging of real traffic in the log store (census and sample)",
        description="Classify every record of the window with the profile's tag policy "
        "(counts, reasons, coverage per dimension, drift, per service and request class), "
        "draw the seeded stratified sample and write audit_summary.json, audit_sample.jsonl, "
        "coverage_by_dimension.csv, drift.csv and summary.md. Exit status: 0 every check "
        "holds, 1 a check fails, 2 bad usage, files or store.",
    )
    audit.add_argument("--profile", type=Path, default=None, help=f"default ./{PROFILE_FILENAME}")
    audit.add_argument("--since", default=None, metavar="TIME", help="ISO 8601 (UTC by default)")
    audit.add_argument("--until", default=None, metavar="TIME", help="ISO 8601 (UTC by default)")
    audit.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the audit files (default: a new run folder under the profile's "
        "artifacts folder)",
    )
    audit.add_argument(
        "--print-sql",
        default=None,
        metavar="DIALECT",
        help="print the census query rendered for DIALECT (sqlite, postgres, clickhouse, "
        "bigquery, trino, duckdb, …) and exit; nothing is read",
    )


def _time(text: str | None, name: str) -> dt.datetime | None:
    from pytest_tagsmoke.audit.window import parse_time

    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise SystemExit(
            _usage(f"--{name} {text!r} is not an ISO 8601 time (e.g. 2026-11-27T00:00:00Z)")
        ) from None


def _usage(message: str) -> int:
    print(f"tagsmoke audit: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from pytest_tagsmoke.audit.outputs import guard_pricing, write_outputs
    from pytest_tagsmoke.audit.run import audit_redactor, load, run_audit
    from pytest_tagsmoke.audit.source import AuditStoreError
    from pytest_tagsmoke.reports.artifacts import artifacts_folder_problem, new_run_id

    profile_path: Path = args.profile or Path(PROFILE_FILENAME)
    if not profile_path.is_file():
        return _usage(f"{profile_path}: no such profile (pass --profile PATH)")
    try:
        since, until = _time(args.since, "since"), _time(args.until, "until")
    except SystemExit as exc:
        return int(exc.code or EXIT_USAGE)
    if since and until and since >= until:
        return _usage("--since must be before --until")
    try:
        profile, config = load(profile_path)
    except TagsmokeFileError as exc:
        print(exc, file=sys.stderr)
        return _usage("the profile is not valid (see above)")
    redactor = audit_redactor(profile, config)
    if args.print_sql:
        return _print_sql(profile, config, args.print_sql, since, until, redactor)
    run_id = new_run_id()
    folder = args.out or profile.base_dir / profile.artifacts / run_id
    problem = artifacts_folder_problem(folder)
    if problem:
        return _usage(f"--out: {problem}; pass --out with a folder that can be written")
    try:
        result = run_audit(profile, config, since=since, until=until, run_id=run_id)
    except AuditStoreError as exc:
        return _usage(f"setup error, nothing was judged: {redactor.scrub(str(exc))}")
    guard_pricing(result)
    try:
        write_outputs(result, folder)
    except OSError as exc:
        reason = redactor.scrub(f"{exc.strerror or exc}")
        return _usage(f"cannot write the audit files in {folder}: {reason}")
    summary = result.summary
    print(
        f"tagsmoke audit: {summary['records_in_window']} records from "
        f"{summary['window']['since']} to {summary['window']['until']} "
        f"({summary['source']['engine']}, {summary['source']['rows_fetched']} rows fetched)"
    )
    for check in result.checks:
        mark = "ok  " if check.passed else "FAIL"
        first, *rest = check.message.splitlines()
        print(f"  {mark} {check.name}: {first}")
        for line in rest:
            print(f"       {line}")
    print(f"tagsmoke audit: files in {folder}")
    return EXIT_HOLDS if result.passed else EXIT_FAILS


def _print_sql(
    profile: object,
    config: object,
    dialect: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    redactor: Redactor,
) -> int:
    import datetime as dt

    import sqlglot

    from pytest_tagsmoke.audit.config import AuditConfig
    from pytest_tagsmoke.audit.source import AuditStoreError
    from pytest_tagsmoke.audit.source_config import read_dimensions
    from pytest_tagsmoke.audit.sql_census import build_query

    assert isinstance(config, AuditConfig)
    if config.source.kind != "sql":
        return _usage("--print-sql needs a sql source (audit.source.kind: sql)")
    try:
        sqlglot.Dialect.get_or_raise(dialect.lower())
    except ValueError:
        return _usage(f"unknown SQL dialect {dialect!r}")
    window = config.window(dt.datetime.now(dt.timezone.utc), since, until)
    try:
        query = build_query(config.source, window, config.seed, read_dimensions(config.source))
    except AuditStoreError as exc:
        return _usage(redactor.scrub(str(exc)))
    print(query.groups().sql(dialect=dialect.lower(), pretty=True) + ";")
    return EXIT_HOLDS
