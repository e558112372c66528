"""The sending and finding steps of a run: build every request, send each once, and find
the records of those already sent while the rest are still being sent.

Made lazily, before the first scenario is sent, so ``--collect-only`` starts nothing. Knows
nothing of pytest: a second front end (the audit) can drive it too.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import socket
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx
import jmespath

from pytest_tagsmoke.errors import SetupError
from pytest_tagsmoke.logstore.mapping import scalar
from pytest_tagsmoke.logstore.open_store import open_log_store
from pytest_tagsmoke.policy.tag_policy import (
    expected_classification,
    normalizer,
)
from pytest_tagsmoke.safety.redaction import scrub
from pytest_tagsmoke.sending.deferred_transport import DeferredTransport
from pytest_tagsmoke.sending.dispatch import Dispatch
from pytest_tagsmoke.sending.finality import Finality
from pytest_tagsmoke.sending.finding import BatchFinding
from pytest_tagsmoke.sending.plain_http import PlainHttpTransport
from pytest_tagsmoke.sending.request import (
    RETRY_STATUSES,
    PreparedRequest,
    SendError,
    SentRequest,
    build_request,
    new_correlation_id,
    send,
)
from pytest_tagsmoke.sending.tls_trust import TrustOnFirstUse

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.logstore import LogStore
    from pytest_tagsmoke.logstore.poll import PollProgress

#: Seconds to open a connection (a closed or filtered port fails fast; the read waits
#: ``request_timeout``).
CONNECT_TIMEOUT = 5.0
#: A request's total budget (every attempt and every wait) is this many request timeouts.
BUDGET_FACTOR = 2.0


class Runtime:
    def __init__(self, profile: Profile, concurrency: int = 16) -> None:
        self.profile = profile
        #: Told after every poll tick how the wait for records stands (a progress line).
        self.on_poll_progress: Callable[[PollProgress], None] | None = None
        #: Requests to the gateway in flight at once.
        self.concurrency = max(1, concurrency)
        #: Whether bucket counters are read around a dispatch. Off where other senders'
        #: untagged requests may land between the two reads (pytest-xdist workers): the
        #: counts could grow without this run's request, so the check is not made.
        self.check_counters = True
        # One client for every send and poll: its pool keeps a connection alive for each
        # thread that may use it at once (sends and polls run side by side), so no request
        # pays a new TCP handshake. TCP_NODELAY: small requests are not held back waiting
        # for a delayed ACK. Plain http:// goes through the stdlib (PlainHttpTransport:
        # ~0.5 ms CPU per request at 16 threads, ~0.75 through httpcore); https and anything
        # unusual through httpcore. No proxy is read from the environment (a transport is
        # given: httpx's rule).
        # httpcore's transport is made (and imported) at the first request it carries.
        pooled = self.concurrency + self.poll_concurrency
        transport = DeferredTransport(
            lambda: httpx.HTTPTransport(
                verify=TrustOnFirstUse(ssl.PROTOCOL_TLS_CLIENT),
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                limits=httpx.Limits(max_connections=pooled, max_keepalive_connections=pooled),
            )
        )
        timeout = httpx.Timeout(
            profile.request_timeout, connect=min(CONNECT_TIMEOUT, profile.request_timeout)
        )
        self.client = httpx.Client(
            timeout=timeout,
            transport=transport,
            mounts={"http://": PlainHttpTransport(fallback=transport)},
        )
        self.endpoint_shown = profile.shown_endpoint()
        self._store: LogStore | None = None
        #: Every request sent (or being sent), in order: nothing sent is untraceable.
        self.sent: list[Dispatch] = []

    @property
    def poll_concurrency(self) -> int:
        """Log-store queries in flight at once (``poll.concurrency``)."""
        return self.profile.poll.concurrency

    @property
    def store(self) -> LogStore:
        if self._store is None:
            self._store = open_log_store(
                self.profile.log_store,
                endpoint=self.profile.endpoint,
                base_dir=self.profile.base_dir,
                client=self.client,
                normalize=normalizer(self.profile.policy),
                concurrency=self.poll_concurrency,
            )
        return self._store

    def store_notes(self) -> list[str]:
        """What the log store skipped (malformed lines), for the run's report."""
        return list(getattr(self._store, "skipped", ()))

    def scrub(self, text: str) -> str:
        return scrub(text, self.profile.secrets())

    def lookup_id(self, request: PreparedRequest, sent: SentRequest) -> str | None:
        """The id the log store knows the request by (see ``correlation_id.source``)."""
        correlation = self.profile.correlation
        if correlation.source == "response_header" and correlation.response_header:
            wanted = correlation.response_header.lower()
            # An empty value names nothing: the same as no header.
            return next((v for k, v in sent.headers.items() if k.lower() == wanted), None) or None
        if correlation.source == "response_body" and correlation.response_path:
            return scalar(jmespath.search(correlation.response_path, sent.body))
        return request.correlation_id

    def prepare(self, scenario: Scenario) -> Dispatch:
        """The planning step: the scenario's exact request (fresh correlation id) and the
        classification its tags should get. Sends nothing; :class:`SetupError` when the
        request cannot be built (e.g. a tag the profile says not how to attach)."""
        correlation = self.profile.correlation
        try:
            request = build_request(
                self.profile, scenario, new_correlation_id(correlation.prefix, correlation.format)
            )
        except SetupError:
            raise
        except Exception as exc:
            raise SetupError(
                self.scrub(f"the request cannot be built: {type(exc).__name__}: {_first_line(exc)}")
            ) from None
        expect = scenario.expect
        expected = expected_classification(
            scenario.tags, self.profile.policy, expect.bucket, expect.reason
        )
        return Dispatch(request, scenario=scenario, expected=expected)

    def send_one(self, dispatch: Dispatch) -> Dispatch:
        """The sending step: send the prepared request once (plus transport retries), note
        the id the store will know. Trouble with this scenario alone is its ``error``."""
        request, scenario = dispatch.request, dispatch.scenario
        self.sent.append(dispatch)
        # A status the scenario expects (e.g. 429) is its answer, not a reason to retry.
        retry = frozenset(s for s in RETRY_STATUSES if not scenario.expect.status_matches(s))
        try:
            sent = send(
                self.client,
                request,
                budget=BUDGET_FACTOR * self.profile.request_timeout,
                retry_statuses=retry,
            )
        except SendError as exc:
            dispatch.retry_count = exc.retry_count
            dispatch.setup_problem = self.scrub(
                f"the gateway at {self.endpoint_shown} is unreachable: {exc}"
            )
            return dispatch
        except Exception as exc:  # one scenario's trouble is its own error, nobody else's
            dispatch.error = self.scrub(
                f"the request cannot be sent: {type(exc).__name__}: {_first_line(exc)}"
            )
            return dispatch
        dispatch.status, dispatch.retry_count = sent.status, sent.retry_count
        dispatch.response_text = sent.text
        why = ""
        try:
            dispatch.lookup_id = self.lookup_id(request, sent)
        except jmespath.exceptions.JMESPathError as exc:  # the answer is not shaped so
            why = f" ({type(exc).__name__}: {_first_line(exc)})"
        if (
            dispatch.lookup_id is None
            and scenario.expect.expects_record
            and sent.status is not None
            and scenario.expect.status_matches(sent.status)
        ):
            # A record is expected but nothing names it: the store cannot be asked, so no
            # verdict about it (missing_trace) can be given either.
            dispatch.setup_problem = self.scrub(
                f"the gateway's answer carries no {self._id_location()}{why}: its record "
                "cannot be looked up (check correlation_id in the profile against the "
                "gateway's answer)"
            )
        return dispatch

    def _id_location(self) -> str:
        """Where ``correlation_id.source`` says the gateway's answer carries the id."""
        correlation = self.profile.correlation
        if correlation.source == "response_header":
            return f"{correlation.response_header} header (correlation_id.response_header)"
        return f"{correlation.response_path} field in its body (correlation_id.response_path)"

    def dispatch(self, scenario: Scenario) -> Dispatch:
        """Serial mode: send one scenario and wait for its record."""
        outcome = self.dispatch_all([scenario], concurrency=1)[0]
        if isinstance(outcome, SetupError):
            raise outcome
        return outcome

    def dispatch_all(
        self,
        scenarios: Sequence[Scenario],
        concurrency: int,
        on_final: Callable[[int, Dispatch | SetupError], None] | None = None,
        stop: threading.Event | None = None,
        on_progress: Callable[[PollProgress], None] | None = None,
    ) -> list[Dispatch | SetupError]:
        """Build every request first (a scenario whose request cannot be built gets its own
        :class:`SetupError`; the others are sent all the same), then send them
        (``concurrency`` at a time) while the records of those already answered are looked
        for; what is still missing when the last answer came is waited for together: a
        suite costs about one ingestion lag, not one per scenario.

        Bucket counters are read once before the dispatch and once after the records are
        found. A scenario's counter check passes when its bucket grew by at least the
        number of scenarios that expect that bucket. Transport and log-store trouble is
        caught into ``setup_problem``: a problem of the run's setup, never a verdict.

        ``on_final`` hears ``(position, outcome)`` the moment an outcome is final
        (:class:`Finality`), from this call's threads: a front end judges it while the rest
        are awaited. ``stop`` set: nothing more is sent (what is in flight finishes), the
        wait ends, the counts are not read again; what was not looked up stays unjudged.
        ``on_progress`` hears how the wait stands (else the runtime's ``on_poll_progress``).
        """
        outcomes: list[Dispatch | SetupError] = []
        for scenario in scenarios:
            try:
                outcomes.append(self.prepare(scenario))
            except SetupError as exc:
                outcomes.append(exc)
        dispatches = [o for o in outcomes if isinstance(o, Dispatch)]
        counted = [d for d in dispatches if d.scenario.expect.untagged_count == "increments"]
        final = Finality(outcomes, counted, on_final)
        final.planned()
        if not dispatches:
            return outcomes
        stop = stop or threading.Event()
        finding = BatchFinding(self.profile, lambda: self.store, self.scrub, final, stop)
        before = finding.counts() if self.check_counters and counted else None
        answered: list[Dispatch] = []
        all_answered = threading.Event()

        def send_and_note(dispatch: Dispatch) -> None:
            try:
                if not stop.is_set():  # stopped: never sent, never in ``sent``
                    self.send_one(dispatch)
                    final.answered(dispatch)
            finally:
                answered.append(dispatch)
                if len(answered) == len(dispatches):
                    all_answered.set()

        pool = ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(dispatches))))
        try:
            futures = [pool.submit(send_and_note, d) for d in dispatches]
            if len(futures) > 1:
                finding.while_sending(answered, all_answered)
            for future in futures:
                future.result()  # a bug in sending is raised here, as it was in the sender
        finally:
            # Stopped (``stop``, Ctrl-C in a caller's thread) or a bug while sending: what is
            # in flight finishes (and is in ``sent``); what was not started is never sent.
            pool.shutdown(wait=True, cancel_futures=True)
        if not stop.is_set():
            finding.wait(dispatches, on_progress or self.on_poll_progress)
        if not stop.is_set():
            finding.check_counts(counted, before)
        final.finish()
        return outcomes

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.client.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return (text.splitlines() or [""])[0][:300]
