"""pytest --tagsmoke through a real LiteLLM proxy (litellm[proxy], offline mock models).

The proxy runs from its own virtual environment (``tools/litellm-venv.sh``), once per test
session, with no database; the custom callback in ``tests/litellm/tagsmoke_log.py`` writes
each request's standard logging payload to a JSONL file and a SQLite table, which the
``litellm-logging-payload`` presets read. Without LiteLLM installed this module is skipped
with one line saying how to install it; ``TAGSMOKE_REQUIRE_LITELLM=1`` (set by ``.ci/run``)
turns that into an error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import read_records
from tests.litellm.proxy import INSTALL_HINT, MASTER_KEY, VERSION, LiteLLMProxy, litellm_python

if TYPE_CHECKING:
    from collections.abc import Iterator

PYTHON = litellm_python()
if PYTHON is None:
    _why = f"LiteLLM proxy tests left out: litellm[proxy]=={VERSION} is not installed (run {INSTALL_HINT})"
    if os.environ.get("TAGSMOKE_REQUIRE_LITELLM") == "1":
        pytest.fail(_why + ", and TAGSMOKE_REQUIRE_LITELLM=1 requires it", pytrace=False)
    pytest.skip(_why, allow_module_level=True)

TAGS = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}
CHAT = {"model": "gpt-4o-mini", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="session")
def litellm_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMProxy]:
    assert PYTHON is not None
    proxy = LiteLLMProxy(PYTHON, tmp_path_factory.mktemp("litellm"))
    yield proxy
    proxy.stop()


@pytest.fixture
def project(
    pytester: pytest.Pytester, litellm_proxy: LiteLLMProxy, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    monkeypatch.setenv("LITELLM_MASTER_KEY", MASTER_KEY)
    monkeypatch.setenv("LITELLM_LOG_PATH", str(litellm_proxy.jsonl))
    return pytester


def _write(
    pytester: pytest.Pytester,
    proxy: LiteLLMProxy,
    preset: str,
    scenarios: list[dict[str, Any]],
    *,
    store: str = "",
) -> None:
    profile = (
        f"preset: {preset}\n"
        f"endpoint: {proxy.url}\n"
        "credential: ${LITELLM_MASTER_KEY}\n"
        "policy:\n  owners: {team-search: search-oncall}\n"
        "poll: {timeout: 20}\n" + store
    )
    (pytester.path / "tagsmoke.yaml").write_text(profile)
    (pytester.path / "scenarios").mkdir(exist_ok=True)
    document = {"request_class": "litellm-chat", "request": {"json": CHAT}, "scenarios": scenarios}
    (pytester.path / "scenarios" / "litellm.yaml").write_text(json.dumps(document, indent=1))


def _records(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    return {record["scenario_id"]: record for record in read_records(pytester.path)}


def _logged(proxy: LiteLLMProxy, call_id: str) -> list[dict[str, Any]]:
    lines = proxy.jsonl.read_text().splitlines()
    return [p for p in map(json.loads, lines) if p.get("litellm_call_id") == call_id]


def test_body_spend_logs_metadata_is_attributed(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload",
        [{"name": "spend logs metadata in the body", "id": "body", "path": "happy", "tags": TAGS}],
    )
    result = project.runpytest("--tagsmoke", "-v")
    result.assert_outcomes(passed=1)
    record = _records(project)["body"]
    assert record["result"] == "pass"
    assert record["tag_found_in_log"] == "yes"
    assert record["tags_in_log"] == TAGS
    assert record["attribution_fields"]["owner"]["attach"] == "metadata.spend_logs_metadata.owner"
    assert record["follow_up_owner"] == "search-oncall"
    (logged,) = _logged(litellm_proxy, record["correlation_id"])
    assert logged["metadata"]["spend_logs_metadata"] == TAGS
    assert record["source_record"] == logged["id"]
    assert logged["id"].startswith("chatcmpl-")
