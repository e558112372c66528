"""Redaction: every secret a run knows is replaced before anything is shown or written.

Two tools. URLs and headers shown on purpose (the dry run, the smoke record's endpoint,
error messages) are redacted by *position*: a URL's password and every query value except
the ones the profile marks public, a header's value when its name looks secret or the
profile marks it secret. Free text (failure messages, tracebacks, captured output) is
scrubbed by *value*: a :class:`Redactor` knows every secret value, in every form it may
take on its way out (URL-encoded, JSON- or repr-escaped, as a Basic credential), and
replaces them all in one pass.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

REDACTED = "***"
#: Shorter values are hidden where they stand (URLs, headers) but not searched for in free
#: text, where they would blank out ordinary words and numbers.
MIN_SCRUBBED = 4
SECRET_NAME = re.compile(r"(auth|key|token|secret|password|signature|sig|credential)", re.I)
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")
#: Characters a redacted query keeps as they are: the mark itself and template braces.
_KEPT_IN_QUERY = "*{}"
#: URL-encoding a secret leaves no character as it is (``/`` is encoded too).
_NOTHING_SAFE = ""


def _folded(names: Iterable[str]) -> set[str]:
    return {n.strip().casefold() for n in names}


def holds_secret(value: str, secrets: Collection[str]) -> bool:
    """Whether ``value`` is one of ``secrets`` or holds one (of :data:`MIN_SCRUBBED` or more
    characters) inside it."""
    return any(s and (value == s or (len(s) >= MIN_SCRUBBED and s in value)) for s in secrets)


def redact_url(url: str, public: Collection[str] = (), secrets: Collection[str] = ()) -> str:
    """``url`` without a password in its userinfo and without any query value except the
    values of the ``public`` parameters (a query value may be a key: ``?code=``, ``?sig=``).
    A public parameter's value that is, or holds, one of the known ``secrets`` is hidden all
    the same: listing a parameter public never shows a key put in it."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{REDACTED}@{host}" if ":" in userinfo else f"{REDACTED}@{host}"
    query = parts.query
    if query:
        shown = _folded(public)
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (
                k,
                v
                if (k.casefold() in shown and not holds_secret(v, secrets))
                or _PLACEHOLDER.fullmatch(v)
                else REDACTED,
            )
            for k, v in pairs
        ]
        query = urlencode(kept, safe=_KEPT_IN_QUERY)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str, public: Collection[str] = ()) -> list[str]:
    """The secrets a URL carries: its userinfo password (alone and as a Basic credential),
    or an HTTP URL's username when there is no password (a token: ``https://TOKEN@host``),
    and every query value of a parameter not marked public. Template placeholders such as
    ``{correlation_ids}`` are not secrets."""
    try:
        parts = urlsplit(url)
        password = parts.password
        user = parts.username or ""
    except ValueError:
        return []
    if password:
        found = [password, basic_credential(user, password)]
    elif user and parts.scheme.lower() in {"http", "https"}:
        # https://TOKEN@host: the username is the key (httpx sends it as Basic "TOKEN:").
        # A database URL's lone user name (postgresql://postgres@host) is no secret.
        found = [user, basic_credential(user, "")]
    else:
        found = []
    shown = _folded(public)
    for key, value in parse_qsl(parts.query):  # blank values left out: no secret in them
        if key.casefold() not in shown and not _PLACEHOLDER.search(value):
            found.append(value)
    return found


#: What a driver may split a URL's userinfo at when the password holds it unencoded.
_USERINFO_DELIMITERS = re.compile(r"[@:/?#]")


def userinfo(url: str) -> str | None:
    """Everything between ``://`` and the URL's *last* ``@``: the user and password as
    written, even when the password holds an unencoded ``@`` or ``/`` (urllib and libpq
    then disagree on where the host starts). None when there is no ``@``."""
    _, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    return rest.rpartition("@")[0]


def malformed_userinfo(url: str) -> bool:
    """Whether the userinfo holds a character a driver splits at (``@``, ``/``, ``?``,
    ``#``): a driver's message about such a URL may quote any part of the password."""
    info = userinfo(url)
    return info is not None and any(c in info for c in "@/?#")


def userinfo_secrets(url: str) -> list[str]:
    """The secrets of a URL's userinfo however a driver parses it: the userinfo whole, its
    password (after the first ``:``) and every piece of that password between ``@``, ``:``,
    ``/``, ``?`` and ``#``. A lone user name (``postgresql://postgres@host``) is no secret."""
    info = userinfo(url)
    if info is None or ":" not in info:
        return []
    password = info.partition(":")[2]
    pieces = [p for p in _USERINFO_DELIMITERS.split(password) if p]
    return [info, password, *pieces] if password else []


def basic_credential(user: str, password: str) -> str:
    """What an HTTP client sends for Basic auth (the base64 of ``user:password``)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def join_url(endpoint: str, path: str) -> str:
    """``path`` (which may carry its own query) appended to ``endpoint``'s path; the
    endpoint's query string is kept."""
    parts = urlsplit(endpoint)
    path, _, query = path.partition("?")
    joined = parts.path.rstrip("/") + path
    queries = "&".join(q for q in (query, parts.query) if q)
    return urlunsplit((parts.scheme, parts.netloc, joined, queries, parts.fragment))


def is_secret_header(name: str, secret_headers: Collection[str] = ()) -> bool:
    """Whether a header's value is a secret: its name looks like one, or is listed."""
    # Portkey's vendor prefix holds "key": judge what follows it (x-portkey-api-key is
    # secret, x-portkey-metadata and x-portkey-trace-id are not).
    judged = name[len(_PORTKEY_PREFIX) :] if name.lower().startswith(_PORTKEY_PREFIX) else name
    return bool(SECRET_NAME.search(judged)) or name.casefold() in _folded(secret_headers)


_PORTKEY_PREFIX = "x-portkey-"


def redact_headers(
    headers: Mapping[str, str], secret_headers: Collection[str] = ()
) -> dict[str, str]:
    """A copy of ``headers`` with every credential-carrying value replaced."""
    return {k: (REDACTED if is_secret_header(k, secret_headers) else v) for k, v in headers.items()}


def _forms(secret: str) -> set[str]:
    """``secret`` as it may appear in output: raw, URL-encoded, JSON/repr/XML-escaped."""
    forms = {
        secret,
        quote(secret, safe=_NOTHING_SAFE),
        quote_plus(secret),  # encodes "/" too
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
        html.escape(secret),
    }
    return {f for f in forms if len(f) >= MIN_SCRUBBED}


class Redactor:
    """Replaces every known secret value in text, in one pass over the text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = frozenset(s for s in secrets if len(s) >= MIN_SCRUBBED)
        forms = {form for secret in self.secrets for form in _forms(secret)}
        # Longest first: a secret that contains another is replaced whole.
        alternatives = sorted(forms, key=lambda f: (-len(f), f))
        self._pattern = (
            re.compile("|".join(re.escape(f) for f in alternatives)) if alternatives else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def with_secrets(self, more: Iterable[str]) -> Redactor:
        """A redactor that also knows ``more``."""
        extra = frozenset(more) - self.secrets
        return Redactor(self.secrets | extra) if extra else self

    def scrub(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def scrub_value(self, value: Any) -> Any:
        """A copy of a JSON-like value with every secret in its strings (keys too) replaced."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub_value(k): self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.scrub_value(v) for v in value)
        return value


@functools.lru_cache(maxsize=16)
def _redactor_for(secrets: frozenset[str]) -> Redactor:
    return Redactor(secrets)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each non-trivial secret replaced."""
    return _redactor_for(frozenset(secrets)).scrub(text)
