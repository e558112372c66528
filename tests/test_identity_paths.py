"""Identity paths (issue #14, point 3): scenario files interpolate ${VAR} like profiles,
carry their own credential, and expect an owner the gateway derives from the caller's key;
a retired key is refused or left untagged, never attributed. Against the reference gateway,
which derives owners from a key table and refuses retired keys."""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING

from pytest_tagsmoke.reference import Faults, ReferenceGateway
from tests.helpers import artifact_text, read_records

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

SEARCH_KEY = "ref-search-key-5c1e0b77a2"
SUPPORT_KEY = "ref-support-key-93d4f1e08b"
OLD_KEY = "ref-retired-key-0a6b2c4d9e"
TAGS = "{environment: staging, use_case: semantic-search}"

SCENARIOS = f"""\
request:
  headers: {{Authorization: "Bearer ${{SEARCH_KEY}}", x-tag-use-case: "${{USE_CASE:-ignored}}"}}
scenarios:
  - name: owner derived from the key in the scenario's own header
    path: happy
    tags: {TAGS}
    expect: {{record: {{owner: {{equals: team-search}}}}}}
  - name: owner derived from the scenario's credential
    path: happy
    credential: ${{SUPPORT_KEY}}
    tags: {TAGS}
    expect: {{derived_owner: team-support}}
  - name: retired key is refused
    path: error
    credential: ${{OLD_KEY}}
    tags: {TAGS}
    expect: {{status: 401}}
"""

UNTAGGED = f"""\
scenarios:
  - name: retired key is left untagged
    path: error
    credential: ${{OLD_KEY}}
    tags: {TAGS}
    expect: {{bucket: untagged, reason: missing_owner, untagged_count: increments}}
"""


def _project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    shutil_demo = pytester.path / "scenarios"
    shutil_demo.mkdir(exist_ok=True)
    pytester.makefile(
        ".yaml",
        tagsmoke="credential: ${TAGSMOKE_API_KEY:-<API_KEY_PLACEHOLDER>}\npreset: reference\n",
    )
    (shutil_demo / "identity.yaml").write_text(textwrap.dedent(body))
    monkeypatch.setenv("SEARCH_KEY", SEARCH_KEY)
    monkeypatch.setenv("SUPPORT_KEY", SUPPORT_KEY)
    monkeypatch.setenv("OLD_KEY", OLD_KEY)
    monkeypatch.setenv("USE_CASE", "semantic-search")


def _gateway(tmp_path: Path, **kwargs: object) -> ReferenceGateway:
    return ReferenceGateway(
        tmp_path / "log.sqlite",
        key_owners={SEARCH_KEY: "team-search", SUPPORT_KEY: "team-support"},
        retired_keys={OLD_KEY: "team-search"},
        **kwargs,  # type: ignore[arg-type]
    )


def test_owner_derived_from_the_key_and_a_retired_key_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _project(pytester, monkeypatch, SCENARIOS)
    with _gateway(tmp_path) as gateway:
        result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=3)
    header, credential, retired = read_records(pytester.path)
    assert header["tags_in_log"]["owner"] == "team-search"
    assert header["tags_in_log"]["use_case"] == "semantic-search"  # ${USE_CASE} was sent
    assert header["service_owner"] is None  # nothing was sent: the key named the owner
    assert credential["tags_in_log"]["owner"] == "team-support"
    assert retired["http_status"] == 401


def test_a_derived_owner_that_differs_fails_and_no_key_reaches_any_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _project(pytester, monkeypatch, SCENARIOS.replace("equals: team-search", "equals: team-ads"))
    with _gateway(tmp_path) as gateway:
        result = pytester.runpytest(
            "--tagsmoke", f"--tagsmoke-endpoint={gateway.url}", "--junitxml=out.xml", "-rA"
        )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*record field owner: expected 'team-ads', found 'team-search'*"])
    shown = result.stdout.str() + result.stderr.str() + (pytester.path / "out.xml").read_text()
    shown += artifact_text(pytester.path)
    for key in (SEARCH_KEY, SUPPORT_KEY, OLD_KEY):
        assert key not in shown
    dry = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run", "-s")
    assert "Authorization" in dry.stdout.str() or "authorization" in dry.stdout.str()
    for key in (SEARCH_KEY, SUPPORT_KEY, OLD_KEY):
        assert key not in dry.stdout.str()


def test_a_retired_key_left_untagged_passes_and_attributed_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _project(pytester, monkeypatch, UNTAGGED)
    with _gateway(tmp_path, retired_keys_untagged=True) as gateway:
        result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(passed=1)
    faults = Faults(attribute_retired_keys=True)
    with _gateway(tmp_path / "again", faults=faults) as gateway:
        result = pytester.runpytest("--tagsmoke", f"--tagsmoke-endpoint={gateway.url}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*untagged_not_isolated*",
            "*bucket 'attributed' and counted in a team's attributed total*",
        ]
    )


def test_unset_variables_fail_the_run_but_not_validate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(pytester, monkeypatch, SCENARIOS)
    monkeypatch.delenv("SUPPORT_KEY")
    monkeypatch.delenv("USE_CASE")
    checked = pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", ".")
    assert checked.ret == 0, checked.stdout.str()
    result = pytester.runpytest("--tagsmoke", "--tagsmoke-endpoint=http://127.0.0.1:9")
    result.stdout.fnmatch_lines(
        [
            "*identity.yaml:10:5: scenarios[[]1].credential: "
            "environment variable SUPPORT_KEY is not set*"
        ]
    )
    result.stdout.no_fnmatch_line("*USE_CASE*")  # it has a default


def test_derived_owner_with_an_owner_tag_is_refused_at_load(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(
        pytester,
        monkeypatch,
        "scenarios:\n  - name: both\n    path: happy\n"
        "    tags: {owner: team-search}\n    expect: {derived_owner: team-search}\n",
    )
    checked = pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", ".")
    assert checked.ret == 1
    checked.stdout.fnmatch_lines(
        ["*identity.yaml:4:*scenarios[[]0].tags.owner: expect.derived_owner*"]
    )
