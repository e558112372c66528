"""The reference gateway as an ASGI app: an OpenAI-compatible endpoint that tags and logs
(``chat.py``), and the log API that reads the log back (``log_api.py``).

It never calls a provider: every chat completion gets a canned answer. Its tagging policy
is in ``routing.py``, its settings and faults in ``settings.py``.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette

from pytest_tagsmoke.reference.chat import chat_route
from pytest_tagsmoke.reference.log_api import log_api_routes

if TYPE_CHECKING:
    from pytest_tagsmoke.reference.settings import GatewayConfig
    from pytest_tagsmoke.reference.store import LogStoreDB


def create_app(db: LogStoreDB, config: GatewayConfig) -> Starlette:
    """The gateway's routes over ``db``, behaving as ``config`` says (read at each request)."""
    return Starlette(routes=[chat_route(db, config), *log_api_routes(db, config)])
