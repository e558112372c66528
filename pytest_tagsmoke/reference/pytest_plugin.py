"""Opt-in pytest plugin: the ``tagsmoke_gateway`` fixture (a running reference gateway).

Not loaded by the entry module: a project that wants the fixture names this plugin, in its
rootdir ``conftest.py`` (``pytest_plugins = ["pytest_tagsmoke.reference.pytest_plugin"]``)
or on the command line (``-p pytest_tagsmoke.reference.pytest_plugin``). Needs the
``reference`` extra (``pip install pytest-tagsmoke[reference]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_tagsmoke.reference.server import ReferenceGateway


@pytest.fixture
def tagsmoke_gateway(tmp_path: Path) -> Iterator[ReferenceGateway]:
    """A running reference gateway on 127.0.0.1 with a fresh SQLite log store.

    Use it to try scenario files offline; ``tagsmoke_gateway.url`` is its base URL and
    ``tagsmoke_gateway.faults`` switches faults on and off while it runs. Needs the
    ``reference`` extra (``pip install pytest-tagsmoke[reference]``).
    """
    from pytest_tagsmoke.reference.server import ReferenceGateway

    with ReferenceGateway(tmp_path / "tagsmoke-reference.sqlite") as gateway:
        yield gateway
