"""The bundled reference gateway: a real HTTP server on 127.0.0.1 with a SQLite log store.

Needs the ``reference`` extra: ``pip install pytest-tagsmoke[reference]``.
"""

from __future__ import annotations

from pytest_tagsmoke.reference.app import Faults, GatewayConfig
from pytest_tagsmoke.reference.server import ReferenceGateway

__all__ = ["Faults", "GatewayConfig", "ReferenceGateway"]
