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
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import read_records
from tests.litellm.proxy import INSTALL_HINT, MASTER_KEY, VERSION, LiteLLMProxy, litellm_python

if TYPE_CHECKING:
    from collections.abc import Iterator

PYTHON = litellm_python()
if PYTHON is None:
    _why = (
        f"LiteLLM proxy tests left out: litellm[proxy]=={VERSION} is not installed"
        f" (run {INSTALL_HINT})"
    )
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
    attach: dict[str, dict[str, str]] | None = None,
) -> None:
    profile = (
        f"preset: {preset}\n"
        f"endpoint: {proxy.url}\n"
        "credential: ${LITELLM_MASTER_KEY}\n"
        "policy:\n  owners: {team-search: search-oncall}\n"
        "poll: {timeout: 20}\n" + store
    )
    if attach:
        profile += f"attach: {json.dumps(attach)}\n"
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


def test_request_tags_from_body_metadata_tags_are_attributed(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    """``metadata.tags`` (a list of ``key:value``) is logged as ``request_tags``.

    No attach form sends a list in the body, so the scenario writes it into the request and
    expects each value in the record.
    """
    tags = [f"{key}:{value}" for key, value in TAGS.items()]
    body = {**CHAT, "metadata": {"tags": tags}}
    expected = {key: {"equals": value} for key, value in TAGS.items()}
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload-tags",
        [
            {
                "name": "metadata tags in the body",
                "id": "metadata-tags",
                "path": "happy",
                "tags": {},
                "request": {"json": body},
                "expect": {"bucket": "attributed", "record": expected},
            }
        ],
    )
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1)
    record = _records(project)["metadata-tags"]
    assert record["tags_in_log"] == TAGS
    assert record["bucket"] == "attributed"
    (logged,) = _logged(litellm_proxy, record["correlation_id"])
    assert logged["request_tags"][:3] == tags


def test_x_litellm_tags_header_is_attributed_from_sqlite(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload-tags",
        [{"name": "x-litellm-tags header", "id": "tags-header", "path": "happy", "tags": TAGS}],
        store=f"log_store:\n  kind: sql\n  url: sqlite:///{litellm_proxy.sqlite}\n",
    )
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1)
    record = _records(project)["tags-header"]
    assert record["tag_found_in_log"] == "yes"
    assert record["attribution_fields"]["owner"]["attach"] == "tags header x-litellm-tags (owner)"
    (logged,) = _logged(litellm_proxy, record["correlation_id"])
    assert "environment:staging" in logged["request_tags"]
    assert record["source_record"] == logged["id"]


SPEND_LOGS_HEADER = {
    key: {"json_header": "x-litellm-spend-logs-metadata", "key": key} for key in TAGS
}


def test_x_litellm_spend_logs_metadata_header_is_attributed(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload",
        [
            {
                "name": "spend logs metadata header",
                "id": "spend-header",
                "path": "happy",
                "tags": TAGS,
            }
        ],
        store=f"log_store:\n  kind: sql\n  url: sqlite:///{litellm_proxy.sqlite}\n",
        attach=SPEND_LOGS_HEADER,
    )
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1)
    record = _records(project)["spend-header"]
    assert record["tags_in_log"] == TAGS
    assert record["attribution_fields"]["use_case"]["attach"] == (
        "json header x-litellm-spend-logs-metadata (use_case)"
    )


