"""The demo scenarios through each log-store adapter, against real stores; store failures."""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.logstore.jsonl import JsonlLogStore
from pytest_tagsmoke.logstore.mapping import FieldMapper, FieldSpec
from pytest_tagsmoke.logstore.settings import JsonlSettings, SqlSettings
from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import read_records

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway as Gateway

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _use_log_store(project: Path, block: str) -> None:
    """Replace the demo profile's log_store block."""
    profile = project / "tagsmoke.yaml"
    text = re.sub(r"log_store:\n(  .*\n)+", block, profile.read_text())
    profile.write_text(text)


SQL_FIELDS = """\
  fields:
    owner: {path: tags, decode: json, then: owner}
    environment: {path: tags, decode: json, then: environment}
    use_case: {path: tags, decode: json, then: use_case}
    bucket: bucket
    timestamp: received_at
    source_record: id
    follow_up: follow_up
"""
#: The reference gateway's record shape: a store without `preset: reference` names it.
REFERENCE_FIELDS = """\
  fields:
    owner: tags.owner
    environment: tags.environment
    use_case: tags.use_case
    timestamp: received_at
"""


def test_demo_through_the_jsonl_adapter(demo: pytest.Pytester, tmp_path: Path) -> None:
    log = tmp_path / "shipped" / "requests.jsonl"
    log.parent.mkdir()
    _use_log_store(
        demo.path,
        f"log_store:\n  kind: jsonl\n  path: {log}\n  id_field: correlation_id\n"
        + REFERENCE_FIELDS,
    )
    with ReferenceGateway(tmp_path / "log.sqlite", jsonl_path=log, ingest_delay=0.1) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    assert all(r["source_record"].startswith("request_log:") for r in read_records(demo.path))


@pytest.mark.parametrize(
    "query",
    [
        "  query: SELECT * FROM request_log WHERE correlation_id = :correlation_id\n",
        "  query: SELECT * FROM request_log WHERE correlation_id IN (:correlation_ids)\n"
        "  id_field: correlation_id\n",
    ],
    ids=["one-id-per-query", "many-ids-per-query"],
)
def test_demo_through_the_sqlite_adapter(demo: pytest.Pytester, tmp_path: Path, query: str) -> None:
    db = tmp_path / "log.sqlite"
    _use_log_store(
        demo.path,
        f"log_store:\n  kind: sql\n  url: sqlite:///{db}\n"
        + query
        + "  counts_query: SELECT bucket, COUNT(*) AS n FROM request_log GROUP BY bucket\n"
        + SQL_FIELDS,
    )
    with ReferenceGateway(db, ingest_delay=0.1) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)


@pytest.fixture
def postgres_table() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    table = f"tagsmoke_test_{uuid.uuid4().hex[:8]}"
    yield table
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def test_demo_through_the_postgres_adapter(
    demo: pytest.Pytester, tmp_path: Path, postgres_table: str
) -> None:
    _use_log_store(
        demo.path,
        f"log_store:\n  kind: sql\n  url: {POSTGRES_URL}\n"
        f"  query: SELECT * FROM {postgres_table} WHERE correlation_id IN (:correlation_ids)\n"
        "  id_field: correlation_id\n"
        f"  counts_query: SELECT bucket, COUNT(*) FROM {postgres_table} GROUP BY bucket\n"
        + SQL_FIELDS,
    )
    with ReferenceGateway(
        tmp_path / "log.sqlite", postgres_url=POSTGRES_URL, postgres_table=postgres_table
    ) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    assert {r["source_record"] for r in read_records(demo.path)} == {str(i) for i in range(1, 7)}


def test_sql_query_values_are_parameters_not_text(tmp_path: Path) -> None:
    """A correlation id full of SQL finds nothing and breaks nothing."""
    from pytest_tagsmoke.logstore.sql import SqlLogStore

    with ReferenceGateway(tmp_path / "log.sqlite"):
        pass  # creates the table
    config = SqlSettings(
        url=f"sqlite:///{tmp_path / 'log.sqlite'}",
        query="SELECT * FROM request_log WHERE correlation_id = :correlation_id",
        fields={"bucket": FieldSpec("bucket")},
    )
    store = SqlLogStore(config, tmp_path, FieldMapper(config.fields))
    assert store.fetch_many(["x' OR '1'='1"]) == {}
    store.close()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("500", "answered HTTP 500"), ("garbage", "answered with something that is not JSON")],
)
def test_store_answering_errors_is_a_setup_error_after_bounded_retries(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway, answer: str, expected: str
) -> None:
    tagsmoke_gateway.faults.store_answer = answer
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "header"
    )
    result.assert_outcomes(errors=1, deselected=5)
    result.stdout.fnmatch_lines(
        [f"*tagsmoke setup error (not a tagging verdict): log store at *{expected}*"]
    )


