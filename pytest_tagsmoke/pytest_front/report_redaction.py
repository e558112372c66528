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

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.yaml_loader import load_yaml
from pytest_tagsmoke.pytest_front.report_cleaning import (
    FIXED_FIELDS,
    TextCleaner,
    clean_report,
    clean_text,
    scrub_in_place,
    scrub_smoke_record,
)
from pytest_tagsmoke.safety.redaction import Redactor, url_secrets

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from pytest_tagsmoke.files.profile import Profile

__all__ = [
    "FIXED_FIELDS",
    "HTTP_CLIENT_LOGGERS",
    "RedactionPlugin",
    "SecretLogFilter",
    "clean_report",
    "clean_text",
    "scrub_in_place",
    "scrub_smoke_record",
]


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
        self._cleaners: dict[Redactor, TextCleaner] = {}
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
            self._cleaners.clear()

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
            _make_room(self._per_headers)
            self._per_headers[values] = self.redactor.with_secrets(values)
        return self._per_headers[values]

    def cleaner_for(self, item: pytest.Item | None) -> TextCleaner:
        """The cleaner of :meth:`redactor_for`'s redactor. Cleaners are kept by their
        redactor: one that knows another secret (a new endpoint's, another item's) gets
        its own, with nothing remembered."""
        redactor = self.redactor if item is None else self.redactor_for(item)
        cleaner = self._cleaners.get(redactor)
        if cleaner is None:
            _make_room(self._cleaners)
            cleaner = self._cleaners[redactor] = TextCleaner(redactor)
        return cleaner

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
        clean_report(report, self.cleaner_for(item))
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        clean_report(report, self.cleaner_for(None))
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_internalerror(self, excrepr: object) -> None:
        """Scrub an internal error's traceback before the terminal prints it."""
        scrub_in_place(excrepr, lambda text: clean_text(text, self.redactor))


#: At most this many redactors (and cleaners) kept for items' own secrets; the oldest goes.
KEPT_PER_ITEM_SECRETS = 16


def _make_room(kept: dict[Any, Any]) -> None:
    if len(kept) >= KEPT_PER_ITEM_SECRETS:
        del kept[next(iter(kept))]
