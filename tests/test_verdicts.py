"""Verdicts you can trust (issue #10): counters, retries, gateway errors, one batch, honest
summaries, interrupts and bounded reads — each against a real gateway on 127.0.0.1."""

from __future__ import annotations

import _thread
import http.server
import json
import re
import textwrap
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import read_records

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytest_tagsmoke.reference import ReferenceGateway as Gateway

TAGS = "{owner: team-search, environment: staging, use_case: semantic-search}"


def _use_log_store(project: Path, block: str) -> None:
    profile = project / "tagsmoke.yaml"
    profile.write_text(re.sub(r"log_store:\n(  .*\n)+", block, profile.read_text()))


def _set_profile(project: Path, old: str, new: str) -> None:
    profile = project / "tagsmoke.yaml"
    text = profile.read_text()
    assert old in text
    profile.write_text(text.replace(old, new))


def _summary(root: Path) -> dict[str, Any]:
    (folder,) = (root / "tagsmoke-artifacts").iterdir()
    return json.loads((folder / "summary.json").read_text())  # type: ignore[no-any-return]


def _scenarios(pytester: pytest.Pytester, url: str, body: str, profile: str = "") -> None:
    pytester.makefile(
        ".yaml", tagsmoke=f"endpoint: {url}\npreset: reference\n" + textwrap.dedent(profile)
    )
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(textwrap.dedent(body))


# -- 1. counters never give a false verdict ------------------------------------------------
JSONL_WITHOUT_BUCKET = """\
log_store:
  kind: jsonl
  path: {log}
  id_field: correlation_id
  fields:
    owner: tags.owner
    environment: tags.environment
    use_case: tags.use_case
    bucket: no_bucket_in_this_log
    timestamp: received_at
    source_record: source_record
"""


