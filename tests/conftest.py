"""Shared fixtures: the repository's demo files copied into a pytester project.

Fixtures only; plain helpers live in ``tests/helpers.py``. Nothing here touches the network.
"""

from __future__ import annotations

import contextlib
import shutil
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.helpers import REPO

with contextlib.suppress(ImportError):  # a dev dependency; pytest loads this file for
    # `pytest --tagsmoke` too (testpaths), where only the reference extra may be installed.
    import hypothesis  # noqa: F401  (its pytest plugin imports it at every run's end)

# Load the plugin's heavy half in this process before pytester's in-process runs start:
# pytester drops the modules first imported inside an inner run, and some libraries break
# when imported twice in one process (PyYAML's C loader; httpx maps httpcore's exceptions
# to its own in a table built at the first request, so httpcore, which httpx imports only
# then, must be imported here: re-imported inside an inner run, its classes would miss
# that table and a refused connection would escape as a raw httpcore error).
import httpcore  # noqa: F401

import pytest_tagsmoke.pytest_front.session  # noqa: F401
from pytest_tagsmoke.sending.plain_http import PlainHttpTransport

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TAGSMOKE_ENDPOINT", "TAGSMOKE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def demo(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with this repository's own tagsmoke.yaml and scenarios/chat.yaml."""
    shutil.copy(REPO / "tagsmoke.yaml", pytester.path / "tagsmoke.yaml")
    (pytester.path / "scenarios").mkdir()
    shutil.copy(REPO / "scenarios" / "chat.yaml", pytester.path / "scenarios" / "chat.yaml")
    return pytester


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An httpx client made as the run makes it (``Runtime``: PlainHttpTransport mounted for
    ``http://``, httpx's transport behind it), with a short read timeout."""
    fallback = httpx.HTTPTransport()
    with httpx.Client(
        timeout=httpx.Timeout(0.5, connect=2.0),
        transport=fallback,
        mounts={"http://": PlainHttpTransport(fallback=fallback)},
    ) as made:
        yield made