def test_store_answering_empty_forever_is_missing_trace(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(profile.read_text().replace("timeout: 10", "timeout: 0.5"))
    tagsmoke_gateway.faults.store_answer = "empty"
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "header"
    )
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(["*failed: missing_trace"])


def _jsonl_store(path: Path) -> JsonlLogStore:
    config = JsonlSettings(
        path=str(path),
        fields={"bucket": FieldSpec("bucket"), "owner": FieldSpec("owner")},
    )
    return JsonlLogStore(config, path.parent, FieldMapper(config.fields))


def test_jsonl_waits_for_an_unfinished_line_and_follows_appends(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        json.dumps({"correlation_id": "a", "bucket": "attributed"})
        + "\n"
        + '{"correlation_id": "b", "buck'
    )
    store = _jsonl_store(log)
    assert set(store.fetch_many(["a", "b"])) == {"a"}
    with log.open("a") as stream:
        stream.write('et": "untagged"}\n')
    assert store.fetch_many(["b"])["b"].get("bucket") == "untagged"
    assert store.bucket_counts() == {"attributed": 1, "untagged": 1}


def test_jsonl_rereads_a_rotated_file_and_globs(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"correlation_id": "a", "owner": "x" * 50}) + "\n")
    config = JsonlSettings(path="log*.jsonl", fields={"owner": FieldSpec("owner")})
    store = JsonlLogStore(config, tmp_path, FieldMapper(config.fields))
    assert "a" in store.fetch_many(["a"])
    log.write_text(json.dumps({"correlation_id": "b", "owner": "y"}) + "\n")  # rotated
    (tmp_path / "log.1.jsonl").write_text(json.dumps({"correlation_id": "c"}) + "\n")
    assert set(store.fetch_many(["b", "c"])) == {"b", "c"}


def test_jsonl_garbage_line_names_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"correlation_id": "a"}\nnot json\n{"correlation_id": "b"}\n')
    store = _jsonl_store(log)
    # Skipped and noted, never hiding the lines after it (issue #10).
    assert set(store.fetch_many(["a", "b"])) == {"a", "b"}
    assert store.skipped == [f"{log}:2: the log line is not JSON"]


def test_field_decoding() -> None:
    mapper = FieldMapper(
        {
            "owner": FieldSpec("request_tags", decode="tags", then="team"),
            "environment": FieldSpec("metadata", decode="json", then="environment", normalize=True),
            "use_case": FieldSpec("request.headers", decode="headers", then="X-Use-Case"),
            "nested": FieldSpec("a.b[0].c"),
        },
        normalize={"environment": {"prd": "production"}},
    )
    values = mapper.map(
        {
            "request_tags": ["team:payments", "env:staging", "no-colon"],
            "metadata": '{"environment": "prd"}',
            "request": {"headers": {"x-use-case": "checkout"}},
            "a": {"b": [{"c": 7}]},
        }
    )
    assert values == {
        "owner": "payments",
        "environment": "production",
        "use_case": "checkout",
        "nested": "7",
    }
    assert mapper.map({"metadata": "{not json"})["environment"] is None


def test_id_read_back_from_a_response_header(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    """The harness sends no id: the gateway makes one, answers it in a header, logs by it."""
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            "correlation_id:\n  header: x-correlation-id\n  prefix: tagsmoke-\n",
            "correlation_id:\n  header: null\n  source: response_header\n"
            "  response_header: X-Correlation-Id\n",
        )
    )
    demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}").assert_outcomes(
        passed=6
    )
    records = read_records(demo.path)
    assert all(r["lookup_id"].startswith("ref-") for r in records)
    assert all(r["correlation_id"].startswith("tagsmoke-") for r in records)


def test_store_keyed_by_an_id_from_the_response_body(demo: pytest.Pytester, tmp_path: Path) -> None:
    """Like LiteLLM's SpendLogs: the record is keyed by the completion's id (chatcmpl-…)."""
    log = tmp_path / "requests.jsonl"
    profile = demo.path / "tagsmoke.yaml"
    profile.write_text(
        profile.read_text().replace(
            "  prefix: tagsmoke-\n",
            "  prefix: tagsmoke-\n  source: response_body\n  response_path: id\n",
        )
    )
    _use_log_store(
        demo.path,
        f"log_store:\n  kind: jsonl\n  path: {log}\n  id_field: request_id\n" + REFERENCE_FIELDS,
    )
    with ReferenceGateway(tmp_path / "log.sqlite", jsonl_path=log) as gateway:
        demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}").assert_outcomes(passed=6)
    assert all(r["lookup_id"].startswith("chatcmpl-ref-") for r in read_records(demo.path))