def test_jsonl_store_without_a_bucket_field_counts_the_derived_bucket(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    log = tmp_path / "requests.jsonl"
    _use_log_store(demo.path, JSONL_WITHOUT_BUCKET.format(log=log))
    with ReferenceGateway(tmp_path / "log.sqlite", jsonl_path=log) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    error_path = [r for r in read_records(demo.path) if r["path"] == "error"]
    assert [r["untagged_bucket_incremented"] for r in error_path] == ["yes"] * 4


def test_jsonl_store_without_a_bucket_field_still_catches_a_merged_untagged_request(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    log = tmp_path / "requests.jsonl"
    _use_log_store(demo.path, JSONL_WITHOUT_BUCKET.format(log=log))
    with ReferenceGateway(tmp_path / "log.sqlite", jsonl_path=log) as gateway:
        gateway.faults.merge_untagged_into = "team-search"
        result = demo.runpytest(
            "--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "-k", "no-tags-at-all"
        )
    result.assert_outcomes(failed=1, deselected=5)
    (record,) = read_records(demo.path)
    # With no bucket field the harness derives the bucket from the tags (untagged), and the
    # owner the gateway made up is what gives the merge away.
    assert record["failure_reason"] == "tag_mismatch"
    assert "it shows missing_environment" in record["problems"][0]


def test_store_that_cannot_count_says_not_checked_in_the_record_and_the_summary(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    _set_profile(demo.path, '  counts_url: "{endpoint}/logs/buckets"\n', "")
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(passed=6)
    error_path = [r for r in read_records(demo.path) if r["path"] == "error"]
    assert {r["untagged_bucket_incremented"] for r in error_path} == {"not-checked"}
    assert _summary(demo.path)["counter_checks"] == {"yes": 0, "no": 0, "not-checked": 4}
    result.stdout.fnmatch_lines(["*bucket counters not checked for 4 scenarios*"])


# -- 2. each request sent once per attempt; attempts are the harness's business --------------
def test_retry_count_is_true_when_the_connection_is_refused(demo: pytest.Pytester) -> None:
    result = demo.runpytest(
        "--tagsmoke", "--tagsmoke-endpoint=http://127.0.0.1:9", "-k", "tagged-by-header"
    )
    result.assert_outcomes(errors=1, deselected=5)
    (record,) = read_records(demo.path)
    assert record["retry_count"] == 2
    result.stdout.fnmatch_lines(["*unreachable: ConnectError* after 2 retries*"])


def test_an_attempt_the_gateway_logged_is_not_a_duplicate(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.gateway_status = 503
    tagsmoke_gateway.faults.gateway_failures = 1
    tagsmoke_gateway.faults.log_failures = True
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    )
    result.assert_outcomes(passed=1, deselected=5)
    (record,) = read_records(demo.path)
    assert record["retry_count"] == 1
    assert len(tagsmoke_gateway.db.find(record["correlation_id"])) == 2


def test_a_real_duplicate_after_a_retry_is_still_a_tag_mismatch(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.gateway_status = 503
    tagsmoke_gateway.faults.gateway_failures = 1
    tagsmoke_gateway.faults.log_failures = True
    tagsmoke_gateway.faults.duplicate_records = True
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    )
    result.assert_outcomes(failed=1, deselected=5)
    (record,) = read_records(demo.path)
    assert record["failure_reason"] == "tag_mismatch"
    result.stdout.fnmatch_lines(["*4 log records for one correlation id after 2 attempts*"])


# -- 3. a gateway error is only a gateway error ---------------------------------------------
def test_gateway_error_claims_nothing_it_did_not_check(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.gateway_status = 500
    tagsmoke_gateway.faults.gateway_failures = 1
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-k", "tagged-by-header"
    )
    result.assert_outcomes(failed=1, deselected=5)
    (record,) = read_records(demo.path)
    assert record["failure_reason"] == "gateway_error"
    assert record["tag_found_in_log"] == "not-checked"
    assert not any("missing_trace" in p for p in record["problems"])
    assert "none found" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*log record: not looked up (the gateway answered HTTP 500)"])


REJECTED = """\
scenarios:
  - name: rate limited request leaves a tagged failure record
    path: error
    tags: {tags}
    expect: {{status: 429, failure_record: tagged}}
"""


@pytest.mark.parametrize(
    ("faults", "outcome", "reason"),
    [
        ({"log_failures": True}, "passed", None),
        ({}, "failed", "missing_trace"),
        ({"log_failures": True, "drop_header": "environment"}, "failed", "missing_environment"),
    ],
    ids=["tagged", "not-logged", "logged-untagged"],
)
def test_a_rejected_request_can_be_required_to_leave_a_tagged_failure_record(
    pytester: pytest.Pytester,
    tagsmoke_gateway: Gateway,
    faults: dict[str, Any],
    outcome: str,
    reason: str | None,
) -> None:
    _scenarios(
        pytester,
        tagsmoke_gateway.url,
        REJECTED.format(tags=TAGS),
        "poll: {timeout: 1, interval: 0.05}\n",
    )
    tagsmoke_gateway.faults.gateway_status = 429
    tagsmoke_gateway.faults.gateway_failures = 1
    for key, value in faults.items():
        setattr(tagsmoke_gateway.faults, key, value)
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(**{outcome: 1})
    (record,) = read_records(pytester.path)
    assert (record["http_status"], record["retry_count"]) == (429, 0)
    assert record["failure_reason"] == reason
    assert tagsmoke_gateway.stats["chat"] == 1


# -- 4. the batch is planned and sent once ---------------------------------------------------
def test_one_broken_scenario_costs_no_other_request(
    pytester: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    _scenarios(
        pytester,
        tagsmoke_gateway.url,
        f"""\
        scenarios:
          - {{name: first, path: happy, tags: {TAGS}}}
          - name: non-ascii header value
            path: happy
            tags: {{owner: équipe-recherche, environment: staging, use_case: search}}
          - {{name: third, path: happy, tags: {TAGS}}}
        """,
    )
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(passed=2, errors=1)
    assert tagsmoke_gateway.stats["chat"] == 2
    result.stdout.fnmatch_lines(["*tagsmoke scenario error*cannot be sent*UnicodeEncodeError*"])
    assert len(result.stdout.lines) < 60


class _StoreHandler(http.server.BaseHTTPRequestHandler):
    answer = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def hostile_store() -> Iterator[tuple[str, type[_StoreHandler]]]:
    handler = type("Handler", (_StoreHandler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("answer", "limits", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "", "*nested deeper than 64 levels*max_answer_depth*"),
        (b"[" * 70 + b"]" * 70, "", "*nested deeper than 64 levels*max_answer_depth*"),
        (
            b'[{"pad": "' + b"x" * 300_000 + b'"}]',
            "  max_answer_bytes: 100000\n",
            "*larger than 100000 bytes*max_answer_bytes*",
        ),
    ],
    ids=["recursion", "depth", "size"],
)
def test_a_hostile_store_answer_is_a_setup_error_and_costs_no_request(
    demo: pytest.Pytester,
    tagsmoke_gateway: Gateway,
    hostile_store: tuple[str, type[_StoreHandler]],
    answer: bytes,
    limits: str,
    message: str,
) -> None:
    url, handler = hostile_store
    handler.answer = answer
    _set_profile(
        demo.path,
        '  record_url: "{endpoint}/logs/records?ids={correlation_ids}"\n',
        f'  record_url: "{url}/records?ids={{correlation_ids}}"\n' + limits,
    )
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines([message])
    assert tagsmoke_gateway.stats["chat"] == 6
    assert "Traceback" not in result.stdout.str()


# -- 5. honest run results; Ctrl-C keeps what was sent ---------------------------------------
def test_summary_is_not_pass_when_a_scenario_is_refused(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = demo.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    with (demo.path / "scenarios" / "chat.yaml").open("a") as stream:
        stream.write(
            "\n  - name: production traffic\n    path: happy\n"
            "    tags: {owner: team-search, environment: production, use_case: search}\n"
        )
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    result.assert_outcomes(passed=6, errors=1)
    summary = _summary(demo.path)
    assert summary["result"] == "fail"
    assert summary["run"]["refused"] == 1
    assert summary["run"]["errored"] == 1
    assert "result: fail" in step_summary.read_text()


def test_summary_is_fail_when_a_scenario_fails(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "environment"
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = _summary(demo.path)
    assert (summary["result"], summary["run"]["failed"]) == ("fail", 2)


@pytest.mark.parametrize(("mode", "sent"), [((), 6), (("--tagsmoke-serial",), 1)])
def test_ctrl_c_while_polling_writes_a_record_for_every_request_sent(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway, mode: tuple[str, ...], sent: int
) -> None:
    _set_profile(demo.path, "timeout: 10", "timeout: 60")
    tagsmoke_gateway.faults.lose_records = True

    def interrupt_once_everything_was_sent() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            stats = tagsmoke_gateway.stats
            if stats["chat"] == sent and stats["log_reads"] >= 3:
                _thread.interrupt_main()
                return
            time.sleep(0.01)

    threading.Thread(target=interrupt_once_everything_was_sent, daemon=True).start()
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", *mode, no_reraise_ctrlc=True
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    (folder,) = (demo.path / "tagsmoke-artifacts").iterdir()
    lines = (folder / "unverified.jsonl").read_text().splitlines()
    unverified = [json.loads(line) for line in lines]
    assert {r["correlation_id"] for r in unverified} == set(tagsmoke_gateway.received)
    assert len(unverified) == sent == tagsmoke_gateway.stats["chat"]
    assert all(r["tag_found_in_log"] == "not-checked" for r in unverified)
    assert all(
        r["problems"][0].startswith("not verified: the run was interrupted") for r in unverified
    )
    summary = _summary(demo.path)
    assert (summary["result"], summary["run"]["interrupted"]) == ("interrupted", sent)
    result.stdout.fnmatch_lines([f"*{sent} requests sent and not verified*unverified.jsonl"])


def test_exitfirst_keeps_the_requests_it_did_not_judge_traceable(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "environment"
    result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-x")
    result.assert_outcomes(failed=1)
    (folder,) = (demo.path / "tagsmoke-artifacts").iterdir()
    unverified = (folder / "unverified.jsonl").read_text().splitlines()
    judged = {r["correlation_id"] for r in read_records(demo.path)}
    traced = judged | {json.loads(line)["correlation_id"] for line in unverified}
    assert traced == set(tagsmoke_gateway.received)
    assert len(unverified) == 5
    summary = _summary(demo.path)
    assert (summary["result"], summary["run"]["not_verified"]) == ("fail", 5)


# -- 6. bounded reads: a malformed JSONL line hides nothing ----------------------------------
def test_a_malformed_jsonl_line_is_skipped_counted_and_reported(
    demo: pytest.Pytester, tmp_path: Path
) -> None:
    log = tmp_path / "requests.jsonl"
    log.write_text('{"correlation_id": "other", "tags": {}}\nthis is not JSON\n[1, 2]\n')
    _use_log_store(
        demo.path,
        f"log_store:\n  kind: jsonl\n  path: {log}\n  id_field: correlation_id\n"
        "  fields: {owner: tags.owner, environment: tags.environment, use_case: tags.use_case,"
        " timestamp: received_at}\n",
    )
    with ReferenceGateway(tmp_path / "log.sqlite", jsonl_path=log) as gateway:
        result = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*log store: 2 lines skipped*",
            f"*{log}:2: the log line is not JSON*",
            f"*{log}:3: the log line is not a JSON object*",
        ]
    )
    assert _summary(demo.path)["log_store"]["skipped_lines"] == 2
