"""An HTTP log store's ``query:`` adds to the query its URL already has (the smoke run's
``log_store.record_url``, the audit's ``source.url``).

httpx 0.28 replaces a URL's own query with ``params``: a ``record_url`` such as
``{endpoint}/logs?api-version=2024-06-01`` with ``query: {request_id: ...}`` lost its
``api-version``, and an audit source URL lost its whole query. Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlparse

import httpx

from pytest_tagsmoke.cli import main
from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.logstore.open_store import open_log_store
from pytest_tagsmoke.logstore.settings import HttpSettings
from pytest_tagsmoke.policy.tag_policy import normalizer
from tests import audit_stores as stores
from tests.helpers import REPO, JsonHandler, serving

if TYPE_CHECKING:
    from pathlib import Path

CID = "tagsmoke-00000000000000000000000000000001"


class _Logs(JsonHandler):
    asked: ClassVar[list[tuple[str, list[tuple[str, str]]]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.asked.append((url.path, parse_qsl(url.query)))
        record: dict[str, Any] = {"correlation_id": CID, "bucket": "attributed"}
        self._answer(200, [record])


def test_the_query_setting_keeps_the_record_urls_own_query() -> None:
    profile = load_profile(REPO / "tagsmoke.yaml", {})
    config = HttpSettings(
        record_url="{endpoint}/logs?api-version=2024-06-01&team=a%20b",
        query={"request_id": "{correlation_id}", "team": "search"},
        fields=profile.log_store.fields,
    )
    _Logs.asked = []
    with serving(_Logs) as url, httpx.Client() as client:
        store = open_log_store(
            config,
            endpoint=url,
            base_dir=REPO,
            client=client,
            normalize=normalizer(profile.policy),
        )
        try:
            found = store.fetch_many([CID])
        finally:
            store.close()
    assert list(found) == [CID]
    # The URL's own parameter stays; one named again by ``query:`` takes its value.
    assert _Logs.asked == [
        ("/logs", [("api-version", "2024-06-01"), ("team", "search"), ("request_id", CID)])
    ]


def test_an_audit_source_url_keeps_its_own_query(tmp_path: Path) -> None:
    _Logs.asked = []
    with serving(_Logs) as url:
        source = f"kind: http\nurl: {url}/api?tenant=t1&since={{since}}\nquery: {{page: '1'}}"
        profile = tmp_path / "tagsmoke.yaml"
        profile.write_text(stores.profile_text(source))
        main(["audit", "--profile", str(profile), "--out", str(tmp_path / "out")])
    path, query = _Logs.asked[0]
    assert path == "/api"
    assert [name for name, _ in query] == ["tenant", "since", "page"]
    assert dict(query)["since"].startswith(stores.SINCE[:10])
