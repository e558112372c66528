"""TLS trust read at the first TLS connection, not at start-up.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any


class TrustOnFirstUse(ssl.SSLContext):
    """httpx's verifying TLS context, whose certificate authorities are read only when the
    first TLS connection is made: a run against plain-HTTP gateways and stores skips
    reading the CA bundle (~30 ms of start-up).

    The authorities are httpx's own: ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else
    certifi's bundle. Certificates and host names are checked as with httpx's default
    (``PROTOCOL_TLS_CLIENT``: ``CERT_REQUIRED``, ``check_hostname``); a connection made
    before the authorities are read could only fail, never pass unchecked.
    """

    def __init__(self, protocol: int = ssl.PROTOCOL_TLS_CLIENT) -> None:
        self._trust_lock = threading.Lock()
        self._trusted = False
        if sys.version_info >= (3, 13):  # as ssl.create_default_context sets them
            self.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog

    def _trust(self) -> None:
        with self._trust_lock:
            if self._trusted:
                return
            if os.environ.get("SSL_CERT_FILE"):
                self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
            elif os.environ.get("SSL_CERT_DIR"):
                self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
            else:
                import certifi

                self.load_verify_locations(cafile=certifi.where())
            self._trusted = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._trust()
        return super().wrap_bio(*args, **kwargs)
