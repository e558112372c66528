"""Runs the real LiteLLM proxy (``litellm[proxy]``, from its own virtual environment).

``tools/litellm-venv.sh`` installs it in ``.litellm-venv/``; ``TAGSMOKE_LITELLM_PYTHON``
names another interpreter that has it. The proxy runs with ``proxy_config.yaml`` (mock
models, no database) on a free loopback port, and the custom callback in
``tagsmoke_log.py`` writes each request's standard logging payload to ``log_dir``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CONFIG = HERE / "proxy_config.yaml"
VERSION = "1.108.7"
INSTALL_HINT = "tools/litellm-venv.sh"
# Only a test key for the proxy this module starts on 127.0.0.1; never a real credential.
MASTER_KEY = "sk-tagsmoke-litellm-test"
START_TIMEOUT = 120.0  # seconds; LiteLLM imports a lot: 15 s idle, 40-50 s on a busy 2-core machine


def litellm_python() -> Path | None:
    """The interpreter that has ``litellm[proxy]``, or None when it is not installed."""
    named = os.environ.get("TAGSMOKE_LITELLM_PYTHON")
    candidate = Path(named) if named else REPO / ".litellm-venv" / "bin" / "python"
    return candidate if candidate.is_file() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiteLLMProxy:
    """One proxy process; ``url`` is its base URL, ``log_dir`` holds its callback's logs."""

    def __init__(self, python: Path, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.jsonl = log_dir / "litellm-log.jsonl"
        self.sqlite = log_dir / "litellm-log.sqlite"
        self.output = log_dir / "proxy-output.txt"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            key: value
            for key, value in os.environ.items()
            # No database: the proxy must run (and log) without one.
            if key not in ("DATABASE_URL", "DIRECT_URL") and not key.startswith("LITELLM_")
        }
        env.update(
            LITELLM_MASTER_KEY=MASTER_KEY,
            LITELLM_LOCAL_MODEL_COST_MAP="True",  # offline: no fetch of the model cost map
            TAGSMOKE_LITELLM_LOG_DIR=str(log_dir),
        )
        command = [str(python), "-m", "litellm.proxy.proxy_cli", "--config", str(CONFIG)]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.output.open("wb") as out:
            self._process = subprocess.Popen(
                command,
                env=env,
                cwd=log_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_in = self._wait_until_alive()

    def _wait_until_alive(self) -> float:
        start = time.monotonic()
        deadline = start + START_TIMEOUT
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    code = self._process.returncode
                    raise RuntimeError(self._failure(f"exited with status {code}"))
                try:
                    if client.get(f"{self.url}/health/liveliness").status_code == 200:
                        return time.monotonic() - start
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(self._failure(f"did not answer within {START_TIMEOUT:.0f} s"))

    def _failure(self, what: str) -> str:
        tail = self.output.read_text(errors="replace").splitlines()[-30:]
        return f"the LiteLLM proxy {what}; its last output lines:\n" + "\n".join(tail)

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