def test_tags_sent_where_litellm_does_not_log_them_fail(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    """Plain ``metadata.owner`` is not spend-logs metadata; and the spend-logs header
    replaces the body's spend-logs metadata whole, so tags split between them are lost."""
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload",
        [
            {
                "name": "owner in plain metadata",
                "id": "plain-metadata",
                "path": "happy",
                "tags": TAGS,
                "attach": {"owner": {"metadata": "owner"}},
            },
            {
                "name": "header and body spend logs metadata",
                "id": "split",
                "path": "happy",
                "tags": TAGS,
            },
        ],
        # owner in the spend-logs header; environment and use_case in the body (preset)
        attach={"owner": SPEND_LOGS_HEADER["owner"]},
    )
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(failed=2)
    records = _records(project)
    plain = records["plain-metadata"]
    assert plain["failure_reason"] == "missing_owner"
    assert plain["tag_found_in_log"] == "no"
    assert plain["tags_in_log"] == {**TAGS, "owner": None}
    (logged,) = _logged(litellm_proxy, plain["correlation_id"])
    assert logged["metadata"]["requester_metadata"]["owner"] == "team-search"  # sent, not used
    split_record = records["split"]
    assert split_record["failure_reason"] == "missing_environment"
    assert split_record["tags_in_log"] == {
        "owner": "team-search",
        "environment": None,
        "use_case": None,
    }
    result.stdout.fnmatch_lines(["*missing_owner: owner: sent 'team-search', the record has no*"])


ERROR_PATH = [
    {
        "name": "missing environment",
        "id": "missing-environment",
        "path": "error",
        "tags": {"owner": "team-search", "use_case": "semantic-search"},
        "expect": {"bucket": "untagged", "reason": "missing_environment"},
    },
    {
        "name": "drifted environment prd",
        "id": "drifted-environment",
        "path": "error",
        "tags": {**TAGS, "environment": "prd"},
        "expect": {"bucket": "quarantine", "reason": "invalid_environment"},
    },
]


@pytest.mark.parametrize(
    ("store", "counter"),
    [
        # No bucket in LiteLLM's records: the JSONL store's records in the run's window are
        # counted by their derived bucket; the SQL query names ids only, so no count.
        ("jsonl", "yes"),
        ("sqlite", "not-checked"),
    ],
)
def test_missing_and_drifted_environment_are_isolated(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy, store: str, counter: str
) -> None:
    sql = f"log_store:\n  kind: sql\n  url: sqlite:///{litellm_proxy.sqlite}\n"
    sql = sql if store == "sqlite" else ""
    _write(project, litellm_proxy, "litellm-logging-payload", ERROR_PATH, store=sql)
    result = project.runpytest("--tagsmoke")
    records = _records(project)
    missing = records["missing-environment"]
    assert (missing["bucket"], missing["detected_reason"]) == ("untagged", "missing_environment")
    assert missing["tags_in_log"]["environment"] is None
    drifted = records["drifted-environment"]
    assert (drifted["bucket"], drifted["detected_reason"]) == ("quarantine", "invalid_environment")
    assert drifted["drift"] == {"environment": "production"}
    assert drifted["tags_in_log"]["environment"] == "prd"
    assert [r["untagged_bucket_incremented"] for r in records.values()] == [counter, counter]
    assert [r["result"] for r in records.values()] == ["pass", "pass"], [
        r["problems"] for r in records.values()
    ]
    result.assert_outcomes(passed=2)


RATE_LIMITED = {
    "name": "rate limited model",
    "id": "rate-limited",
    "path": "happy",
    "tags": TAGS,
    "request": {"json": {**CHAT, "model": "rate-limited"}},
}


