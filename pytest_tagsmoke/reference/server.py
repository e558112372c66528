"""Run the reference gateway with uvicorn on a background thread, bound to 127.0.0.1.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

import uvicorn

from pytest_tagsmoke.reference.app import create_app
from pytest_tagsmoke.reference.settings import Faults, GatewayConfig
from pytest_tagsmoke.reference.store import LogStoreDB

if TYPE_CHECKING:
    from collections import Counter
    from pathlib import Path
    from types import TracebackType


class ReferenceGateway:
    """A real HTTP gateway with a SQLite log store; use as a context manager.

    >>> with ReferenceGateway(Path("ref.sqlite"), ingest_delay=0.2) as gateway:
    ...     gateway.url  # 'http://127.0.0.1:PORT'
    """

    def __init__(
        self,
        db_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ingest_delay: float = 0.0,
        faults: Faults | None = None,
        fail_closed: bool = False,
        jsonl_path: Path | None = None,
        postgres_url: str | None = None,
        postgres_table: str = "tagsmoke_request_log",
        key_owners: dict[str, str] | None = None,
        retired_keys: dict[str, str] | None = None,
        retired_keys_untagged: bool = False,
        bucket_names: dict[str, str] | None = None,
    ) -> None:
        self.db = LogStoreDB(
            db_path, jsonl_path=jsonl_path, postgres_url=postgres_url, postgres_table=postgres_table
        )
        self.config = GatewayConfig(
            ingest_delay=ingest_delay,
            faults=faults or Faults(),
            fail_closed=fail_closed,
            key_owners=dict(key_owners or {}),
            retired_keys=dict(retired_keys or {}),
            retired_keys_untagged=retired_keys_untagged,
            bucket_names=dict(bucket_names or {}),
        )
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def faults(self) -> Faults:
        return self.config.faults

    @property
    def stats(self) -> Counter[str]:
        """Requests served so far: ``chat`` and ``log_reads``."""
        return self.config.stats

    @property
    def received(self) -> list[str]:
        """The correlation id of every chat request received so far, in order."""
        return self.config.received

    def start(self) -> str:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when
        # the protocol is spelled out, and without it every keep-alive answer waits ~40 ms
        # for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.db, self.config), log_level="warning", access_log=False, lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"tagsmoke-reference-{port}",
            daemon=True,
        )
        thread.start()
        while not server.started:
            thread.join(0.01)
            if not thread.is_alive():
                sock.close()
                raise RuntimeError("the reference gateway did not start (see the log above)")
        self._server, self._thread = server, thread
        self.url = f"http://{self._host}:{port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = self._thread = None
        self.db.close()

    def __enter__(self) -> ReferenceGateway:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
