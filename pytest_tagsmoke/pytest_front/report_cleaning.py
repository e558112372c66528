"""What the redaction plugin does to one report: scrub secrets, withhold amounts.

A scenario's three reports (setup, call, teardown) carry the same location and the same
user properties, and scenarios share most property values (the date, the owner, the
environment, the result): a :class:`TextCleaner` cleans each distinct short text once for
its redactor. Both steps are pure functions of the text and the redactor's secrets, so a
remembered answer is the answer; a redactor that learns a secret is a new redactor, with a
new cleaner and nothing remembered.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import BUCKETS
from pytest_tagsmoke.records.smoke_record import SmokeRecord
from pytest_tagsmoke.safety.pricing_guard import withhold_amounts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from pytest_tagsmoke.safety.redaction import Redactor

#: Texts up to this length are remembered (locations, property values, short messages);
#: longer ones (tracebacks, captured output) are cleaned each time.
REMEMBERED_LENGTH = 256
#: At most this many texts remembered per cleaner; the oldest is forgotten first.
REMEMBERED_TEXTS = 1024


class TextCleaner:
    """Cleans text for one :class:`Redactor`: without its secrets and without price or
    currency amounts; each distinct short text once."""

    def __init__(self, redactor: Redactor, remembered: int = REMEMBERED_TEXTS) -> None:
        self.redactor = redactor
        self._limit = remembered
        self._cleaned: dict[str, str] = {}
        self._withheld: dict[str, str] = {}

    def clean(self, text: str) -> str:
        """``text`` without secrets and without amounts."""
        return self._remembered(self._cleaned, text, self._clean_now)

    def withhold(self, text: str) -> str:
        """``text`` without amounts (a field of the record's fixed vocabulary)."""
        return self._remembered(self._withheld, text, withhold_amounts)

    def remembered(self) -> int:
        """How many texts are remembered (for both kinds of cleaning)."""
        return len(self._cleaned) + len(self._withheld)

    def _clean_now(self, text: str) -> str:
        return clean_text(text, self.redactor)

    def _remembered(self, known: dict[str, str], text: str, clean: Callable[[str], str]) -> str:
        cleaned = known.get(text)
        if cleaned is None:
            cleaned = clean(text)
            if cleaned == text:
                cleaned = text  # the same object: reports kept to the run's end share it
            if len(text) <= REMEMBERED_LENGTH:
                if len(known) >= self._limit:
                    del known[next(iter(known))]
                known[text] = cleaned
        return cleaned


def clean_text(text: str, redactor: Redactor) -> str:
    """``text`` without secrets and without price or currency amounts."""
    return withhold_amounts(redactor.scrub(text))


def scrub_in_place(value: object, clean: Callable[[str], str], depth: int = 0) -> object:
    """``value`` with every string it holds cleaned; objects (pytest's traceback
    representations) are changed in place, so their formatting is kept."""
    if isinstance(value, str):
        return clean(value)
    if depth > 12:
        return value
    if isinstance(value, list):
        value[:] = [scrub_in_place(v, clean, depth + 1) for v in value]
        return value
    if isinstance(value, tuple):
        return tuple(scrub_in_place(v, clean, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: scrub_in_place(v, clean, depth + 1) for k, v in value.items()}
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict) and type(value).__module__.startswith("_pytest"):
        for name, item in list(attributes.items()):
            object.__setattr__(value, name, scrub_in_place(item, clean, depth + 1))
    return value


def clean_report(report: pytest.TestReport | pytest.CollectReport, cleaner: TextCleaner) -> None:
    """Scrub ``report`` in place: failure text, sections, properties, smoke record, dry run."""
    clean, redactor = cleaner.clean, cleaner.redactor
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        path, line, reason = longrepr
        report.longrepr = (path, line, clean(reason))
    elif longrepr is not None:
        text = str(longrepr)
        cleaned = clean(text)
        if cleaned != text:
            # Scrub pytest's representation in place (it keeps its layout and the short
            # summary's crash line); whatever that misses is replaced by the clean text.
            scrub_in_place(longrepr, clean)
            if str(longrepr) != cleaned:
                report.longrepr = cleaned
    if report.sections:
        report.sections = [(t, clean(body)) for t, body in report.sections]
    if isinstance(report, pytest.TestReport):
        file, number, where = report.location
        cleaned = clean(where)
        if cleaned is not where:
            report.location = (file, number, cleaned)
        _clean_properties(report, cleaner)
    record = getattr(report, "tagsmoke_record", None)
    if isinstance(record, dict) and redactor and _holds_a_secret(record, redactor):
        # Secrets only: amounts in artifacts are the pricing guard's to find and fail on.
        scrubbed = scrub_smoke_record(SmokeRecord.from_json_dict(record), redactor.scrub)
        report.tagsmoke_record = scrubbed.to_json_dict()  # type: ignore[union-attr]
    dry_run = getattr(report, "tagsmoke_dry_run", None)
    if isinstance(dry_run, str):
        report.tagsmoke_dry_run = clean(dry_run)  # type: ignore[union-attr]


def _clean_properties(report: pytest.TestReport, cleaner: TextCleaner) -> None:
    # A scenario's seed fields from the record's fixed vocabulary (its date, result and
    # reason) are no secret, and a secret that is an ordinary word must not garble them.
    fixed = FIXED_FIELDS if getattr(report, "tagsmoke_scenario", False) else frozenset()
    properties = [
        (
            name,
            (cleaner.withhold(value) if name in fixed else cleaner.clean(value))
            if isinstance(value, str)
            else value,
        )
        for name, value in report.user_properties
    ]
    # A list with nothing to clean stays as it is: pytest keeps every report to the
    # run's end, and the item's own list is shared by its reports.
    if properties != list(report.user_properties):
        report.user_properties = properties


def _strings(value: Any) -> Iterator[str]:
    """Every string value in a JSON-like value (mapping keys left out)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _strings(inner)


def _holds_a_secret(record: dict[str, Any], redactor: Redactor) -> bool:
    """Whether one of ``record``'s string values holds a secret ``redactor`` knows: the
    record is scrubbed field by field only then."""
    text = "\n".join(_strings(record))
    return redactor.scrub(text) != text


#: The smoke record's fields the harness fills from its own fixed vocabulary (a date, the run
#: id, enum values, yes/no, counts): never a secret, and their values must stay valid.
FIXED_FIELDS = frozenset(
    {
        "audit_date",
        "result",
        "failure_reason",
        "path",
        "http_status",
        "tag_found_in_log",
        "untagged_bucket_incremented",
        "counter_expected",
        "token_usage_reported",
        "detected_reason",
        "retry_count",
        "run_id",
    }
)
_REASONS = frozenset(r.value for r in FailureReason)


def scrub_smoke_record(record: SmokeRecord, scrub: Callable[[str], str]) -> SmokeRecord:
    """``record`` with ``scrub`` applied to its free text only: never to a field name, a
    mapping key (a dimension, a ledger column), a tag's ``attach`` (how the profile sends it),
    a failure reason or another word of :data:`FIXED_FIELDS`. A secret that is an ordinary
    word (``missing``, ``owner``) so never breaks the record."""

    def text(value: str | None) -> str | None:
        return None if value is None else scrub(value)

    def values(mapping: Mapping[str, str | None]) -> dict[str, str | None]:
        return {key: text(value) for key, value in mapping.items()}

    def problem(line: str) -> str:
        reason, colon, detail = line.partition(": ")
        if colon and (reason in _REASONS or reason == "not verified"):
            return f"{reason}: {scrub(detail)}"
        return scrub(line)

    name, _, line = record.scenario_file.rpartition(":")
    return dataclasses.replace(
        record,
        service_owner=text(record.service_owner),
        environment_value=text(record.environment_value),
        request_class=scrub(record.request_class),
        correlation_id=scrub(record.correlation_id),
        source_record=text(record.source_record),
        follow_up_owner=scrub(record.follow_up_owner),
        mapped_owner=None
        if record.mapped_owner is None
        else {key: scrub(value) for key, value in record.mapped_owner.items()},
        scenario=scrub(record.scenario),
        scenario_id=scrub(record.scenario_id),
        scenario_file=f"{scrub(name)}:{line}",
        attribution_fields={
            dimension: {"value": scrub(spec["value"]), "attach": spec["attach"]}
            for dimension, spec in record.attribution_fields.items()
        },
        tags_in_log=values(record.tags_in_log),
        drift={key: scrub(value) for key, value in record.drift.items()},
        request_class_in_log=text(record.request_class_in_log),
        bucket=record.bucket if record.bucket in BUCKETS else text(record.bucket),
        problems=tuple(problem(p) for p in record.problems),
        lookup_id=text(record.lookup_id),
        endpoint=scrub(record.endpoint),
    )
