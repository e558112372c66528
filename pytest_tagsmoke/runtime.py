"""What one run needs to send and verify: endpoint, HTTP client, log store, artifacts.

Made lazily, before the first scenario is sent, so ``--collect-only`` starts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from pytest_tagsmoke._redact import redact_url, scrub
from pytest_tagsmoke.errors import SetupError
from pytest_tagsmoke.logstore import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.http import HttpLogStore
from pytest_tagsmoke.poll import wait_for_record
from pytest_tagsmoke.send import PreparedRequest, build_request, new_correlation_id, send

if TYPE_CHECKING:
    from pytest_tagsmoke.artifacts import RunArtifacts
    from pytest_tagsmoke.profile import Profile
    from pytest_tagsmoke.scenario import Scenario


@dataclass
class Dispatch:
    """A scenario's request, its answer and the log record found for it (the sending step)."""

    request: PreparedRequest
    status: int | None = None
    retry_count: int = 0
    counts_before: dict[str, int] | None = None
    counts_after: dict[str, int] | None = None
    record: LogRecord | None = None
    setup_problem: str | None = None
    response_text: str = ""


class Runtime:
    def __init__(self, profile: Profile, artifacts: RunArtifacts) -> None:
        self.profile = profile
        self.artifacts = artifacts
        self.client = httpx.Client(timeout=profile.request_timeout)
        self.store = HttpLogStore(profile.log_store, profile.endpoint, self.client)
        self.endpoint_shown = redact_url(profile.endpoint)

    def secrets(self) -> list[str]:
        return [self.profile.credential, *self.profile.log_store.headers.values()]

    def scrub(self, text: str) -> str:
        return scrub(text, self.secrets())

    def dispatch(self, scenario: Scenario) -> Dispatch:
        """Send ``scenario``'s request and wait for its log record.

        Transport and log-store trouble is caught into ``setup_problem``; it is a problem of
        the run's setup, never a tagging verdict.
        """
        request = build_request(
            self.profile, scenario, new_correlation_id(self.profile.correlation_prefix)
        )
        dispatch = Dispatch(request)
        try:
            if scenario.expect.untagged_count == "increments":
                dispatch.counts_before = self.store.bucket_counts()
            try:
                sent = send(self.client, request)
            except httpx.TransportError as exc:
                raise SetupError(
                    f"the gateway at {self.endpoint_shown} is unreachable: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            dispatch.status, dispatch.retry_count = sent.status, sent.retry_count
            dispatch.response_text = sent.text
            if scenario.expect.expects_record and sent.status is not None and sent.status < 500:
                dispatch.record = wait_for_record(
                    self.store, request.correlation_id, self.profile.poll
                ).record
            if dispatch.counts_before is not None:
                dispatch.counts_after = self.store.bucket_counts()
        except (SetupError, LogStoreError) as exc:
            dispatch.setup_problem = self.scrub(str(exc))
        return dispatch

    def close(self) -> None:
        self.client.close()
        self.artifacts.close()
