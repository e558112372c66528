"""Build a scenario's request (tags attached, fresh correlation id) and send it with httpx.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if "httpx" not in sys.modules:
    # httpx's package imports its command-line module, which pulls in click and rich (and
    # pygments) when they happen to be installed: ~0.1 s of start-up a run never uses.
    # With the module masked, httpx keeps its own stand-in ``httpx.main``; the mask is
    # lifted at once, so a later ``import httpx._main`` works as before.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    try:
        import httpx
    finally:
        if sys.modules.get("httpx._main", ...) is None:
            del sys.modules["httpx._main"]
import httpx

from pytest_tagsmoke.files.profile import Attach, Profile, default_attach
from pytest_tagsmoke.safety.redaction import join_url, redact_headers, redact_url
from pytest_tagsmoke.sending import fast_lane

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_tagsmoke.files.scenario import Scenario

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 3
MAX_RETRY_AFTER = 5.0
MAX_TEXT = 2000


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send. ``headers`` holds the credential: show :meth:`shown_headers`."""

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    json: Any
    correlation_id: str
    attached: dict[str, str]  # dimension -> how it travelled ("header x-tag-owner")
    # What may be shown: query parameters marked public, headers marked secret (profile).
    public_query_params: tuple[str, ...] = ()
    secret_headers: tuple[str, ...] = ()

    def shown_headers(self) -> dict[str, str]:
        return redact_headers(self.headers, self.secret_headers)

    @property
    def shown_url(self) -> str:
        return redact_url(self.url, self.public_query_params)


@dataclass(frozen=True)
class SentRequest:
    """What happened when a prepared request was sent."""

    request: PreparedRequest
    status: int | None
    retry_count: int
    text: str = ""  # the start of the response body, for fail-closed error messages
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # the JSON answer, when it is JSON


def new_correlation_id(prefix: str, id_format: str = "hex") -> str:
    """A fresh id: ``prefix`` + 32 hex digits, or a canonical UUID (Helicone wants one)."""
    value = uuid.uuid4()
    return f"{prefix}{value if id_format == 'uuid' else value.hex}"


def _set_nested(target: dict[str, Any], dotted: str, value: str) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        child = target.get(name)
        if not isinstance(child, dict):
            child = target[name] = {}
        target = child
    target[last] = value


def resolve_attach(profile: Profile, scenario: Scenario, dimension: str) -> Attach:
    """The scenario's attach override for ``dimension``, else the profile's."""
    spec = scenario.attach
    if spec is None:
        return profile.attach_for(dimension)
    if spec == "metadata":
        return Attach("metadata", dimension)
    if spec == "header":
        chosen = profile.attach_for(dimension)
        return chosen if chosen.kind == "header" else default_attach(dimension)
    return spec.get(dimension) or profile.attach_for(dimension)


