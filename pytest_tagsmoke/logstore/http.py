"""HTTP JSON log-store adapter: URL templates, JMESPath field mapping."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import jmespath
import jmespath.parser

from pytest_tagsmoke._redact import redact_url
from pytest_tagsmoke.logstore import LogRecord, LogStoreError

if TYPE_CHECKING:
    from pytest_tagsmoke.profile import LogStoreConfig


def _scalar(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


class HttpLogStore:
    """Reads records from a JSON HTTP API; 404, ``null`` and ``[]`` mean "not yet"."""

    def __init__(self, config: LogStoreConfig, endpoint: str, client: httpx.Client) -> None:
        self._config = config
        self._endpoint = endpoint
        self._client = client
        self._headers = dict(config.headers)
        self._fields: dict[str, jmespath.parser.ParsedResult] = {
            name: jmespath.compile(expression) for name, expression in config.fields.items()
        }
        self._record_path = jmespath.compile(config.record_path) if config.record_path else None
        self._counts_path = jmespath.compile(config.counts_path) if config.counts_path else None

    def _url(self, template: str, correlation_id: str = "") -> str:
        return template.replace("{endpoint}", self._endpoint).replace(
            "{correlation_id}", quote(correlation_id, safe="")
        )

    def _get_json(self, url: str) -> Any:
        shown = redact_url(url)
        try:
            response = self._client.get(url, headers=self._headers)
        except httpx.TransportError as exc:
            raise LogStoreError(
                f"log store at {shown} is unreachable: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise LogStoreError(f"log store at {shown} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise LogStoreError(
                f"log store at {shown} answered with something that is not JSON"
            ) from None

    def fetch(self, correlation_id: str) -> LogRecord | None:
        document = self._get_json(self._url(self._config.record_url, correlation_id))
        if self._record_path is not None and document is not None:
            document = self._record_path.search(document)
        if isinstance(document, list):
            document = document[0] if document else None
        if not document:
            return None
        if not isinstance(document, Mapping):
            raise LogStoreError(
                f"the log store's record for {correlation_id} is not a JSON "
                f"object (found {type(document).__name__})"
            )
        return LogRecord(
            {name: _scalar(expr.search(document)) for name, expr in self._fields.items()}
        )

    def bucket_counts(self) -> dict[str, int] | None:
        if not self._config.counts_url:
            return None
        document = self._get_json(self._url(self._config.counts_url))
        if self._counts_path is not None and document is not None:
            document = self._counts_path.search(document)
        if not isinstance(document, Mapping):
            raise LogStoreError("the log store's bucket counts are not a JSON object")
        try:
            return {str(k): int(v) for k, v in document.items()}
        except (TypeError, ValueError):
            raise LogStoreError("the log store's bucket counts are not numbers") from None
