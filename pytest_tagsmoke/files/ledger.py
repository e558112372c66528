"""The owner ledger: owner tag value -> team, cost center, budget owner, follow-up contact.

A YAML file (``owners: [{owner: ..., team: ...}]``) or a CSV file with the same columns,
named by the profile's ``policy.ledger``. Loading checks the schema and duplicates (errors);
:func:`review_warnings` names rows whose review is older than the allowed age.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.schema_check import schema_problems
from pytest_tagsmoke.files.yaml_loader import YamlMap, load_yaml, locate, read_text
from pytest_tagsmoke.policy.tag_policy import LedgerEntry

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

COLUMNS = ("owner", "team", "cost_center", "budget_owner", "follow_up", "last_reviewed", "retired")
#: The seed: "Mappings should be reviewed at least quarterly".
DEFAULT_REVIEW_MAX_AGE_DAYS = 92
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


def load_ledger(path: Path) -> dict[str, LedgerEntry]:
    """Owner -> entry; every problem (schema, duplicate owner) raised together."""
    document = _read_csv(path) if path.suffix.lower() == ".csv" else load_yaml(path)
    if isinstance(document, dict):
        for row in document.get("owners") or []:
            if isinstance(row, dict) and isinstance(row.get("last_reviewed"), dt.date):
                row["last_reviewed"] = row["last_reviewed"].isoformat()
    problems = schema_problems(document, "ledger.schema.json", path)
    if problems:
        raise TagsmokeFileError(problems)
    entries: dict[str, LedgerEntry] = {}
    for index, row in enumerate(document["owners"]):
        line, _column = locate(document, ["owners", index])
        where = f"{path.name}:{line}" if line else path.name
        owner = row["owner"]
        if owner in entries:
            problems.append(
                Problem(
                    path,
                    line,
                    None,
                    f"owners[{index}].owner",
                    f"owner {owner!r} is already mapped by the row at {entries[owner].where}",
                    "keep one row per owner tag value (retire the old row, edit the live one)",
                )
            )
            continue
        entries[owner] = LedgerEntry(
            owner=owner,
            team=row["team"],
            cost_center=row["cost_center"],
            budget_owner=row["budget_owner"],
            follow_up=row["follow_up"],
            last_reviewed=row["last_reviewed"],
            retired=bool(row.get("retired", False)),
            where=where,
        )
    if problems:
        raise TagsmokeFileError(problems)
    return entries


def _read_csv(path: Path) -> YamlMap:
    """The CSV rows as the YAML form, each row remembering its line for problems."""
    reader = csv.DictReader(io.StringIO(read_text(path)))
    document = YamlMap()
    document.line, document.column, document.key_marks = 1, 1, {}
    unknown = [c for c in reader.fieldnames or [] if c not in (*COLUMNS, "notes")]
    if unknown:
        raise TagsmokeFileError(
            [
                Problem(
                    path,
                    1,
                    None,
                    "",
                    f"unknown column(s) {', '.join(unknown)}",
                    f"use the columns {', '.join(COLUMNS)} (and notes)",
                )
            ]
        )
    rows: list[Any] = []
    for raw in reader:
        row = YamlMap()
        row.line, row.column, row.key_marks = reader.line_num, 1, {}
        for key, value in raw.items():
            if key is None or value is None:
                continue
            text = value.strip()
            if key == "retired":
                lowered = text.lower()
                row[key] = True if lowered in _TRUE else False if lowered in _FALSE else text
            elif text or key in ("owner", "team", "cost_center", "budget_owner", "follow_up"):
                row[key] = text
        rows.append(row)
    document["owners"] = rows
    return document


def review_warnings(
    path: Path,
    entries: Mapping[str, LedgerEntry],
    max_age_days: int = DEFAULT_REVIEW_MAX_AGE_DAYS,
    today: dt.date | None = None,
) -> list[Problem]:
    """A warning per live row last reviewed more than ``max_age_days`` ago."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    warnings: list[Problem] = []
    for entry in entries.values():
        if entry.retired:
            continue
        try:
            reviewed = dt.date.fromisoformat(entry.last_reviewed)
        except ValueError:
            line = _line(entry)
            warnings.append(
                Problem(path, line, None, "last_reviewed", f"{entry.last_reviewed!r} is no date")
            )
            continue
        age = (today - reviewed).days
        if age > max_age_days:
            warnings.append(
                Problem(
                    path,
                    _line(entry),
                    None,
                    f"{entry.owner}.last_reviewed",
                    f"owner {entry.owner!r} was last reviewed {age} days ago "
                    f"({entry.last_reviewed}; allowed: {max_age_days})",
                    "review the mapping with its budget owner and update last_reviewed "
                    "(policy.ledger_review_max_age_days sets the allowed age)",
                )
            )
    return warnings


def _line(entry: LedgerEntry) -> int | None:
    _name, _, line = entry.where.rpartition(":")
    return int(line) if line.isdigit() else None
