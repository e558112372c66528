"""Build a scenario's request (tags attached, fresh correlation id) and send it with httpx."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import tenacity

from pytest_tagsmoke._redact import redact_headers, redact_url
from pytest_tagsmoke.profile import Attach, Profile, default_attach

if TYPE_CHECKING:
    from pytest_tagsmoke.scenario import Scenario

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 3
MAX_RETRY_AFTER = 5.0
MAX_TEXT = 2000
_BACKOFF = tenacity.wait_exponential(multiplier=0.1, max=2.0) + tenacity.wait_random(0, 0.1)


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send. ``headers`` holds the credential: show :meth:`shown_headers`."""

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    json: Any
    correlation_id: str
    attached: dict[str, str]  # dimension -> how it travelled ("header x-tag-owner")

    def shown_headers(self) -> dict[str, str]:
        return redact_headers(self.headers)

    @property
    def shown_url(self) -> str:
        return redact_url(self.url)


@dataclass(frozen=True)
class SentRequest:
    """What happened when a prepared request was sent."""

    request: PreparedRequest
    status: int | None
    retry_count: int
    text: str = ""  # the start of the response body, for fail-closed error messages


def new_correlation_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


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


def build_request(profile: Profile, scenario: Scenario, correlation_id: str) -> PreparedRequest:
    """The exact request for ``scenario``; sends nothing."""
    spec = scenario.request
    headers = dict(spec.headers)
    headers[profile.credential_header] = profile.authorization_value()
    headers[profile.correlation_header] = correlation_id
    body = copy.deepcopy(spec.json)
    attached: dict[str, str] = {}
    for dimension, value in scenario.tags.items():
        attach = resolve_attach(profile, scenario, dimension)
        if attach.kind == "header":
            headers[attach.name] = value
        else:
            if not isinstance(body, dict):
                body = {}
            metadata = body.setdefault("metadata", {})
            metadata[attach.name] = value
        attached[dimension] = attach.describe()
    return PreparedRequest(
        method=spec.method,
        url=profile.endpoint + spec.path,
        headers=headers,
        json=body,
        correlation_id=correlation_id,
        attached=attached,
    )


def _wait(state: tenacity.RetryCallState) -> float:
    """Honour a numeric ``Retry-After`` (capped); else exponential backoff with jitter."""
    outcome = state.outcome
    if outcome is not None and not outcome.failed:
        retry_after = outcome.result().headers.get("retry-after", "")
        try:
            return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass
    return float(_BACKOFF(state))


def send(client: httpx.Client, request: PreparedRequest) -> SentRequest:
    """Send with bounded retries on connection errors and 429/502/503/504 only.

    A connection that never succeeds raises :class:`httpx.TransportError`; every HTTP answer,
    retried or not, is returned with its status.
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(MAX_ATTEMPTS),
        wait=_wait,
        retry=tenacity.retry_if_exception_type(httpx.TransportError)
        | tenacity.retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    response: httpx.Response = retrying(
        client.request, request.method, request.url, headers=request.headers, json=request.json
    )
    attempts = int(retrying.statistics.get("attempt_number", 1))
    return SentRequest(
        request=request,
        status=response.status_code,
        retry_count=attempts - 1,
        text=response.text[:MAX_TEXT],
    )


def render_request(request: PreparedRequest) -> str:
    """The request as a person reads it, credentials redacted (for ``--tagsmoke-dry-run``)."""
    lines = [f"{request.method} {request.shown_url}"]
    lines += [f"{name}: {value}" for name, value in request.shown_headers().items()]
    if request.json is not None:
        lines.append(json.dumps(request.json, sort_keys=True))
    return "\n".join(lines)
