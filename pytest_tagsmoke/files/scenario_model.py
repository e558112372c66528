"""A scenario's types: the request it sends, what it expects, its marks, the scenario itself.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pytest_tagsmoke.files.profile import Attach

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_BODY: Mapping[str, Any] = {
    "model": "gpt-4o-mini",
    "max_tokens": 1,
    "messages": [{"role": "user", "content": "tagsmoke"}],
}

AttachSpec = Literal["header", "metadata"] | Mapping[str, Attach] | None
#: A record-field expectation: "present", "absent", or ("equals", value).
FieldExpectation = Literal["present", "absent"] | tuple[Literal["equals"], str]


@dataclass(frozen=True)
class RequestSpec:
    """The HTTP request a scenario sends, before tags and the correlation id are attached."""

    method: str = "POST"
    path: str = "/v1/chat/completions"
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = field(default_factory=lambda: dict(DEFAULT_BODY))


@dataclass(frozen=True)
class Expectation:
    """What the response and the log record must show."""

    status: int | str = "2xx"
    bucket: str | None = None
    reason: str | None = None
    untagged_count: Literal["increments", "not-checked"] = "not-checked"
    record: Mapping[str, FieldExpectation] = field(default_factory=dict)
    error_names: tuple[str, ...] = ()
    #: ``tagged``: a rejected request must still leave a failure record with every sent tag.
    failure_record: Literal["tagged"] | None = None

    def status_matches(self, status: int) -> bool:
        if isinstance(self.status, int):
            return status == self.status
        return str(status)[0] == self.status[0]

    @property
    def rejected(self) -> bool:
        """Fail-closed: the gateway is expected to refuse the request (a 4xx status)."""
        return str(self.status)[0] == "4"

    @property
    def expects_record(self) -> bool:
        return (
            not self.rejected
            or self.bucket is not None
            or bool(self.record)
            or self.failure_record is not None
        )


@dataclass(frozen=True)
class Mark:
    """A pytest mark from the scenario file: a plain name, or skip/xfail with a reason."""

    name: str
    reason: str | None = None


@dataclass(frozen=True)
class Scenario:
    """One declarative request and its expectations."""

    name: str
    id: str
    #: ``happy`` or ``error``: the scenario file's YAML key ``path:`` (the happy or error flow).
    flow: Literal["happy", "error"]
    file: Path
    line: int
    request_class: str
    tags: Mapping[str, str]
    request: RequestSpec
    expect: Expectation
    attach: AttachSpec = None
    marks: tuple[Mark, ...] = ()
    #: The scenario's own credential (``credential: ${VAR}``), sent instead of the
    #: profile's; a scenario's own credential header is kept as written too.
    credential: str | None = field(default=None, repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Values of this scenario that are never shown: its own credential."""
        return (self.credential,) if self.credential else ()