def _copied(value: Any) -> Any:
    """A copy of a JSON-like body whose mappings and lists are new (the request fills in
    its own metadata); a few times faster than ``copy.deepcopy`` on every scenario."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return copy.deepcopy(value) if isinstance(value, (set, bytearray)) else value


def build_request(profile: Profile, scenario: Scenario, correlation_id: str) -> PreparedRequest:
    """The exact request for ``scenario``; sends nothing."""
    spec = scenario.request
    headers = dict(spec.headers)
    if scenario.credential is not None:
        headers[profile.credential_header] = profile.authorization_value(scenario.credential)
    elif profile.credential_header.casefold() not in {name.casefold() for name in headers}:
        # A scenario's own credential header (from the environment) is sent as written.
        headers[profile.credential_header] = profile.authorization_value()
    correlation = profile.correlation
    if correlation.header:
        headers[correlation.header] = correlation_id
    body = _copied(spec.json)
    if not isinstance(body, dict):
        body = {} if body is None else body
    if correlation.metadata and isinstance(body, dict):
        _set_nested(body.setdefault("metadata", {}), correlation.metadata, correlation_id)
    attached: dict[str, str] = {}
    tag_lists: dict[str, list[str]] = {}
    json_headers: dict[str, dict[str, str]] = {}
    sent = [(d, v, resolve_attach(profile, scenario, d)) for d, v in scenario.tags.items()]
    class_attach = profile.attach.get("request_class")
    if class_attach is not None and "request_class" not in scenario.tags:
        # The profile attaches the scenario's request class too, always as it says.
        sent.append(("request_class", scenario.request_class, class_attach))
    for dimension, value, attach in sent:
        if attach.kind == "header":
            headers[attach.name] = value
        elif attach.kind == "tags_header":
            tag_lists.setdefault(attach.name, []).append(f"{attach.key}:{value}")
        elif attach.kind == "json_header":
            json_headers.setdefault(attach.name, {})[attach.key or dimension] = value
        elif isinstance(body, dict):
            _set_nested(body.setdefault("metadata", {}), attach.name, value)
        attached[dimension] = attach.describe()
    for name, items in tag_lists.items():
        headers[name] = ",".join(items)
    for name, values in json_headers.items():
        headers[name] = json.dumps(values, separators=(",", ":"))
    return PreparedRequest(
        method=spec.method,
        url=join_url(profile.endpoint, spec.path),
        headers=headers,
        json=body,
        correlation_id=correlation_id,
        attached=attached,
        public_query_params=profile.public_query_params,
        secret_headers=profile.secret_headers,
    )


#: Errors raised before the request was written: nothing reached the gateway, so it is
#: safe to send again. A read timeout (or a connection dropped mid-answer) is not among
#: them: the gateway may already have logged the request, and a re-send would be a second
#: record for the same correlation id.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class SendError(Exception):
    """No HTTP answer: the gateway is unreachable or did not answer in time."""

    def __init__(self, message: str, retry_count: int) -> None:
        super().__init__(message)
        self.retry_count = retry_count


def _wait(attempt: int, elapsed: float, budget: float, response: httpx.Response | None) -> float:
    """Seconds before the next attempt: a numeric ``Retry-After`` of the answer (capped),
    else 0.1 s doubling up to 2 s plus up to 0.1 s of jitter; never past the request's
    total budget."""
    seconds = min(0.1 * 2.0 ** (attempt - 1), 2.0) + random.uniform(0, 0.1)
    if response is not None:
        try:
            retry_after = float(response.headers.get("retry-after", ""))
            seconds = min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass
    return max(0.0, min(seconds, budget - elapsed))


def send(
    client: httpx.Client,
    request: PreparedRequest,
    *,
    budget: float = 20.0,
    retry_statuses: frozenset[int] = RETRY_STATUSES,
) -> SentRequest:
    """Send with bounded retries, within ``budget`` seconds for every attempt and wait.

    Retried, up to :data:`MAX_ATTEMPTS` attempts in all: errors raised before the request
    was written (:data:`NOT_SENT_ERRORS`) and the answers ``retry_statuses``
    (429/502/503/504 unless the scenario expects one of them). Never retried: a read
    timeout or a dropped answer (the gateway may have logged the request already). No
    answer at all raises :class:`SendError` with the retries made; every HTTP answer,
    retried or not, is returned with its status.

    The first attempt goes straight; only a retryable failure hands over to tenacity
    (:func:`_retried`), so a run where nothing is retried never imports it.
    """
    started = time.monotonic()
    try:
        response = _attempt(client, request)
    except httpx.TransportError as exc:
        if not isinstance(exc, NOT_SENT_ERRORS):
            raise SendError(_no_answer(exc, 0), 0) from None
        return _retried(client, request, exc, started, budget, retry_statuses)
    if response.status_code in retry_statuses:
        return _retried(client, request, response, started, budget, retry_statuses)
    return _sent(request, response, 0)


def _attempt(client: httpx.Client, request: PreparedRequest) -> httpx.Response:
    """One attempt: ``client.request(...)``, through the fast lane when it fits."""
    return fast_lane.request(
        client, request.method, request.url, headers=request.headers, json=request.json
    )


def _retried(
    client: httpx.Client,
    request: PreparedRequest,
    first: httpx.Response | httpx.TransportError,
    started: float,
    budget: float,
    retry_statuses: frozenset[int],
) -> SentRequest:
    """The retries after a retryable first attempt, run by a ``tenacity.Retrying``: the
    first attempt's outcome is handed back as its attempt 1, so the attempt count, the
    stop (:data:`MAX_ATTEMPTS`, the total budget since ``started``) and the wait
    (:func:`_wait`) are counted as if tenacity had made it."""
    import tenacity  # only when something is retried: ~16 ms of import a run seldom needs

    attempts = 0

    def attempt() -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts > 1:
            return _attempt(client, request)
        if isinstance(first, Exception):
            raise first
        return first

    def wait(state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        response = None if outcome is None or outcome.failed else outcome.result()
        return _wait(state.attempt_number, time.monotonic() - started, budget, response)

    retrying = tenacity.Retrying(
        # tenacity's clock starts now, after the first attempt: what is left of the budget.
        stop=tenacity.stop_after_attempt(MAX_ATTEMPTS)
        | tenacity.stop_after_delay(budget - (time.monotonic() - started)),
        wait=wait,
        retry=tenacity.retry_if_exception_type(NOT_SENT_ERRORS)
        | tenacity.retry_if_result(lambda answer: answer.status_code in retry_statuses),
        # Out of attempts or budget: the last answer is returned, the last error raised.
        retry_error_callback=_last_outcome,
        sleep=_sleep,
    )
    try:
        response = retrying(attempt)
    except httpx.TransportError as exc:
        raise SendError(_no_answer(exc, attempts - 1), attempts - 1) from None
    return _sent(request, response, attempts - 1)


def _last_outcome(state: Any) -> Any:
    """The last attempt's answer, or its error raised (tenacity's ``retry_error_callback``)."""
    return state.outcome.result()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at each call: a test may replace ``time.sleep``


def _sent(request: PreparedRequest, response: httpx.Response, retries: int) -> SentRequest:
    return SentRequest(
        request=request,
        status=response.status_code,
        retry_count=retries,
        text=response.text[:MAX_TEXT],
        headers=dict(response.headers),
        body=_json_or_none(response),
    )


def _no_answer(exc: httpx.TransportError, retries: int) -> str:
    detail = f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, NOT_SENT_ERRORS):
        detail += (
            " (the request was written and not answered in time; not re-sent: the "
            "gateway may already have logged it)"
        )
    if retries:
        detail += f" after {retries} retr{'y' if retries == 1 else 'ies'}"
    return detail


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def render_request(request: PreparedRequest) -> str:
    """The request as a person reads it, credentials redacted (for ``--tagsmoke-dry-run``)."""
    lines = [f"{request.method} {request.shown_url}"]
    lines += [f"{name}: {value}" for name, value in request.shown_headers().items()]
    if request.json is not None:
        lines.append(json.dumps(request.json, sort_keys=True))
    return "\n".join(lines)
