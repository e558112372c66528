"""The run's client checks TLS certificates, reading its authorities only when first needed."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.sending.batch import Runtime
from tests.helpers import REPO

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class _Hello(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTPS server with a self-signed certificate: (its URL, the certificate)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()


def _runtime(url: str) -> Runtime:
    return Runtime(load_profile(REPO / "tagsmoke.yaml", {"TAGSMOKE_ENDPOINT": url}))


def test_an_untrusted_certificate_is_refused(https_server: tuple[str, Path]) -> None:
    url, _ = https_server
    runtime = _runtime(url)
    try:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            runtime.client.get(url)
    finally:
        runtime.close()


def test_authorities_from_ssl_cert_file_are_read_at_the_first_tls_connection(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = https_server
    runtime = _runtime(url)
    # Set after the client is made: the authorities are read when TLS is first needed.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        assert runtime.client.get(url).status_code == 200
        # A host name the certificate does not name is still refused.
        other = url.replace("127.0.0.1", "localhost")
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
            runtime.client.get(other)
    finally:
        runtime.close()
