"""Presets against records shaped exactly as each gateway's docs show them.

The fixtures (tests/fixtures/presets/, each with its source and date) are served over real
HTTP on 127.0.0.1 (or written to a real JSONL file) and read through the preset's adapter.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import PRESETS, Profile, load_profile
from pytest_tagsmoke.files.scenario import Expectation, RequestSpec, Scenario
from pytest_tagsmoke.logstore.open_store import open_log_store
from pytest_tagsmoke.logstore.settings import JsonlSettings
from pytest_tagsmoke.policy.tag_policy import normalizer
from pytest_tagsmoke.sending.request import build_request

if TYPE_CHECKING:
    from collections.abc import Iterator

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
EXPECTED = {"owner": "team-search", "environment": "staging", "use_case": "semantic-search"}
ENV = {
    "LITELLM_MASTER_KEY": "sk-litellm-master-canary",
    "HELICONE_API_KEY": "sk-helicone-canary",
    "LANGFUSE_PUBLIC_KEY": "pk-lf-canary",
    "LANGFUSE_SECRET_KEY": "sk-lf-canary",
    "CLOUDFLARE_API_TOKEN": "cf-token-canary",
    "CLOUDFLARE_ACCOUNT_ID": "acc",
    "CLOUDFLARE_GATEWAY_ID": "gw",
}


class FixtureServer:
    """Serves fixture answers by path over real HTTP and records what was asked."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(
                    {
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "headers": dict(self.headers),
                    }
                )
                answer = server.routes.get(parts.path)
                body = json.dumps(answer).encode()
                self.send_response(404 if answer is None else 200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    server = FixtureServer()
    yield server
    server.close()


def _answer(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())["answer"]


def _profile(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Profile:
    path = tmp_path / "tagsmoke.yaml"
    path.write_text(text)
    return load_profile(path, environ={**ENV, **(env or {})})


def _fetch(profile: Profile, endpoint: str, lookup_id: str) -> dict[str, str | None]:
    with httpx.Client() as client:
        store = open_log_store(
            profile.log_store,
            endpoint=endpoint,
            base_dir=profile.base_dir,
            client=client,
            normalize=normalizer(profile.policy),
        )
        found = store.fetch_many([lookup_id])
        store.close()
    return dict(found[lookup_id].values)


def _sent(profile: Profile) -> Any:
    scenario = Scenario(
        name="s",
        id="s",
        flow="happy",
        file=Path("s.yaml"),
        line=1,
        request_class="c",
        tags=EXPECTED,
        request=RequestSpec(),
        expect=Expectation(),
    )
    return build_request(profile.with_endpoint("http://gateway"), scenario, "tagsmoke-0001")


@pytest.mark.parametrize(
    "fixture", ["litellm-spend-logs.json", "litellm-spend-logs-stringified.json"]
)
def test_litellm(tmp_path: Path, fixture_server: FixtureServer, fixture: str) -> None:
    profile = _profile(tmp_path, "preset: litellm\n")
    fixture_server.routes["/spend/logs"] = _answer(fixture)
    values = _fetch(profile, fixture_server.url, "chatcmpl-3c57a1b2")
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    assert values["source_record"] == "chatcmpl-3c57a1b2"
    asked = fixture_server.requests[0]
    assert asked["query"] == {"request_id": ["chatcmpl-3c57a1b2"]}
    assert asked["headers"]["Authorization"] == "Bearer sk-litellm-master-canary"
    request = _sent(profile)
    assert request.headers["x-litellm-call-id"] == "tagsmoke-0001"
    assert request.json["metadata"]["spend_logs_metadata"] == EXPECTED
    assert profile.correlation.source == "response_body"


@pytest.mark.parametrize(
    "fixture", ["litellm-spend-logs.json", "litellm-spend-logs-stringified.json"]
)
def test_litellm_request_tags_as_key_value_list(
    tmp_path: Path, fixture_server: FixtureServer, fixture: str
) -> None:
    profile = _profile(
        tmp_path,
        "preset: litellm\nlog_store:\n  fields:\n"
        "    owner: {path: request_tags, decode: tags, then: team}\n",
    )
    fixture_server.routes["/spend/logs"] = _answer(fixture)
    assert _fetch(profile, fixture_server.url, "chatcmpl-3c57a1b2")["owner"] == "team-search"


LITELLM_TAGS_HEADER = "owner:team-search,environment:staging,use_case:semantic-search"


@pytest.mark.parametrize("preset", ["litellm", "litellm-tags"])
def test_litellm_spend_logs_row_as_litellm_builds_it(
    tmp_path: Path, fixture_server: FixtureServer, preset: str
) -> None:
    """The SpendLogs row LiteLLM 1.108.7 built for a real request (metadata and request_tags
    as JSON strings), read by both spend-logs presets."""
    profile = _profile(tmp_path, f"preset: {preset}\n")
    answer = _answer("litellm-spend-logs-row.json")
    fixture_server.routes["/spend/logs"] = answer
    request_id = answer[0]["request_id"]
    values = _fetch(profile, fixture_server.url, request_id)
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    assert values["source_record"] == request_id
    assert fixture_server.requests[0]["query"] == {"request_id": [request_id]}


def test_litellm_tags_sends_the_x_litellm_tags_header(tmp_path: Path) -> None:
    for preset in ("litellm-tags", "litellm-logging-payload-tags"):
        request = _sent(_profile(tmp_path, f"preset: {preset}\n"))
        assert request.headers["x-litellm-tags"] == LITELLM_TAGS_HEADER
        assert request.headers["x-litellm-call-id"] == "tagsmoke-0001"
        assert "metadata" not in request.json


def _litellm_log_sqlite(path: Path) -> None:
    """The callback's table (``SCHEMA`` in tests/litellm/tagsmoke_log.py) with the captured
    rows; the callback module imports LiteLLM, so its constant is read from its source."""
    source = (Path(__file__).parent / "litellm" / "tagsmoke_log.py").read_text()
    schema = next(
        ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "SCHEMA"
    )
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(schema)
        for row in _answer("litellm-logging-payload-sqlite.json"):
            db.execute(
                f"INSERT INTO litellm_log ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )


@pytest.mark.parametrize("preset", ["litellm-logging-payload", "litellm-logging-payload-tags"])
@pytest.mark.parametrize("store", ["jsonl", "sqlite"])
def test_litellm_logging_payload(tmp_path: Path, preset: str, store: str) -> None:
    """LiteLLM's standard logging payload as the callback wrote it from a real proxy: a
    success (id = the completion's id) and a 429 failure (id = the call id), both tagged."""
    log = tmp_path / "litellm-log.jsonl"
    log.write_text("".join(json.dumps(p) + "\n" for p in _answer("litellm-logging-payload.json")))
    text = f"preset: {preset}\n"
    if store == "sqlite":
        _litellm_log_sqlite(tmp_path / "litellm-log.sqlite")
        text += "log_store:\n  kind: sql\n  url: sqlite:///litellm-log.sqlite\n"
    profile = _profile(tmp_path, text, {"LITELLM_LOG_PATH": str(log)})
    assert profile.correlation.source == "sent"
    for call_id, source_record in [
        ("tagsmoke-0001", "chatcmpl-1b433174-8d6e-41c8-9681-1a273bbb01a2"),
        ("tagsmoke-0002", "tagsmoke-0002"),
    ]:
        values = _fetch(profile, "", call_id)
        assert {k: values[k] for k in EXPECTED} == EXPECTED
        assert values["source_record"] == source_record
        assert values["timestamp"]


def test_litellm_logging_payload_default_log_path(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "preset: litellm-logging-payload\n")
    assert isinstance(profile.log_store, JsonlSettings)
    assert profile.log_store.path == "litellm-log.jsonl"
    assert _sent(profile).json["metadata"]["spend_logs_metadata"] == EXPECTED


LITELLM_DOC = Path(__file__).parents[1] / "docs" / "presets" / "litellm.md"


def _doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", LITELLM_DOC.read_text(), flags=re.DOTALL)


def test_litellm_doc_callback_is_the_one_the_proxy_tests_run() -> None:
    (callback,) = _doc_blocks("python")
    assert callback == (Path(__file__).parent / "litellm" / "tagsmoke_log.py").read_text()
    proxy_config = yaml.safe_load(
        (Path(__file__).parent / "litellm" / "proxy_config.yaml").read_text()
    )
    (litellm_config,) = [b for b in _doc_blocks("yaml") if b.startswith("# LiteLLM's config.yaml")]
    documented = yaml.safe_load(litellm_config)["litellm_settings"]["callbacks"]
    assert documented in proxy_config["litellm_settings"]["callbacks"]


def test_litellm_doc_profiles_load(tmp_path: Path) -> None:
    profiles = [b for b in _doc_blocks("yaml") if b.startswith("# tagsmoke.yaml")]
    assert len(profiles) == 3
    env = {"LITELLM_URL": "http://127.0.0.1:4000", "LITELLM_SMOKE_KEY": "sk-smoke-canary"}
    for text in profiles:
        profile = _profile(tmp_path, text, {**env, "LITELLM_LOG_PATH": "litellm-log.jsonl"})
        assert profile.preset is not None
        assert profile.preset.startswith("litellm")
        assert profile.correlation.header == "x-litellm-call-id"


def test_helicone(tmp_path: Path, fixture_server: FixtureServer) -> None:
    profile = _profile(tmp_path, "preset: helicone\n", {"HELICONE_API_URL": fixture_server.url})
    record_id = "5b0f6a0e-2a58-4b8e-9d0c-8a2f1e7c3d11"
    fixture_server.routes[f"/v1/request/{record_id}"] = _answer("helicone-request.json")
    values = _fetch(profile, "", record_id)
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    request = _sent(profile)
    assert request.headers["Helicone-Property-Use-Case"] == "semantic-search"
    assert profile.correlation.format == "uuid"


def test_langfuse(tmp_path: Path, fixture_server: FixtureServer) -> None:
    profile = _profile(tmp_path, "preset: langfuse\n", {"LANGFUSE_HOST": fixture_server.url})
    fixture_server.routes["/api/public/traces/tagsmoke-0001"] = _answer("langfuse-trace.json")
    values = _fetch(profile, "", "tagsmoke-0001")
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    # Basic auth public:secret
    assert fixture_server.requests[0]["headers"]["Authorization"].startswith("Basic ")
    request = _sent(profile)
    assert request.json["metadata"]["trace_id"] == "tagsmoke-0001"
    assert "x-correlation-id" not in request.headers


def test_cloudflare(tmp_path: Path, fixture_server: FixtureServer) -> None:
    profile = _profile(
        tmp_path,
        f"preset: cloudflare\nlog_store:\n  record_url: {fixture_server.url}/logs\n",
    )
    fixture_server.routes["/logs"] = _answer("cloudflare-logs.json")
    values = _fetch(profile, "", "01JD3A7YF8Q8M5F1D2H6M2R9QX")
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    assert fixture_server.requests[0]["query"]["page"] == ["1"]
    request = _sent(profile)
    assert json.loads(request.headers["cf-aig-metadata"]) == EXPECTED


def test_kong(tmp_path: Path) -> None:
    log = tmp_path / "file-log.json"
    log.write_text(json.dumps(_answer("kong-file-log.json")) + "\n")
    profile = _profile(tmp_path, "preset: kong\n", {"KONG_FILE_LOG": str(log)})
    values = _fetch(profile, "", "b4ab0f9c8e6d4a0f9d3e2c1b0a998877")
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    assert profile.correlation.response_header == "X-Kong-Request-Id"


def test_openai_compatible_needs_a_log_store(tmp_path: Path) -> None:
    with pytest.raises(TagsmokeFileError, match="knows no log store for this gateway"):
        _profile(tmp_path, "preset: openai-compatible\n")
    profile = _profile(
        tmp_path, "preset: openai-compatible\nlog_store:\n  kind: jsonl\n  path: logs.jsonl\n"
    )
    assert _sent(profile).json["metadata"] == EXPECTED


def test_user_keys_override_the_preset(tmp_path: Path) -> None:
    profile = _profile(
        tmp_path, "preset: litellm\nattach:\n  owner: {header: x-team}\npoll: {timeout: 5}\n"
    )
    assert profile.attach["owner"].kind == "header"
    assert profile.attach["environment"].name == "spend_logs_metadata.environment"
    assert (profile.poll.timeout, profile.poll.interval) == (5, 1)


def test_missing_preset_secret_says_which_variable(tmp_path: Path) -> None:
    with pytest.raises(TagsmokeFileError, match="LITELLM_MASTER_KEY is not set"):
        _profile(tmp_path, "preset: litellm\n", {"LITELLM_MASTER_KEY": ""})


def test_unknown_preset(tmp_path: Path) -> None:
    with pytest.raises(TagsmokeFileError, match=r"preset: expected one of .*'litellm'"):
        _profile(tmp_path, "preset: litelm\n")


def test_no_cost_field_is_read_by_any_preset(tmp_path: Path) -> None:
    for preset in PRESETS:
        if preset == "openai-compatible":
            continue
        profile = _profile(tmp_path, f"preset: {preset}\n")
        assert not [f for f in profile.log_store.fields.values() if "cost" in f.path.lower()]


def test_portkey(tmp_path: Path) -> None:
    export = tmp_path / "portkey-export.jsonl"
    export.write_text(json.dumps(_answer("portkey-logs-export.json")) + "\n")
    profile = _profile(
        tmp_path,
        "preset: portkey\ncredential: ${PORTKEY_API_KEY}\n",
        {"PORTKEY_LOGS_EXPORT": str(export), "PORTKEY_API_KEY": "portkey-key-canary"},
    )
    values = _fetch(profile, "", "tagsmoke-0001")
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    assert values["user"] == "smoke-runner"
    assert (values["prompt_tokens"], values["total_tokens"]) == ("9", "10")
    assert values["source_record"] == "8d3c6f0e-5a1b-4c2d-9e7f-0a1b2c3d4e5f"
    request = _sent(profile)
    assert json.loads(request.headers["x-portkey-metadata"]) == EXPECTED
    assert request.headers["x-portkey-trace-id"] == "tagsmoke-0001"
    assert request.headers["x-portkey-api-key"] == "portkey-key-canary"  # no Bearer scheme
    assert "Authorization" not in request.headers


def test_portkey_dry_run_shows_the_metadata_header(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tagsmoke="preset: portkey\nendpoint: https://api.portkey.ai\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n  - name: tagged\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: search, user: ci}\n"
    )
    result = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    result.stdout.fnmatch_lines(
        [
            "*POST https://api.portkey.ai/v1/chat/completions",
            "*x-portkey-api-key: ***",
            "*x-portkey-trace-id: <correlation-id>*",
            '*x-portkey-metadata: {"owner":"team-search","environment":"staging",'
            '"use_case":"search","_user":"ci"}*',
        ]
    )


def test_the_portkey_page_profile_loads(tmp_path: Path) -> None:
    page = (Path(__file__).parents[1] / "docs" / "presets" / "portkey.md").read_text()
    block = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    profile = _profile(tmp_path, block, {"PORTKEY_API_KEY": "portkey-key-canary"})
    assert profile.preset == "portkey"
    assert profile.credential_header == "x-portkey-api-key"
    assert profile.log_store.id_field == "trace_id"
