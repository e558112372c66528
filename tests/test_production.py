"""Issue #11, production safety: production-tagged traffic is refused wherever the
environment travels, and production hosts are matched however they are written."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.files.scenario import load_scenario_file
from pytest_tagsmoke.sending.production import environment_refusal, host_refusal, normalized_host

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.reference import ReferenceGateway

LITELLM_PROFILE = """\
endpoint: http://127.0.0.1:9
attach:
  owner: {tags_header: x-litellm-tags}
  environment: {tags_header: x-litellm-tags, key: env}
  use_case: {json_header: cf-aig-metadata}
"""


def _load(
    tmp_path: Path, scenario_yaml: str, profile_yaml: str = "endpoint: x\npreset: reference\n"
) -> tuple[Scenario, Profile]:
    (tmp_path / "tagsmoke.yaml").write_text(profile_yaml)
    (tmp_path / "s.yaml").write_text(textwrap.dedent(scenario_yaml))
    profile = load_profile(tmp_path / "tagsmoke.yaml", {})
    (scenario,) = load_scenario_file(tmp_path / "s.yaml")
    return scenario, profile


@pytest.mark.parametrize(
    "scenario_yaml",
    [
        "tags: {owner: o, environment: Production}",
        "tags: {owner: o, environment: ' production '}",
        "tags: {owner: o, environment: PRODUCTION}",
        "tags: {owner: o}\n    request: {headers: {x-tag-environment: production}}",
        "tags: {owner: o}\n    request: {headers: {X-Tag-Environment: ' Production'}}",
        "tags: {owner: o}\n    request: {json: {metadata: {environment: production}}}",
        "tags: {owner: o}\n    request: {json: {metadata: {tags: {env: PRODUCTION}}}}",
        "tags: {owner: o}\n    request: {headers: {x-litellm-tags: 'a:b, env:production'}}",
        'tags: {owner: o}\n    request: {headers: {cf-aig-metadata: \'{"env": "production"}\'}}',
        "tags: {owner: o, environment: production}\n    attach: metadata",
    ],
    ids=[
        "capitalised",
        "padded",
        "upper",
        "raw-header",
        "raw-header-other-case",
        "body-metadata",
        "nested-metadata",
        "raw-tags-header",
        "raw-json-header",
        "attach-metadata",
    ],
)
def test_production_is_refused_wherever_the_environment_travels(
    tmp_path: Path, scenario_yaml: str
) -> None:
    scenario, profile = _load(
        tmp_path, f"scenarios:\n  - name: a\n    path: happy\n    {scenario_yaml}\n"
    )
    refusal = environment_refusal(scenario, profile)
    assert refusal is not None
    assert refusal.startswith("refused: the scenario sends environment=production (")
    assert "--tagsmoke-allow-production" in refusal


@pytest.mark.parametrize("environment", ["staging", "Production", " prd "])
def test_production_through_every_attach_kind_is_refused(tmp_path: Path, environment: str) -> None:
    scenario, profile = _load(
        tmp_path,
        f"scenarios:\n  - name: a\n    path: happy\n    tags: {{owner: o, environment: "
        f"'{environment}', use_case: u}}\n",
        LITELLM_PROFILE,
    )
    refusal = environment_refusal(scenario, profile)
    if environment == "Production":
        assert refusal is not None
        assert "x-litellm-tags" in refusal or "tag environment" in refusal
    else:  # drift aliases stay sendable: that is how quarantine is checked
        assert refusal is None


@pytest.mark.parametrize("value", ["prd", "prod", "live", "PRD", "staging", "production-like"])
def test_drift_aliases_and_other_values_stay_sendable(tmp_path: Path, value: str) -> None:
    scenario, profile = _load(
        tmp_path,
        f"scenarios:\n  - name: a\n    path: error\n    tags: {{owner: o, environment: {value}}}\n"
        f"    request: {{headers: {{x-env: {value}}}, json: {{metadata: {{env: {value}}}}}}}\n",
    )
    assert environment_refusal(scenario, profile) is None


@pytest.mark.parametrize(
    ("endpoint", "pattern"),
    [
        ("http://localhost./v1", "localhost"),
        ("http://LOCALHOST:8080", "localhost"),
        ("http://LOCALHOST.:8080", "localhost"),
        ("http://localhost", "LOCALHOST."),
        ("https://Gateway.Prod.Internal.:443/x", "*.prod.internal"),
        ("http://[::1]:4000/", "::1"),
        ("http://[::1]:4000/", "[::1]:4000"),
        ("http://u:p@gateway.prod.internal", "gateway.prod.internal:443"),
        ("gateway.prod.internal:8443", "gateway.prod.internal"),
    ],
)
def test_production_hosts_match_however_they_are_written(endpoint: str, pattern: str) -> None:
    refusal = host_refusal(endpoint, [pattern])
    assert refusal is not None
    assert "matches the profile's production_hosts" in refusal


@pytest.mark.parametrize(
    ("endpoint", "pattern"),
    [
        ("http://localhost.example/v1", "localhost"),
        ("http://127.0.0.1:8080", "localhost"),
        ("http://[::2]/", "::1"),
        ("https://staging.internal", "*.prod.internal"),
    ],
)
def test_other_hosts_are_not_refused(endpoint: str, pattern: str) -> None:
    assert host_refusal(endpoint, [pattern]) is None


def test_normalized_host() -> None:
    assert normalized_host("[2001:DB8::1]:443") == "2001:db8::1"
    assert normalized_host("Example.COM.") == "example.com"
    assert normalized_host("https://user:pw@Example.com:8443/path") == "example.com"


# -- end to end ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "scenario_yaml",
    [
        "tags: {owner: team-search, environment: Production, use_case: s}",
        "tags: {owner: team-search, environment: ' production ', use_case: s}\n"
        "    attach: metadata",
        "tags: {owner: team-search, use_case: s}\n"
        "    request: {headers: {x-tag-environment: production}}",
        "tags: {owner: team-search, use_case: s}\n"
        "    request: {json: {model: m, metadata: {environment: PRODUCTION}}}",
    ],
    ids=["capitalised-tag", "padded-tag-in-metadata", "raw-header", "body-metadata"],
)
def test_production_traffic_is_refused_end_to_end(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, scenario_yaml: str
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "prod.yaml").write_text(
        f"scenarios:\n  - name: production traffic\n    path: happy\n    {scenario_yaml}\n"
    )
    refused = pytester.runpytest("--tagsmoke")
    refused.assert_outcomes(errors=1)
    refused.stdout.fnmatch_lines(
        ["*refused: the scenario sends environment=production (*--tagsmoke-allow-production*"]
    )
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 0  # nothing was sent
    allowed = pytester.runpytest("--tagsmoke", "--tagsmoke-allow-production")
    assert allowed.parseoutcomes().get("errors", 0) == 0
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 1


@pytest.mark.parametrize("pattern", ["LOCALHOST", "localhost.", "localhost:9999"])
def test_production_host_is_refused_however_written(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, pattern: str
) -> None:
    port = tagsmoke_gateway.url.rsplit(":", 1)[1]
    pytester.makefile(
        ".yaml",
        tagsmoke=f"endpoint: http://localhost.:{port}\nproduction_hosts: [{json.dumps(pattern)}]\n"
        "preset: reference\n",
    )
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        "scenarios:\n  - name: a\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: s}\n"
    )
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*refused: the endpoint host 'localhost' matches the profile's production_hosts*"]
    )
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 0


def test_each_expanded_run_is_checked_with_its_own_tags(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    # The runs share one request spec; the check is shared only by runs sending the same.
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "runs.yaml").write_text(
        "scenarios:\n"
        "  - name: 'to {environment} as {n}'\n"
        "    path: happy\n"
        "    tags: {owner: team-search, environment: '{environment}', use_case: s}\n"
        "    expand: {environment: [staging, Production], n: [a, b]}\n"
    )
    result = pytester.runpytest("--tagsmoke", "-rA")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "ERROR *to-as*Production-a*",
            "ERROR *to-as*Production-b*",
        ],
        consecutive=False,
    )
    assert sum(tagsmoke_gateway.db.bucket_counts().values()) == 2  # the staging runs only
