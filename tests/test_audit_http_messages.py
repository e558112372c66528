"""An HTTP log API the audit cannot read is named in the error the way every shown URL is
(``redaction.redact_url``): its user kept, its password and every query value hidden."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.cli import main
from tests import audit_stores as stores

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PASSWORD = "url-pass-5f2b9d71"
TOKEN = "url-token-0c84a36e"


class _Broken(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def broken_api() -> Iterator[str]:
    """A log API on 127.0.0.1 that answers HTTP 500 to every read."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _audit(tmp_path: Path, host: str, capsys: pytest.CaptureFixture[str]) -> str:
    source = f"kind: http\nurl: http://auditor:{PASSWORD}@{host}/api?token={TOKEN}&since={{since}}"
    profile = tmp_path / "tagsmoke.yaml"
    profile.write_text(stores.profile_text(source))
    assert main(["audit", "--profile", str(profile), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err
    assert TOKEN not in captured.out + captured.err
    return captured.err


def test_a_log_api_answering_an_error_is_named_with_its_secrets_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], broken_api: str
) -> None:
    err = _audit(tmp_path, broken_api, capsys)
    assert (
        f"log API at http://auditor:***@{broken_api}/api?token=***&since=*** answered HTTP 500"
    ) in err


def test_an_unreachable_log_api_is_named_with_its_secrets_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _audit(tmp_path, "127.0.0.1:9", capsys)
    assert "log API at http://auditor:***@127.0.0.1:9/api?token=***&since=*** is unreachable" in err
