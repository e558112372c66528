"""The audit's two front ends over a generated store: ``tagsmoke audit`` (exit status,
files, schemas) and ``pytest --tagsmoke-audit`` (items, failure messages), plus the
reference gateway's history and the repository's own demo."""

from __future__ import annotations

import csv
import json
import shutil
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
import referencing
import sqlglot

from pytest_tagsmoke.cli import main
from tests import audit_stores as stores
from tests.helpers import REPO, SEED_FIELDS

if TYPE_CHECKING:
    from pathlib import Path

SQLITE_SOURCE = (
    f"kind: sql\nurl: sqlite:///store.sqlite\ntable: request_log\n{stores.SQL_GROUP_FIELDS}"
)
CLEAN_ONLY = (
    "kind: sql\nurl: sqlite:///clean.sqlite\ntable: request_log\n" + stores.SQL_GROUP_FIELDS
)


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("pytest_tagsmoke.schema").joinpath(name).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validator(name: str) -> jsonschema.protocols.Validator:
    sample = _schema("audit-sample-record.schema.json")
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(
        sample["$id"], referencing.Resource.from_contents(sample)
    )
    schema = _schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema, registry=registry)
    return validator


@pytest.fixture
def project(tmp_path: Path) -> Path:
    stores.write_sqlite(tmp_path / "store.sqlite")
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(SQLITE_SOURCE))
    return tmp_path


def _clean_store(path: Path) -> None:
    """Only the composition's clean runs A, B, C: every check holds."""
    stores.write_sqlite(path)
    import contextlib
    import sqlite3

    # closing(): a connection's own `with` only commits; Python 3.13 warns of an unclosed one.
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DELETE FROM request_log WHERE id > 100")


# -- tagsmoke audit ------------------------------------------------------------------------
def test_cli_exit_1_when_a_check_fails_and_writes_every_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project / "out"
    status = main(["audit", "--profile", str(project / "tagsmoke.yaml"), "--out", str(out)])
    assert status == 1
    printed = capsys.readouterr().out
    assert "FAIL coverage[environment]: environment: 116 of 138 records" in printed
    assert "ok   coverage[owner]: owner: 132 of 138 records" in printed
    assert "FAIL drift: 10 records carry drifted values" in printed
    summary = json.loads((out / "audit_summary.json").read_text())
    _validator("audit-summary.schema.json").validate(summary)
    assert summary["counts"] == stores.EXPECTED["counts"]
    sample = [json.loads(line) for line in (out / "audit_sample.jsonl").read_text().splitlines()]
    assert len(sample) == sum(summary["sample"]["drawn"].values())
    record_schema = _validator("audit-sample-record.schema.json")
    for record in sample:
        record_schema.validate(record)
        assert tuple(record)[:9] == SEED_FIELDS
    with (out / "coverage_by_dimension.csv").open() as stream:
        coverage = list(csv.DictReader(stream))
    assert [
        (r["dimension"], r["valid"], r["records"], r["percent"], r["below_threshold"])
        for r in coverage
    ] == [
        ("owner", "132", "138", "95.65", "False"),
        ("environment", "116", "138", "84.06", "True"),
        ("use_case", "137", "138", "99.28", "False"),
    ]
    with (out / "drift.csv").open() as stream:
        assert list(csv.reader(stream)) == [
            ["dimension", "value", "approved_value", "records", "tokens"],
            ["environment", "prd", "production", "6", "24"],
            ["environment", "live", "production", "4", "16"],
        ]
    markdown = (out / "summary.md").read_text()
    assert "### tagsmoke audit: fail — 138 records" in markdown
    assert "| environment | 116 | 84.06 | 93.66 | ⚠ below 95 % |" in markdown


def test_outputs_carry_no_cost_price_or_currency(project: Path) -> None:
    out = project / "out"
    main(["audit", "--profile", str(project / "tagsmoke.yaml"), "--out", str(out)])
    text = "\n".join(p.read_text() for p in out.iterdir()).lower()
    # The store has a response_cost column of 0.002 on every record.
    for word in ('cost"', "response_cost", "price", "usd", "currency", "spend", "0.002", "$"):
        assert word not in text, word


def test_cli_exit_0_when_every_check_holds(tmp_path: Path) -> None:
    _clean_store(tmp_path / "clean.sqlite")
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(CLEAN_ONLY))
    status = main(
        ["audit", "--profile", str(tmp_path / "tagsmoke.yaml"), "--out", str(tmp_path / "out")]
    )
    assert status == 0
    summary = json.loads((tmp_path / "out" / "audit_summary.json").read_text())
    assert summary["result"] == "pass"
    assert summary["counts"] == {
        "clean": 100,
        "missing_environment": 0,
        "invalid_environment": 0,
        "shared_cost_rule_needed": 0,
        "other": 0,
    }


