"""Production safety: smoke traffic must not land in a production budget.

Pure functions. A scenario is refused when its request carries the environment
``production`` anywhere the environment travels — its tags, a raw request header, a tags
or JSON header, the body's metadata — compared after trimming and case folding
(`` Production `` is production). Drift aliases (``prd``, ``prod``, ``live``) stay sendable:
sending them is how a smoke test checks they are quarantined. An endpoint is refused when
its host matches one of the profile's ``production_hosts`` patterns, compared without case,
trailing dot, IPv6 brackets or port.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pytest_tagsmoke.errors import SetupError
from pytest_tagsmoke.files.profile import Attach, default_attach
from pytest_tagsmoke.sending.request import build_request, resolve_attach

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.files.scenario import Scenario

PRODUCTION = "production"
_ALLOW = "Pass --tagsmoke-allow-production to send it anyway"
_ENV_NAME = re.compile(r"(?:^|[-_.])env(?:ironment)?$", re.I)
_MAX_DEPTH = 32


def normalized(value: object) -> str:
    """A tag value as a gateway may read it: trimmed, case folded."""
    return str(value).strip().casefold()


def is_production(value: object) -> bool:
    return normalized(value) == PRODUCTION


def environment_refusal(scenario: Scenario, profile: Profile) -> str | None:
    """Why ``scenario`` must not be sent (it carries environment=production), or None."""
    for where, value in environment_values(scenario, profile):
        if is_production(value):
            return (
                f"refused: the scenario sends environment=production ({where}); smoke traffic "
                f"must not pollute a production budget. {_ALLOW}"
            )
    return None


def environment_values(scenario: Scenario, profile: Profile) -> Iterator[tuple[str, str]]:
    """(where, value) of every environment the scenario's request carries."""
    for dimension, value in scenario.tags.items():
        if _is_env_key(dimension, ()):
            yield f"tag {dimension}", value
    attaches = _environment_attaches(scenario, profile)
    header_names = {a.name.casefold() for a in attaches if a.kind == "header"}
    keys = {(a.key or "environment").casefold() for a in attaches if a.key}
    keys |= {a.name.rsplit(".", 1)[-1].casefold() for a in attaches if a.kind == "metadata"}
    try:
        request = build_request(profile, scenario, "tagsmoke-production-check")
    except SetupError:  # a tag the profile says not how to send: the scenario is not sent
        return
    for name, value in request.headers.items():
        if name.casefold() in header_names or _ENV_NAME.search(name):
            yield f"header {name}", value
        for key, item in _header_items(value):
            if _is_env_key(key, keys):
                yield f"header {name} item {key}", item
    for key_path, value in _walk(request.json, ()):
        if _is_env_key(key_path[-1], keys):
            yield "body " + ".".join(key_path), value


def _environment_attaches(scenario: Scenario, profile: Profile) -> list[Attach]:
    own = profile.attach.get("environment")
    found = [default_attach("environment"), *([own] if own is not None else [])]
    with contextlib.suppress(SetupError):
        found.append(resolve_attach(profile, scenario, "environment"))
    return found


def _is_env_key(key: str, extra: Iterable[str]) -> bool:
    folded = normalized(key)
    return bool(_ENV_NAME.search(folded)) or folded in extra


def _header_items(value: str) -> Iterator[tuple[str, str]]:
    """``key:value`` items of a tags header, and the keys of a JSON object header."""
    text = value.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        for key_path, item in _walk(document, ()):
            yield key_path[-1], item
        return
    for part in text.split(","):
        key, sep, item = part.partition(":") if ":" in part else part.partition("=")
        if sep:
            yield key.strip(), item


def _walk(node: Any, key_path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(key path, value) of every string or scalar under a key of a JSON value."""
    if len(key_path) > _MAX_DEPTH:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*key_path, str(key)))
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, key_path)
    elif key_path and isinstance(node, (str, int, float)):
        yield key_path, str(node)


def normalized_host(text: str) -> str:
    """A host as compared: case folded, without brackets, port or trailing dot."""
    host = text.strip()
    if "://" in host or host.startswith("//"):
        host = _url_host(host)
    elif host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.casefold().rstrip(".")


def _url_host(url: str) -> str:
    try:
        netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
    except ValueError:
        return ""
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.split(":", 1)[0] if netloc.count(":") == 1 else netloc


def host_refusal(endpoint: str, production_hosts: Iterable[str]) -> str | None:
    """Why ``endpoint`` must not be sent to (its host is a production host), or None."""
    url = endpoint.strip()
    host = normalized_host(url if "://" in url else "//" + url)
    for pattern in production_hosts:
        if host and fnmatch.fnmatchcase(host, normalized_host(pattern)):
            return (
                f"refused: the endpoint host {host!r} matches the profile's production_hosts "
                f"({pattern!r}); smoke traffic must not pollute a production budget. {_ALLOW}"
            )
    return None
