"""What one run needs to send and verify: endpoint, HTTP client, log store, artifacts.

Made lazily, before the first scenario is sent, so ``--collect-only`` starts nothing.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import jmespath

from pytest_tagsmoke._redact import redact_url, scrub, url_secrets
from pytest_tagsmoke.errors import SetupError
from pytest_tagsmoke.logstore import LogRecord, LogStore, LogStoreError, open_log_store
from pytest_tagsmoke.logstore.mapping import scalar
from pytest_tagsmoke.poll import wait_for_record
from pytest_tagsmoke.send import (
    PreparedRequest,
    SentRequest,
    build_request,
    new_correlation_id,
    send,
)

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
    lookup_id: str | None = None


class Runtime:
    def __init__(self, profile: Profile, artifacts: RunArtifacts) -> None:
        self.profile = profile
        self.artifacts = artifacts
        # TCP_NODELAY: small requests are not held back waiting for a delayed ACK.
        transport = httpx.HTTPTransport(
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        )
        self.client = httpx.Client(timeout=profile.request_timeout, transport=transport)
        self.endpoint_shown = redact_url(profile.endpoint)
        self._store: LogStore | None = None

    @property
    def store(self) -> LogStore:
        if self._store is None:
            self._store = open_log_store(
                self.profile.log_store,
                endpoint=self.profile.endpoint,
                base_dir=self.profile.base_dir,
                client=self.client,
                policy=self.profile.policy,
            )
        return self._store

    def secrets(self) -> list[str]:
        return [
            self.profile.credential,
            *self.profile.log_store.secrets(),
            *url_secrets(self.profile.endpoint),
        ]

    def scrub(self, text: str) -> str:
        return scrub(text, self.secrets())

    def lookup_id(self, request: PreparedRequest, sent: SentRequest) -> str | None:
        """The id the log store knows the request by (see ``correlation_id.source``)."""
        correlation = self.profile.correlation
        if correlation.source == "response_header" and correlation.response_header:
            wanted = correlation.response_header.lower()
            return next((v for k, v in sent.headers.items() if k.lower() == wanted), None)
        if correlation.source == "response_body" and correlation.response_path:
            return scalar(jmespath.search(correlation.response_path, sent.body))
        return request.correlation_id

    def dispatch(self, scenario: Scenario) -> Dispatch:
        """Send ``scenario``'s request and wait for its log record.

        Transport and log-store trouble is caught into ``setup_problem``; it is a problem of
        the run's setup, never a tagging verdict.
        """
        correlation = self.profile.correlation
        request = build_request(
            self.profile, scenario, new_correlation_id(correlation.prefix, correlation.format)
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
            dispatch.lookup_id = self.lookup_id(request, sent)
            # An answer other than the expected one (a 4xx, a 5xx after the retries) means
            # no record is coming: the verdict is gateway_error, not a wait for the deadline.
            if (
                scenario.expect.expects_record
                and dispatch.lookup_id is not None
                and sent.status is not None
                and scenario.expect.status_matches(sent.status)
            ):
                dispatch.record = wait_for_record(
                    self.store, dispatch.lookup_id, self.profile.poll
                ).record
            if dispatch.counts_before is not None:
                dispatch.counts_after = self.store.bucket_counts()
        except (SetupError, LogStoreError) as exc:
            dispatch.setup_problem = self.scrub(str(exc))
        return dispatch

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.client.close()
        self.artifacts.close()