def test_since_and_until_override_the_window(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project / "out"
    status = main(
        [
            "audit",
            "--profile",
            str(project / "tagsmoke.yaml"),
            "--since",
            "2026-11-25T00:00:00Z",
            "--until",
            "2026-11-26T00:00:00Z",
            "--out",
            str(out),
        ]
    )
    summary = json.loads((out / "audit_summary.json").read_text())
    # The 25th: A 50, C 20, H 5, M 1; and K's 3 records without a timestamp.
    assert summary["records_in_window"] == 79
    assert summary["window"] == {
        "since": "2026-11-25T00:00:00+00:00",
        "until": "2026-11-26T00:00:00+00:00",
    }
    assert status == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since 'yesterday' is not an ISO 8601 time"),
        (["--since", "2026-11-27", "--until", "2026-11-26"], "--since must be before --until"),
        (["--profile", "absent.yaml"], "absent.yaml: no such profile"),
    ],
)
def test_cli_exit_2_on_bad_usage(
    project: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(project)
    assert main(["audit", *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_exit_2_on_a_bad_audit_section_naming_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = stores.profile_text(SQLITE_SOURCE, extra="  coverage_treshold: 90\n")
    (tmp_path / "tagsmoke.yaml").write_text(text)
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml")]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index("  coverage_treshold: 90") + 1
    assert (
        f"tagsmoke.yaml:{line}:3: audit.coverage_treshold: unknown key 'coverage_treshold'" in err
    )
    assert "did you mean 'coverage_threshold'?" in err


def test_cli_exit_2_when_the_store_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(SQLITE_SOURCE))
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml")]) == 2
    err = capsys.readouterr().err
    assert "setup error, nothing was judged" in err
    assert "store.sqlite: no such file" in err


def test_a_field_that_is_a_query_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    source = SQLITE_SOURCE.replace("fields: {", "fields: {owner: '(SELECT owner FROM other)', ")
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml")]) == 2
    assert (
        "audit.source.fields.owner: a field is an expression, not a query"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("dialect", "marker"),
    [
        ("clickhouse", "JSONExtractString(tags, 'owner')"),
        ("bigquery", "JSON_EXTRACT_SCALAR(tags, '$.owner')"),
        ("trino", "JSON_EXTRACT_SCALAR(tags, '$.owner')"),
        ("postgres", "JSON_EXTRACT_PATH_TEXT(tags, 'owner')"),
    ],
)
def test_the_census_query_renders_for_other_engines(
    project: Path, dialect: str, marker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--profile", str(project / "tagsmoke.yaml"), "--print-sql", dialect]) == 0
    sql = capsys.readouterr().out
    assert marker in sql
    assert "GROUP BY" in sql
    parsed = sqlglot.parse_one(sql.rstrip().rstrip(";"), read=dialect)  # valid in that dialect
    assert {c.alias for c in parsed.expressions} >= {"owner", "day", "traced", "records", "tokens"}


# -- pytest --tagsmoke-audit ---------------------------------------------------------------
def test_pytest_items_pass_and_fail_with_service_counts_records_and_owner(
    pytester: pytest.Pytester,
) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    pytester.makefile(".yaml", tagsmoke=stores.profile_text(SQLITE_SOURCE))
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider", "-rA")
    outcomes = result.parseoutcomes()
    items = [line for line in result.outlines if line.startswith(("PASSED", "FAILED"))]
    assert any(
        "tagsmoke.yaml::coverage[environment]" in i and i.startswith("FAILED") for i in items
    )
    assert any("tagsmoke.yaml::coverage[owner]" in i and i.startswith("PASSED") for i in items)
    assert any("tagsmoke.yaml::drift" in i and i.startswith("FAILED") for i in items)
    services = [i for i in items if "::service[" in i]
    assert len(services) == 5  # search-api, support-bot, batch-jobs, shared-infra, (none)
    assert outcomes["failed"] + outcomes["passed"] == 3 + 5 + 1
    summary = json.loads(
        next(pytester.path.glob("tagsmoke-artifacts/*/audit_summary.json")).read_text()
    )
    failing = [n for n, f in summary["services"].items() if f["sample_failures"] > 2]
    for name in failing:
        figures = summary["services"][name]
        result.stdout.fnmatch_lines(
            [
                f"tagsmoke audit service[[]{name}[]] failed:",
                f"service {name}: {figures['sample_failures']} of {figures['sampled']} sampled "
                f"records fail (limit 2); {figures['records']} records in the window. Pause "
                f"environment-level conclusions for {name}; follow-up owner: "
                f"{figures['follow_up_owner']}. Failed records:",
            ]
        )
        for record in summary["sample"]["records"]:
            if record["service"] == name and record["result"] == "fail":
                assert f"  - {record['source_record']} " in result.stdout.str()
    result.stdout.fnmatch_lines(["*environment: 116 of 138 records carry a valid value*"])


def test_pytest_failure_limit_is_the_sections(pytester: pytest.Pytester) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    pytester.makefile(
        ".yaml",
        tagsmoke=stores.profile_text(
            SQLITE_SOURCE, extra="  failure_limit: 30\n  drift: report\n  coverage_threshold: 80\n"
        ),
    )
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


def test_pytest_store_problem_is_a_setup_error_not_a_verdict(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tagsmoke=stores.profile_text(SQLITE_SOURCE))
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*tagsmoke audit: setup error, nothing was judged*no such file*"])
    assert "Traceback" not in result.stdout.str()


def test_without_the_flag_nothing_is_audited(pytester: pytest.Pytester) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    pytester.makefile(".yaml", tagsmoke=stores.profile_text(SQLITE_SOURCE))
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "tagsmoke-artifacts").exists()


# -- the reference gateway's history and the repository's demo ----------------------------
def test_history_counts_match_what_the_filler_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_tagsmoke.reference.history import fill_history

    db = tmp_path / "log.sqlite"
    written = fill_history(db, records=2000, days=5, seed=4)
    shutil.copy(REPO / "tagsmoke.yaml", tmp_path / "tagsmoke.yaml")
    monkeypatch.setenv("TAGSMOKE_AUDIT_DB", str(db))
    out = tmp_path / "out"
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml"), "--out", str(out)]) == 1
    summary = json.loads((out / "audit_summary.json").read_text())
    assert summary["records_in_window"] == 2000
    assert summary["counts"] == {
        "clean": written["clean"],
        "missing_environment": written["missing_environment"],
        "invalid_environment": written["invalid_environment"],
        "shared_cost_rule_needed": written["shared_cost_rule_needed"],
        "other": written["missing_owner"],  # the legacy script sends no owner
    }
    assert summary["reasons"]["missing_trace"] == written["missing_trace"]
    assert summary["most_variable"]["name"] == "batch-embedder"  # the night of the backfill


def test_the_repository_demo_audits_a_generated_week(demo: pytest.Pytester) -> None:
    shutil.copy(REPO / "conftest.py", demo.path / "conftest.py")
    result = demo.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 1  # the history has drift and missing tags on purpose
    result.stdout.fnmatch_lines(["*3000 records from*", "FAILED tagsmoke.yaml::drift*"])


# -- docs and the entry module -------------------------------------------------------------
def _yaml_blocks(text: str) -> list[str]:
    blocks = text.split("```yaml\n")[1:]
    return [block.split("```", 1)[0] for block in blocks]


def test_docs_audit_sections_load(tmp_path: Path) -> None:
    from pytest_tagsmoke.audit.config import load_audit
    from pytest_tagsmoke.files.profile import load_profile

    blocks = _yaml_blocks((REPO / "docs" / "audit.md").read_text())
    assert len(blocks) == 2
    section, http = blocks
    path = tmp_path / "tagsmoke.yaml"
    path.write_text(stores.POLICY_YAML + section)
    config = load_audit(path, load_profile(path).policy)
    assert config.window_last == "24h"
    assert config.source.fields["owner"] == "json_extract(tags, '$.owner')"
    assert (config.coverage_threshold, config.failure_limit, config.seed) == (95.0, 2, 13)
    path.write_text(
        stores.POLICY_YAML + "audit:\n" + http.replace("${LOG_API_TOKEN}", "${LOG_API_TOKEN:-x}")
    )
    config = load_audit(path, load_profile(path).policy)
    assert config.source.kind == "http"
    assert config.source.max_records == 100000
    assert config.source.pages == {
        "param": "page",
        "start": 1,
        "size_param": "per_page",
        "size": 500,
    }


def test_audit_modules_stay_unimported_without_the_flag(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_modules="""
        import sys

        def test_nothing_heavy_loaded():
            heavy = {"sqlglot", "duckdb", "psycopg", "pytest_tagsmoke.audit"}
            assert "pytest_tagsmoke.plugin" in sys.modules
            assert heavy.isdisjoint(sys.modules)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


def test_help_lists_the_audit_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--tagsmoke-audit*audit the tagging of real traffic*"])


def test_readme_audit_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's `python -m pytest_tagsmoke.reference.history` and `tagsmoke audit` lines."""
    from pytest_tagsmoke.reference.history import main as history

    readme = (REPO / "README.md").read_text()
    assert "python -m pytest_tagsmoke.reference.history --db history.sqlite" in readme
    assert "TAGSMOKE_AUDIT_DB=$PWD/history.sqlite tagsmoke audit --out audit/" in readme
    shutil.copy(REPO / "tagsmoke.yaml", tmp_path / "tagsmoke.yaml")
    monkeypatch.chdir(tmp_path)
    assert history(["--db", "history.sqlite"]) == 0
    assert "3000 records over 7 days in history.sqlite" in capsys.readouterr().out
    monkeypatch.setenv("TAGSMOKE_AUDIT_DB", str(tmp_path / "history.sqlite"))
    assert main(["audit", "--out", "audit/"]) == 1
    assert (tmp_path / "audit" / "audit_summary.json").is_file()


def test_smoke_run_and_audit_in_one_pytest_run(demo: pytest.Pytester) -> None:
    shutil.copy(REPO / "conftest.py", demo.path / "conftest.py")
    result = demo.runpytest("--tagsmoke", "--tagsmoke-audit", "-p", "no:cacheprovider", "-rA")
    passed = [line for line in result.outlines if line.startswith("PASSED")]
    assert any(line.startswith("PASSED scenarios/chat.yaml::") for line in passed)
    assert any(line.startswith("PASSED tagsmoke.yaml::coverage[use_case]") for line in passed)
    result.stdout.fnmatch_lines(["*tagsmoke audit*", "*3000 records from*"])


def test_the_audit_section_in_pyproject(pytester: pytest.Pytester) -> None:
    stores.write_sqlite(pytester.path / "store.sqlite")
    pytester.makepyprojecttoml(
        f"""
        [tool.tagsmoke]
        endpoint = "http://127.0.0.1:9"
        [tool.tagsmoke.policy]
        shared_owners = ["platform-shared"]
        [tool.tagsmoke.policy.owners]
        team-search = "search-platform-oncall"
        team-support = "support-tools-leads"
        platform-shared = "platform-finops"
        [tool.tagsmoke.audit]
        window = {{since = "{stores.SINCE}", until = "{stores.UNTIL}"}}
        [tool.tagsmoke.audit.source]
        kind = "sql"
        url = "sqlite:///store.sqlite"
        table = "request_log"
        fields = {{service = "service", request_class = "request_class", tokens = "total_tokens"}}
        """
    )
    result = pytester.runpytest("--tagsmoke-audit", "-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines(
        ["*138 records from*", "FAILED pyproject.toml::coverage?environment?*"]
    )


def test_a_store_password_never_reaches_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDIT_DB_PASSWORD", "s3cret-canary-pw")
    source = (
        "kind: sql\nurl: postgresql://auditor:${AUDIT_DB_PASSWORD}@127.0.0.1:9/test\n"
        "table: request_log"
    )
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml")]) == 2
    captured = capsys.readouterr()
    assert "setup error, nothing was judged: PostgreSQL store: OperationalError" in captured.err
    assert "s3cret-canary-pw" not in captured.out + captured.err


def test_the_audit_section_reaches_the_ci_job_summary(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = project / "step-summary.md"
    step_summary.write_text("### earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    main(["audit", "--profile", str(project / "tagsmoke.yaml"), "--out", str(project / "out")])
    text = step_summary.read_text()
    assert text.startswith("### earlier step\n")
    assert "### tagsmoke audit: fail — 138 records" in text
    assert "Records: clean 100 · missing environment 9 · invalid environment 13" in text


JSONL_STREAMING_SOURCE = (
    f"kind: jsonl\npath: store.jsonl\nengine: streaming\n{stores.SQL_GROUP_FIELDS}"
)


@pytest.mark.parametrize("value", ["two", "0", "-5", "1e6", "٣"])
@pytest.mark.parametrize(
    ("variable", "source"),
    [
        ("TAGSMOKE_SQLITE_SPLIT_FROM", SQLITE_SOURCE),
        ("TAGSMOKE_STREAM_SPLIT_FROM", JSONL_STREAMING_SOURCE),
    ],
)
def test_a_split_threshold_that_is_not_a_whole_number_is_named_not_ignored(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    source: str,
    value: str,
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    stores.write_jsonl(tmp_path / "store.jsonl")
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    monkeypatch.setenv(variable, value)
    assert main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"environment variable {variable}={value!r}: expected a whole number" in err
    assert "unset it for the default" in err


@pytest.mark.parametrize(
    ("variable", "source"),
    [
        ("TAGSMOKE_SQLITE_SPLIT_FROM", SQLITE_SOURCE),
        ("TAGSMOKE_STREAM_SPLIT_FROM", JSONL_STREAMING_SOURCE),
    ],
)
@pytest.mark.parametrize("value", ["1", " 1_000 ", ""])
def test_a_whole_number_split_threshold_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, source: str, value: str
) -> None:
    stores.write_sqlite(tmp_path / "store.sqlite")
    stores.write_jsonl(tmp_path / "store.jsonl")
    (tmp_path / "tagsmoke.yaml").write_text(stores.profile_text(source))
    monkeypatch.setenv(variable, value)
    assert (
        main(["audit", "--profile", str(tmp_path / "tagsmoke.yaml")]) == 1
    )  # the composition fails