def test_rate_limited_model_is_a_gateway_error(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    _write(project, litellm_proxy, "litellm-logging-payload", [RATE_LIMITED])
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(failed=1)
    record = _records(project)["rate-limited"]
    assert record["failure_reason"] == "gateway_error"
    assert record["http_status"] == 429
    # LiteLLM logs the failed call too, with its spend-logs metadata, under the same call id:
    # once per attempt the harness made.
    logged = _logged(litellm_proxy, record["correlation_id"])
    assert len(logged) == 1 + record["retry_count"]
    assert {p["status"] for p in logged} == {"failure"}
    assert all(p["metadata"]["spend_logs_metadata"] == TAGS for p in logged)
    assert all(p["id"] == record["correlation_id"] for p in logged)


def test_rate_limited_model_claims_nothing_it_did_not_check(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    _write(project, litellm_proxy, "litellm-logging-payload", [RATE_LIMITED])
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*log record: not looked up (the gateway answered HTTP 429)*"])
    record = _records(project)["rate-limited"]
    assert [p.split(":")[0] for p in record["problems"]] == ["gateway_error"]
    assert record["tag_found_in_log"] == "not-checked"
    assert record["source_record"] is None


def test_rejected_request_leaves_a_tagged_failure_record(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    """``expect: {status: 429, failure_record: tagged}`` (LiteLLM #37260): LiteLLM logs the
    rejected call with its spend-logs metadata; a tag sent where LiteLLM does not log it
    (plain ``metadata.owner``) is missing from that failure record too."""
    rejected = {**RATE_LIMITED, "expect": {"status": 429, "failure_record": "tagged"}}
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload",
        [
            {**rejected, "name": "rejected but tagged", "id": "rejected-tagged"},
            {
                **rejected,
                "name": "rejected, owner in plain metadata",
                "id": "rejected-untagged",
                "attach": {"owner": {"metadata": "owner"}},
            },
        ],
    )
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1, failed=1)
    records = _records(project)
    tagged = records["rejected-tagged"]
    assert (tagged["result"], tagged["http_status"]) == ("pass", 429)
    assert tagged["tag_found_in_log"] == "yes"
    assert tagged["tags_in_log"] == TAGS
    assert tagged["source_record"] == tagged["correlation_id"]  # a failure's payload id
    untagged = records["rejected-untagged"]
    assert untagged["failure_reason"] == "missing_owner"
    assert untagged["tags_in_log"]["owner"] is None
    (logged,) = _logged(litellm_proxy, untagged["correlation_id"])
    assert logged["status"] == "failure"


def _spend_logs_run(project: pytest.Pytester, proxy: LiteLLMProxy) -> pytest.RunResult:
    """One happy scenario with the ``litellm`` preset, whose store is ``GET /spend/logs``."""
    scenario = {"name": "spend logs", "id": "spend-logs", "path": "happy", "tags": TAGS}
    _write(project, proxy, "litellm", [scenario])
    profile = project.path / "tagsmoke.yaml"
    profile.write_text(profile.read_text().replace("{timeout: 20}", "{timeout: 5}"))
    return project.runpytest("--tagsmoke")


def test_spend_logs_preset_without_a_database_is_a_setup_error(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    """``GET /spend/logs`` needs LiteLLM's database: without it the proxy answers 500, and
    the setup error gives LiteLLM's reason."""
    result = _spend_logs_run(project, litellm_proxy)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*tagsmoke setup error*/spend/logs answered HTTP 500: */spend/logs ErrorDatabase not*"]
    )
    assert MASTER_KEY not in result.stdout.str()
    record = _records(project)["spend-logs"]
    assert record["http_status"] == 200
    assert record["lookup_id"].startswith("chatcmpl-")  # read back from the answer's id


def test_metadata_tags_as_a_string_are_not_logged(
    project: pytest.Pytester, litellm_proxy: LiteLLMProxy
) -> None:
    """LiteLLM reads ``metadata.tags`` only as a list: a comma string is dropped."""
    body = {**CHAT, "metadata": {"tags": ",".join(f"{k}:{v}" for k, v in TAGS.items())}}
    _write(
        project,
        litellm_proxy,
        "litellm-logging-payload-tags",
        [
            {
                "name": "metadata tags as a string",
                "id": "tags-string",
                "path": "happy",
                "tags": {},
                "request": {"json": body},
                "expect": {"record": {key: {"equals": value} for key, value in TAGS.items()}},
            }
        ],
    )
    result = project.runpytest("--tagsmoke")
    result.assert_outcomes(failed=1)
    record = _records(project)["tags-string"]
    assert record["result"] == "fail"
    assert record["failure_reason"] == "missing_environment"
    assert (
        "tag_mismatch: record field owner: expected 'team-search', found None"
        in (record["problems"])
    )
    assert record["tags_in_log"] == dict.fromkeys(TAGS)
    (logged,) = _logged(litellm_proxy, record["correlation_id"])
    assert not [tag for tag in logged["request_tags"] if tag.startswith("owner:")]
