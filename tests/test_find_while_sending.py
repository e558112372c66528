"""Records are looked for while the rest of the batch is still being sent.

A stdlib gateway that answers each chat request after a pause, one at a time, and shows
its record at once, one id per GET: the first records are asked for (and found) before
the last request goes out; every request is still sent exactly once and judged as usual.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import JsonHandler, serving

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[1]
TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}


class _Gateway(JsonHandler):
    events: list[tuple[str, str]]  # ("post" | "found", correlation id), in order
    records: dict[str, dict[str, Any]]
    lock: threading.Lock

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(0.1)  # a slow model: the batch takes a while to send
        cid = self.headers["x-correlation-id"]
        tags = {d: self.headers.get(f"x-tag-{d.replace('_', '-')}") for d in TAGS}
        with self.lock:
            self.events.append(("post", cid))
            self.records[cid] = {
                "correlation_id": cid,
                "tags": tags,
                "bucket": "attributed",
                "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "source_record": f"stdlib:{cid}",
            }
        self._answer(200, {"id": cid, "choices": []})

    def do_GET(self) -> None:
        cid = self.path.rsplit("/", 1)[-1]
        with self.lock:
            record = self.records.get(cid)
            if record is not None:
                self.events.append(("found", cid))
        self._answer(200, record) if record else self._answer(404, {"error": "not yet"})


@pytest.fixture
def slow_gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler = type("Handler", (_Gateway,), {"events": [], "records": {}, "lock": threading.Lock()})
    with serving(handler) as url:
        yield url, handler


def test_records_are_found_while_the_rest_are_sent(
    pytester: pytest.Pytester, slow_gateway: tuple[str, type[_Gateway]]
) -> None:
    url, gateway = slow_gateway
    profile = (REPO / "tagsmoke.yaml").read_text()
    profile = profile.replace(
        "{endpoint}/logs/records?ids={correlation_ids}", "{endpoint}/logs/records/{correlation_id}"
    )
    profile = re.sub(r"\n  (id_field|counts_url):[^\n]*", "", profile)
    profile = profile.replace("  max_interval: 0.25\n", "  max_interval: 0.1\n")
    (pytester.path / "tagsmoke.yaml").write_text(profile)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n  - name: 'request {n}'\n    path: happy\n"
        f"    tags: {json.dumps(TAGS)}\n"
        f"    expand: {{n: [{', '.join(f'r{i}' for i in range(12))}]}}\n"
    )
    result = pytester.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={url}", "--tagsmoke-concurrency=1"
    )
    result.assert_outcomes(passed=12)
    posts = [cid for kind, cid in gateway.events if kind == "post"]
    assert len(posts) == len(set(posts)) == 12  # each request sent exactly once
    last_post = max(i for i, (kind, _) in enumerate(gateway.events) if kind == "post")
    found_before = {cid for kind, cid in gateway.events[:last_post] if kind == "found"}
    assert found_before, gateway.events  # records were found before the last request went out
