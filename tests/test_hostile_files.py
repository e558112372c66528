"""Issue #11: random profiles and scenario files — well-formed, wrong-typed, hostile (alias
bombs, duplicate keys, bytes that are not UTF-8) — give either a usable run or a
:class:`TagsmokeFileError`: never a traceback, never a hang, never the canary credential."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_tagsmoke.errors import SetupError, TagsmokeFileError
from pytest_tagsmoke.files.profile import Profile, load_profile
from pytest_tagsmoke.files.scenario import Scenario, load_scenario_file
from pytest_tagsmoke.sending.production import environment_refusal, host_refusal
from pytest_tagsmoke.sending.request import build_request, render_request
from tests.helpers import CANARY, alias_bomb

# A bound that only a hang or a blow-up reaches; not a speed test.
BOUND = dt.timedelta(seconds=10)

CANARY_FORMS = [CANARY, CANARY + "\n", f" {CANARY} ", CANARY[:6] + "\u201d" + CANARY[6:]]
SECRET_VALUES = [
    CANARY,
    f"Bearer {CANARY}",
    "${TAGSMOKE_API_KEY}",
    "Bearer ${TAGSMOKE_API_KEY}",
    "${LOG_TOKEN}",
    "production",
    " Production ",
    "$0.02",
    "&anchor",
]
KEYS = [
    "endpoint",
    "credential",
    "headers",
    "Authorization",
    "x-api-key",
    "tags",
    "environment",
    "request",
    "json",
    "metadata",
    "log_store",
    "auth",
    "bearer",
    "code",
    "scenarios",
    "name",
    "path",
    "expect",
]

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 700)
    | st.text(max_size=12)
    | st.sampled_from(SECRET_VALUES)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
_endpoints = st.sampled_from(
    [
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/?code=${TAGSMOKE_API_KEY}",
        "http://u:${TAGSMOKE_API_KEY}@LOCALHOST.:9/?api-version=1&sig=${LOG_TOKEN}",
        "http://[::1]:9/",
        "${TAGSMOKE_ENDPOINT:-}",
    ]
)
_profiles = st.fixed_dictionaries(
    # The wire format (how tags travel, where records are) comes from a preset.
    {"preset": st.just("reference")},
    optional={
        "endpoint": _endpoints | _values,
        "credential": st.sampled_from(
            ["${TAGSMOKE_API_KEY}", "<API_KEY_PLACEHOLDER>", CANARY, " ${TAGSMOKE_API_KEY} "]
        )
        | _values,
        "public_query_params": st.lists(st.sampled_from(["api-version", "code", "sig"])) | _values,
        "secret_headers": st.lists(st.sampled_from(["x-tenant", "x-api-key"])) | _values,
        "production_hosts": st.lists(st.sampled_from(["localhost", "::1", "*.prod", "[::1]:9"]))
        | _values,
        "attach": st.sampled_from(
            [
                {"environment": {"tags_header": "x-litellm-tags", "key": "env"}},
                {"environment": {"metadata": "tags.environment"}},
                {"environment": {"json_header": "cf-aig-metadata"}},
            ]
        )
        | _values,
        "log_store": st.fixed_dictionaries(
            {"record_url": st.sampled_from(["{endpoint}/r/{correlation_id}?code=${LOG_TOKEN}"])},
            optional={
                "headers": st.just({"x-log-token": "${LOG_TOKEN}"}) | _values,
                "auth": st.just({"basic": "pk:${LOG_TOKEN}"}) | _values,
                "fields": st.just({"billing_unit": "billing_unit"}) | _values,
            },
        )
        | _values,
    },
)
_scenario = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["a", "b c", "cost $0.02"]),
        "path": st.sampled_from(["happy", "error"]),
    },
    optional={
        "tags": st.dictionaries(
            st.sampled_from(["owner", "environment", "use_case"]),
            st.sampled_from(["team-a", "production", " Production ", "prd", "staging"]),
        )
        | _values,
        "request": st.fixed_dictionaries(
            {},
            optional={
                "headers": st.dictionaries(
                    st.sampled_from(["x-tag-environment", "x-tenant", "Authorization"]),
                    st.sampled_from(["production", "${TAGSMOKE_API_KEY}", "PRODUCTION", "x"]),
                ),
                "json": st.just({"metadata": {"environment": "Production"}}) | _values,
            },
        )
        | _values,
        "attach": st.sampled_from(["header", "metadata"]) | _values,
        "expect": st.sampled_from([{"bucket": "attributed"}, {"status": 200}]) | _values,
    },
)
_scenario_documents = st.one_of(
    st.fixed_dictionaries({"scenarios": st.lists(_scenario, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"scenarios": _values}),
    _values,
)
HOSTILE_TEXTS = [
    alias_bomb() + "scenarios: []\n",
    alias_bomb(7, 9) + "endpoint: http://127.0.0.1:9\n",
    "endpoint: http://127.0.0.1:9\nendpoint: http://gateway.prod.internal\n",
    f"scenarios:\n  - name: a\n    path: happy\n    tags: {{owner: {CANARY}}}\n    tags: {{}}\n",
    "a: &a [*a]\n",
    "[" * 80 + "]" * 80 + "\n",
    f"- {CANARY}\n",
    f"{CANARY}\n",
    f"request: [{{headers: {{Authorization: 'Bearer {CANARY}'}}}}]\n",
    "\tscenarios: []\n",
]


def _text(document: Any) -> st.SearchStrategy[bytes]:
    return st.just(yaml.safe_dump(document, allow_unicode=True).encode())


_files = st.one_of(
    _profiles.flatmap(_text),
    st.sampled_from(HOSTILE_TEXTS).map(str.encode),
    st.binary(max_size=60),
)
_scenario_files = st.one_of(
    _scenario_documents.flatmap(_text),
    st.sampled_from(HOSTILE_TEXTS).map(str.encode),
    st.binary(max_size=60),
)


def _load(
    folder: Path, profile_bytes: bytes, scenario_bytes: bytes, env: dict[str, str]
) -> tuple[Profile | None, list[Scenario] | None, list[str]]:
    """Load both files; every error text is returned for the canary check."""
    (folder / "tagsmoke.yaml").write_bytes(profile_bytes)
    (folder / "s.yaml").write_bytes(scenario_bytes)
    texts: list[str] = []
    profile = scenarios = None
    for require_env in (True, False):  # the run, and `tagsmoke validate`
        try:
            profile = load_profile(folder / "tagsmoke.yaml", env, require_env=require_env)
        except TagsmokeFileError as exc:
            texts += [str(exc), *(str(p) for p in exc.problems)]
    try:
        scenarios = load_scenario_file(folder / "s.yaml", known_fields={"owner", "billing_unit"})
    except TagsmokeFileError as exc:
        texts += [str(exc), *(str(p) for p in exc.problems)]
    return profile, scenarios, texts


@settings(
    max_examples=250,
    deadline=BOUND,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    profile_bytes=_files,
    scenario_bytes=_scenario_files,
    credential=st.sampled_from(CANARY_FORMS),
    log_token=st.sampled_from(CANARY_FORMS),
)
def test_random_files_give_a_run_or_a_file_error_and_never_the_canary(
    profile_bytes: bytes, scenario_bytes: bytes, credential: str, log_token: str
) -> None:
    env = {"TAGSMOKE_API_KEY": credential, "LOG_TOKEN": log_token}
    with tempfile.TemporaryDirectory() as name:
        profile, scenarios, texts = _load(Path(name), profile_bytes, scenario_bytes, env)
    event(f"profile {profile is not None}, scenarios {scenarios is not None}")
    if profile is not None:
        texts.append(profile.shown_endpoint())
        texts.append(host_refusal(profile.endpoint, profile.production_hosts) or "")
        redactor = profile.redactor()
        for scenario in scenarios or []:
            texts.append(environment_refusal(scenario, profile) or "")
            try:
                request = build_request(profile, scenario, "tagsmoke-x")
            except SetupError as exc:  # a tag the profile says not how to send: its own error
                texts.append(str(exc))
                continue
            texts.append(redactor.scrub(render_request(request)))
    for text in texts:
        assert CANARY not in text
        assert CANARY[:6] + "\u201d" not in text


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_scenario_files_are_one_collection_error_each(
    pytester: pytest.Pytester, text: str
) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "bad.yaml").write_text(text)
    (pytester.path / "scenarios" / "good.yaml").write_text(
        "scenarios:\n  - name: a\n    path: happy\n"
        "    tags: {owner: team-search, environment: staging, use_case: s}\n"
    )
    result = pytester.runpytest("--tagsmoke", "--tagsmoke-dry-run", "--junitxml=out.xml")
    result.assert_outcomes(passed=1, errors=1)  # the good file still runs
    output = result.stdout.str() + result.stderr.str() + (pytester.path / "out.xml").read_text()
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    assert CANARY not in output
