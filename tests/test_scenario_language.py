"""The scenario language end to end: marks, expansion, record expectations, fail-closed."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.files.scenario import load_scenario_file
from pytest_tagsmoke.reference import ReferenceGateway
from tests.helpers import read_records

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway as Gateway

TAGS = "{owner: team-search, environment: staging, use_case: semantic-search}"


def _project(pytester: pytest.Pytester, url: str, scenarios: str) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {url}\npreset: reference\n")
    (pytester.path / "scenarios").mkdir(exist_ok=True)
    (pytester.path / "scenarios" / "s.yaml").write_text(textwrap.dedent(scenarios))


def test_expand_runs_one_item_per_value(
    pytester: pytest.Pytester, tagsmoke_gateway: Gateway
) -> None:
    _project(
        pytester,
        tagsmoke_gateway.url,
        """
        scenarios:
          - name: "{environment} traffic is attributed"
            path: happy
            tags: {owner: team-search, environment: "{environment}", use_case: search}
            expand: {environment: [staging, development, evaluation]}
        """,
    )
    result = pytester.runpytest("--tagsmoke", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*s.yaml::traffic-is-attributed[[]staging] PASSED*"])
    assert sorted(r["environment_value"] for r in read_records(pytester.path)) == [
        "development",
        "evaluation",
        "staging",
    ]


def test_marks_skip_xfail_and_custom(pytester: pytest.Pytester, tagsmoke_gateway: Gateway) -> None:
    _project(
        pytester,
        tagsmoke_gateway.url,
        f"""
        scenarios:
          - name: skipped
            path: happy
            tags: {TAGS}
            marks: [{{skip: not on this gateway}}]
          - name: known broken
            path: happy
            tags: {{owner: team-search, environment: prd, use_case: semantic-search}}
            marks: [{{xfail: prd is not approved}}]
          - name: nightly only
            path: happy
            tags: {TAGS}
            marks: [nightly]
        """,
    )
    result = pytester.runpytest("--tagsmoke", "--strict-markers", "-rsx")
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["*SKIPPED*not on this gateway*", "*XFAIL*prd is not approved*"])
    selected = pytester.runpytest("--tagsmoke", "--strict-markers", "-m", "nightly")
    selected.assert_outcomes(passed=1, deselected=2)


def test_record_field_expectations(pytester: pytest.Pytester, tagsmoke_gateway: Gateway) -> None:
    _project(
        pytester,
        tagsmoke_gateway.url,
        f"""
        scenarios:
          - name: follow-up message is absent when clean
            path: happy
            tags: {TAGS}
            expect:
              record: {{follow_up: absent, bucket: {{equals: attributed}}, timestamp: present}}
          - name: follow-up names the missing field
            path: error
            tags: {{owner: team-search, use_case: semantic-search}}
            expect:
              record: {{follow_up: {{equals: "missing tag(s): environment"}}}}
          - name: wrong expectation fails
            path: happy
            tags: {TAGS}
            expect:
              record: {{follow_up: present}}
        """,
    )
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*tag_mismatch: record field follow_up: expected a value, found none"]
    )


def test_fail_closed_gateway(pytester: pytest.Pytester, tmp_path: Path) -> None:
    with ReferenceGateway(tmp_path / "log.sqlite", fail_closed=True) as gateway:
        _project(
            pytester,
            gateway.url,
            """
            scenarios:
              - name: refused without environment
                path: error
                tags: {owner: team-search, use_case: semantic-search}
                expect: {status: 4xx, error_names: [environment]}
              - name: refusal must name the owner
                path: error
                tags: {owner: team-search, use_case: semantic-search}
                expect: {status: 400, error_names: [owner]}
            """,
        )
        result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*gateway_error: the gateway's error does not name 'owner'"])
    records = {r["scenario_id"]: r for r in read_records(pytester.path)}
    assert records["refused-without-environment"]["http_status"] == 400
    assert records["refused-without-environment"]["untagged_bucket_incremented"] == "not-checked"


def test_dry_run_sends_nothing_and_redacts(
    demo: pytest.Pytester, tagsmoke_gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGSMOKE_API_KEY", "sk-dryrun-canary-0123456789")
    result = demo.runpytest("--tagsmoke", "--tagsmoke-dry-run")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*tagsmoke dry run: nothing was sent*",
            "scenarios/chat.yaml::tagged-by-header-is-attributed",
            "    POST <endpoint>/v1/chat/completions",
            "    Authorization: ***",
            "    x-correlation-id: <correlation-id>",
            "    x-tag-owner: team-search",
            '*"metadata": {"environment": "development", "owner": "team-support"*',
        ]
    )
    assert "sk-dryrun-canary" not in result.stdout.str()
    assert not (demo.path / "tagsmoke-artifacts").exists()
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 0


def test_profile_in_pyproject(pytester: pytest.Pytester, tagsmoke_gateway: Gateway) -> None:
    pytester.makepyprojecttoml(
        f"""
        [tool.tagsmoke]
        endpoint = "{tagsmoke_gateway.url}"
        scenarios = ["smoke/*.yaml"]
        preset = "reference"
        [tool.tagsmoke.policy]
        owners = {{team-search = "search-oncall"}}
        """
    )
    (pytester.path / "smoke").mkdir()
    (pytester.path / "smoke" / "s.yaml").write_text(
        f"scenarios:\n  - name: ok\n    path: happy\n    tags: {TAGS}\n"
    )
    pytester.runpytest("--tagsmoke").assert_outcomes(passed=1)
    assert read_records(pytester.path)[0]["follow_up_owner"] == "search-oncall"


def test_invalid_pyproject_table_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.tagsmoke]\nendpont = "http://x"\n')
    result = pytester.runpytest("--tagsmoke")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*pyproject.toml:1:1: endpont: unknown key 'endpont'", "*did you mean 'endpoint'?"]
    )


def _problems(text: str) -> list[Problem] | None:
    """None when ``text`` loads; our problems when it does not; any other error escapes."""
    try:
        load_scenario_file(Path("random.yaml"), text=text)
    except TagsmokeFileError as exc:
        return exc.problems
    return None


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "scenarios",
                    "name",
                    "path",
                    "tags",
                    "expect",
                    "request",
                    "attach",
                    "marks",
                    "expand",
                    "status",
                    "bucket",
                    "happy",
                    "error",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(document=_yaml_values)
def test_random_documents_give_only_our_error(document: object) -> None:
    problems = _problems(yaml.safe_dump(document))
    assert problems is None or len(problems) > 0


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_random_text_gives_only_our_error(text: str) -> None:
    problems = _problems(text)
    assert problems is None or len(problems) > 0


def test_expanded_runs_differ_in_name_and_tags_and_share_what_expand_does_not_fill(
    tmp_path: Path,
) -> None:
    path = tmp_path / "expanded.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            request: {headers: {x-app: demo}}
            scenarios:
              - name: "request {n} is attributed"
                path: happy
                tags: {owner: team-search, use_case: "case-{n}"}
                marks: [{xfail: flaky gateway}]
                request: {json: {model: m, messages: []}}
                expect: {bucket: attributed, record: {owner: {equals: team-search}}}
                expand: {n: [a, b, c]}
            """
        )
    )
    first, *others = load_scenario_file(path)
    assert [s.id for s in (first, *others)] == [
        "request-is-attributed[a]",
        "request-is-attributed[b]",
        "request-is-attributed[c]",
    ]
    assert [s.tags["use_case"] for s in others] == ["case-b", "case-c"]
    assert first.name == "request a is attributed"
    assert first.request.headers == {"x-app": "demo"}
    assert first.expect.record == {"owner": ("equals", "team-search")}
    assert [(m.name, m.reason) for m in first.marks] == [("xfail", "flaky gateway")]
    for other in others:  # built once for the three runs: frozen, never changed in place
        assert other.request is first.request
        assert other.expect is first.expect
        assert other.marks is first.marks
