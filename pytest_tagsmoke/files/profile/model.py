"""The typed profile: endpoint, credential, how tags and the correlation id travel, the
policy, the log store's settings, polling.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pytest_tagsmoke.errors import SetupError
from pytest_tagsmoke.files.content_rules import PLACEHOLDER_CREDENTIAL
from pytest_tagsmoke.files.ledger import DEFAULT_REVIEW_MAX_AGE_DAYS
from pytest_tagsmoke.files.tag_lint import TagLint
from pytest_tagsmoke.logstore.settings import NO_LOG_STORE
from pytest_tagsmoke.policy.tag_policy import TagPolicy
from pytest_tagsmoke.safety.redaction import Redactor, is_secret_header, redact_url, url_secrets

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pytest_tagsmoke.logstore.settings import LogStoreSettings

AttachKind = Literal["header", "metadata", "tags_header", "json_header"]
#: What a profile without a key of the wire format is told to add.
PRESET_HINT = "`preset: reference` for the bundled reference gateway, or your gateway's preset"


@dataclass(frozen=True)
class Attach:
    """How one dimension travels on the request.

    ``header``: its own header. ``metadata``: a key of the JSON body's ``metadata`` object
    (dots nest: ``spend_logs_metadata.team``). ``tags_header``: a ``key:value`` item of a
    comma-separated header (LiteLLM's ``x-litellm-tags``). ``json_header``: a key of a JSON
    object header (Cloudflare's ``cf-aig-metadata``). ``key`` is the key used inside a
    tags or JSON header (default: the dimension).
    """

    kind: AttachKind
    name: str
    key: str | None = None

    def describe(self) -> str:
        if self.kind == "header":
            return f"header {self.name}"
        if self.kind == "metadata":
            return f"metadata.{self.name}"
        return f"{self.kind.replace('_', ' ')} {self.name} ({self.key})"

    @classmethod
    def parse(cls, dimension: str, spec: Mapping[str, str]) -> Attach:
        kind = next(k for k in ("header", "metadata", "tags_header", "json_header") if k in spec)
        key = spec.get("key", dimension) if kind in ("tags_header", "json_header") else None
        return cls(kind, spec[kind], key)  # type: ignore[arg-type]


def default_attach(dimension: str) -> Attach:
    """The header a scenario's ``attach: header`` puts a tag in when the profile attaches
    it otherwise: ``x-tag-<dimension>`` (the scenario language's own convention)."""
    return Attach("header", "x-tag-" + dimension.replace("_", "-"))


def attach_hint(dimension: str) -> str:
    return f"add attach.{dimension} ({{header: NAME}}, {{metadata: KEY}}, …), or {PRESET_HINT}"


def missing_attach(dimension: str) -> str:
    return f"the profile says not how the tag {dimension!r} travels: {attach_hint(dimension)}"


@dataclass(frozen=True)
class CorrelationConfig:
    """How the fresh correlation id is sent, and which id finds the record.

    ``source``: ``sent`` (the store is keyed by the id the harness sent), ``response_header``
    or ``response_body`` (the store is keyed by an id the gateway answers with, read from
    ``response_header`` or the JMESPath ``response_path``).
    """

    header: str | None = "x-correlation-id"
    metadata: str | None = None
    prefix: str = "tagsmoke-"
    format: Literal["hex", "uuid"] = "hex"
    source: Literal["sent", "response_header", "response_body"] = "sent"
    response_header: str | None = None
    response_path: str | None = None


@dataclass(frozen=True)
class PollConfig:
    """How long and how often the log store is asked for a record."""

    timeout: float = 10.0
    interval: float = 0.05
    max_interval: float = 1.0
    store_errors: int = 3
    #: Log-store queries in flight at once (a store asked one id per query, or batches).
    concurrency: int = 16


@dataclass(frozen=True)
class Profile:
    """A loaded, validated and interpolated profile."""

    path: Path
    endpoint: str
    credential: str = field(repr=False)
    credential_header: str = "Authorization"
    credential_scheme: str = "Bearer"
    request_timeout: float = 10.0
    correlation: CorrelationConfig = field(default_factory=CorrelationConfig)
    #: How each dimension travels; nothing by default (a preset or ``attach:`` says).
    attach: Mapping[str, Attach] = field(default_factory=dict)
    policy: TagPolicy = field(default_factory=TagPolicy)
    #: Where records are found (:data:`NO_LOG_STORE` when neither the profile nor its
    #: preset names a store).
    log_store: LogStoreSettings = NO_LOG_STORE
    poll: PollConfig = field(default_factory=PollConfig)
    scenarios: tuple[str, ...] = ("scenarios/*.yaml", "scenarios/*.yml")
    artifacts: str = "tagsmoke-artifacts"
    preset: str | None = None
    production_hosts: tuple[str, ...] = ()
    #: Query parameters whose values are not secret (shown); every other value is redacted.
    public_query_params: tuple[str, ...] = ()
    #: Header names whose values are secret, besides names that look secret.
    secret_headers: tuple[str, ...] = ()
    #: The owner ledger file (``policy.ledger``), and the review age validate allows.
    ledger_path: Path | None = None
    ledger_review_max_age_days: int = DEFAULT_REVIEW_MAX_AGE_DAYS
    #: What ``tagsmoke validate`` warns about in tag values (``policy.tag_lint``).
    tag_lint: TagLint = field(default_factory=TagLint)
    #: Values of the environment variables the profile interpolates that hold secrets: a
    #: variable put in the credential or the log store's auth or headers, or whose name
    #: looks secret (``${TAGSMOKE_API_KEY}``, ``${LOG_TOKEN}``), wherever it is used.
    env_secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def known_fields(self) -> frozenset[str] | None:
        """The record fields scenarios may expect: those the log store maps (None, so
        anything, when the profile names no store yet)."""
        if self.log_store.kind == "none":
            return None
        return frozenset(self.log_store.fields)

    def attach_for(self, dimension: str) -> Attach:
        """How ``dimension`` travels; :class:`SetupError` when the profile does not say."""
        found = self.attach.get(dimension)
        if found is None:
            raise SetupError(missing_attach(dimension))
        return found

    def with_endpoint(self, endpoint: str) -> Profile:
        return dataclasses.replace(self, endpoint=endpoint.rstrip("/"))

    def secrets(self) -> list[str]:
        """Every value that must never be shown: the credential (alone and as sent), the log
        store's auth, headers, SQL URL and query values, what the endpoint's URL carries
        (password, every query value not marked public) and :attr:`env_secrets`."""
        credential = [self.credential, self.authorization_value()]
        if self.credential == PLACEHOLDER_CREDENTIAL:
            credential = []
        return [
            *credential,
            *self.env_secrets,
            *self.log_store.secrets(self.public_query_params),
            *url_secrets(self.endpoint, self.public_query_params),
        ]

    def redactor(self) -> Redactor:
        """Scrubs every secret of :meth:`secrets` from text."""
        return Redactor(self.secrets())

    def shown_endpoint(self) -> str:
        """The endpoint as outputs show it: password and non-public query values hidden, and
        a public parameter's value too when it is (or holds) a known secret."""
        return redact_url(self.endpoint, self.public_query_params, self.secrets())

    def is_secret_header(self, name: str) -> bool:
        """Whether a request header's value is a secret (looks secret, or is listed)."""
        return is_secret_header(name, self.secret_headers)

    def authorization_value(self, credential: str | None = None) -> str:
        """The credential header's value: the profile's credential, or ``credential`` (a
        scenario's own), after the profile's scheme."""
        credential = self.credential if credential is None else credential
        scheme = self.credential_scheme.strip()
        return f"{scheme} {credential}" if scheme else credential
