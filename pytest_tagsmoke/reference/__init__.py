"""The bundled reference gateway: a real HTTP server on 127.0.0.1 with a SQLite log store.

Needs the ``reference`` extra: ``pip install pytest-tagsmoke[reference]``.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from pytest_tagsmoke.reference.server import ReferenceGateway
from pytest_tagsmoke.reference.settings import Faults, GatewayConfig

__all__ = ["Faults", "GatewayConfig", "ReferenceGateway"]
