"""The one redaction path every report takes: registered next to the session plugin.

Every test and collection report passes through here before pytest's terminal writer, the
JUnit XML writer, pytest-xdist or the artifact writer sees it: its failure text, captured
sections, JUnit properties, smoke record and dry-run text are scrubbed of every secret the
run knows (see :class:`~pytest_tagsmoke.safety.redaction.Redactor`), and its failure text, sections
and properties of every price or currency amount (the pricing guard). Nothing depends on a
caller remembering to scrub.

The HTTP client's own log lines (httpx logs ``HTTP Request: POST <full URL>`` at INFO, httpcore
its traces at DEBUG) go to live logging and ``--log-file`` without passing through a report:
a :class:`logging.Filter` on those loggers scrubs each record's message first.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.yaml_loader import load_yaml
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import BUCKETS
from pytest_tagsmoke.records.smoke_record import SmokeRecord
from pytest_tagsmoke.safety.pricing_guard import withhold_amounts
from pytest_tagsmoke.safety.redaction import Redactor, url_secrets

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping

    from pytest_tagsmoke.files.profile import Profile


#: The loggers the HTTP client writes to. A filter on a logger sees only the records logged
#: on that very logger, not its children's, so httpcore's are named one by one.
HTTP_CLIENT_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


class SecretLogFilter(logging.Filter):
    """Replaces a log record's message by its scrubbed text (its arguments are merged in
    first, so a URL passed as an argument is scrubbed too)."""

    def __init__(self, redactor: Callable[[], Redactor]) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: its arguments are dropped unseen
            message = str(record.msg)
        record.msg = self._redactor().scrub(message)
        record.args = ()
        return True


class RedactionPlugin:
    """Scrubs every report of the run; built once from the profile.

    It also learns the endpoints the run sends to (``--tagsmoke-endpoint``, and whatever the
    ``pytest_tagsmoke_endpoint`` hook answers), so their URL secrets are scrubbed too.
    """

    def __init__(self, config: pytest.Config, profile: Profile) -> None:
        self.profile = profile
        self._endpoints: list[str] = []
        option = config.getoption("tagsmoke_endpoint", None)
        if option:
            self._endpoints.append(str(option))
        self.redactor = self._build()
        self._per_headers: dict[frozenset[str], Redactor] = {}
        self._file_headers: dict[Path, frozenset[str]] = {}
        self._log_filter = SecretLogFilter(lambda: self.redactor)

    def _build(self) -> Redactor:
        public = self.profile.public_query_params
        extra = [s for e in self._endpoints for s in url_secrets(e, public)]
        return Redactor([*self.profile.secrets(), *extra])

    def learn_endpoint(self, endpoint: str) -> None:
        """Also scrub the secrets ``endpoint``'s URL carries."""
        if endpoint and endpoint not in self._endpoints:
            self._endpoints.append(endpoint)
            self.redactor = self._build()
            self._per_headers.clear()

    def _file_secret_headers(self, path: object) -> frozenset[str]:
        """The ``secret_headers`` a scenario file lists (read once per file)."""
        if not isinstance(path, Path):
            return frozenset()
        if path not in self._file_headers:
            try:
                document = load_yaml(path)
            except TagsmokeFileError:
                document = None
            names = document.get("secret_headers") if isinstance(document, dict) else None
            self._file_headers[path] = frozenset(
                n.casefold() for n in names or () if isinstance(n, str)
            )
        return self._file_headers[path]

    def redactor_for(self, item: pytest.Item | None) -> Redactor:
        """The run's redactor, plus the values of the item's secret request headers (named
        secret by their name, the profile's ``secret_headers`` or the scenario file's)."""
        scenario = getattr(item, "scenario", None)
        headers = getattr(getattr(scenario, "request", None), "headers", None) or {}
        listed = self._file_secret_headers(getattr(scenario, "file", None)) if headers else ()
        values = frozenset(
            v
            for k, v in headers.items()
            if isinstance(v, str) and (self.profile.is_secret_header(k) or k.casefold() in listed)
        ) | frozenset(getattr(scenario, "secrets", tuple)())
        if not values:
            return self.redactor
        if values not in self._per_headers:
            self._per_headers[values] = self.redactor.with_secrets(values)
        return self._per_headers[values]

    # -- hooks ----------------------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        """Scrub the HTTP client's log records before any handler formats them."""
        for name in HTTP_CLIENT_LOGGERS:
            logging.getLogger(name).addFilter(self._log_filter)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        for name in HTTP_CLIENT_LOGGERS:
            logging.getLogger(name).removeFilter(self._log_filter)

    @pytest.hookimpl(wrapper=True)
    def pytest_tagsmoke_endpoint(self, config: pytest.Config) -> Generator[None, Any, Any]:
        endpoint = yield
        if isinstance(endpoint, str):
            self.learn_endpoint(endpoint)
        return endpoint

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        clean_report(report, self.redactor_for(item))
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        clean_report(report, self.redactor)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_internalerror(self, excrepr: object) -> None:
        """Scrub an internal error's traceback before the terminal prints it."""
        scrub_in_place(excrepr, lambda text: clean_text(text, self.redactor))


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


def clean_text(text: str, redactor: Redactor) -> str:
    """``text`` without secrets and without price or currency amounts."""
    return withhold_amounts(redactor.scrub(text))


def clean_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    """Scrub ``report`` in place: failure text, sections, properties, smoke record, dry run."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        path, line, reason = longrepr
        report.longrepr = (path, line, clean_text(reason, redactor))
    elif longrepr is not None:
        text = str(longrepr)
        cleaned = clean_text(text, redactor)
        if cleaned != text:
            # Scrub pytest's representation in place (it keeps its layout and the short
            # summary's crash line); whatever that misses is replaced by the clean text.
            scrub_in_place(longrepr, lambda value: clean_text(value, redactor))
            if str(longrepr) != cleaned:
                report.longrepr = cleaned
    if report.sections:
        report.sections = [(t, clean_text(body, redactor)) for t, body in report.sections]
    if isinstance(report, pytest.TestReport):
        report.location = (
            report.location[0],
            report.location[1],
            clean_text(report.location[2], redactor),
        )
        # A scenario's seed fields from the record's fixed vocabulary (its date, result and
        # reason) are no secret, and a secret that is an ordinary word must not garble them.
        fixed = FIXED_FIELDS if getattr(report, "tagsmoke_scenario", False) else frozenset()
        properties = [
            (
                name,
                (withhold_amounts(value) if name in fixed else clean_text(value, redactor))
                if isinstance(value, str)
                else value,
            )
            for name, value in report.user_properties
        ]
        # A list with nothing to clean stays as it is: pytest keeps every report to the
        # run's end, and the item's own list is shared by its reports.
        if properties != list(report.user_properties):
            report.user_properties = properties
    record = getattr(report, "tagsmoke_record", None)
    if isinstance(record, dict) and redactor:
        # Secrets only: amounts in artifacts are the pricing guard's to find and fail on.
        scrubbed = scrub_smoke_record(SmokeRecord.from_json_dict(record), redactor.scrub)
        report.tagsmoke_record = scrubbed.to_json_dict()  # type: ignore[union-attr]
    dry_run = getattr(report, "tagsmoke_dry_run", None)
    if isinstance(dry_run, str):
        report.tagsmoke_dry_run = clean_text(dry_run, redactor)  # type: ignore[union-attr]


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
