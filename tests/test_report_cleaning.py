"""Each distinct short text is cleaned once per redactor (issue #16, point 5): the remembered
answers must be the answers. Two scenarios with their own secrets share a text, a secret
learned mid-run reaches text cleaned before, and the memory stays bounded."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.pytest_front.report_cleaning import (
    REMEMBERED_LENGTH,
    TextCleaner,
    clean_report,
)
from pytest_tagsmoke.pytest_front.report_redaction import RedactionPlugin
from pytest_tagsmoke.safety.pricing_guard import WITHHELD
from pytest_tagsmoke.safety.redaction import Redactor
from tests.helpers import read_records

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway

ALPHA_KEY = "sk-alpha-7c41e9d2"
BETA_KEY = "sk-beta-92ad0f3b"
#: A text both scenarios' reports carry: each holds the other's key and its own.
SHARED_OWNER = f"team-{ALPHA_KEY}-{BETA_KEY}"


def test_a_remembered_answer_is_the_answer_of_its_own_redactor() -> None:
    alpha, beta = TextCleaner(Redactor([ALPHA_KEY])), TextCleaner(Redactor([BETA_KEY]))
    text = f"owner {SHARED_OWNER} paid $5"
    for _ in range(3):
        assert alpha.clean(text) == f"owner team-***-{BETA_KEY} paid {WITHHELD}"
        assert beta.clean(text) == f"owner team-{ALPHA_KEY}-*** paid {WITHHELD}"
        assert alpha.withhold(text) == f"owner {SHARED_OWNER} paid {WITHHELD}"


def test_a_clean_text_is_kept_as_the_same_object_and_a_long_one_still_cleaned() -> None:
    cleaner = TextCleaner(Redactor([ALPHA_KEY]))
    clean = "".join(["tagsmoke: request ", "b00001 is attributed"])  # a new object
    assert cleaner.clean(clean) is clean
    long = "x" * REMEMBERED_LENGTH + f" {ALPHA_KEY} costs 3 USD"
    for _ in range(2):
        assert cleaner.clean(long) == "x" * REMEMBERED_LENGTH + f" *** costs {WITHHELD}"
    assert cleaner.remembered() == 1  # the long text is not kept


def test_the_remembered_texts_are_bounded_and_stay_right() -> None:
    cleaner = TextCleaner(Redactor([ALPHA_KEY]), remembered=8)
    texts = [f"{ALPHA_KEY} #{n} costs ${n}" for n in range(20)]
    for text in texts + texts:
        number = text.split("#")[1].split()[0]
        assert cleaner.clean(text) == f"*** #{number} costs {WITHHELD}"
    assert cleaner.remembered() == 8


def _report(text: str) -> pytest.TestReport:
    return pytest.TestReport(
        "s.yaml::a",
        ("s.yaml", 0, f"tagsmoke: {text}"),
        {},
        "passed",
        None,
        "call",
        user_properties=[("service_owner", text), ("result", "pass")],
    )


def test_a_secret_learned_mid_run_reaches_a_text_cleaned_before(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", tagsmoke="endpoint: http://127.0.0.1:9\npreset: reference\n")
    profile = load_profile(pytester.path / "tagsmoke.yaml", {})
    plugin = RedactionPlugin(pytester.parseconfig(), profile)
    text = f"owner {ALPHA_KEY}"
    before = _report(text)
    clean_report(before, plugin.cleaner_for(None))
    assert before.location[2] == f"tagsmoke: {text}"  # not a secret yet
    # The endpoint hook answers a URL with a key in it: from now on that key is a secret.
    plugin.learn_endpoint(f"https://{ALPHA_KEY}@gateway.example")
    after = _report(text)
    clean_report(after, plugin.cleaner_for(None))
    assert after.location[2] == "tagsmoke: owner ***"
    assert after.user_properties == [("service_owner", "owner ***"), ("result", "pass")]


#: Records, per report, what every later plugin (JUnit XML, xdist, a CI reporter) sees.
SEEN_PLUGIN = """
import json

def pytest_runtest_logreport(report):
    with open("seen.jsonl", "a") as stream:
        seen = {"nodeid": report.nodeid, "when": report.when, "location": report.location[2],
                "properties": [list(p) for p in report.user_properties]}
        stream.write(json.dumps(seen) + "\\n")
"""


def test_two_scenarios_with_their_own_keys_and_amounts_are_each_cleaned(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", tagsmoke=f"endpoint: {tagsmoke_gateway.url}\npreset: reference\n")
    pytester.makeconftest(SEEN_PLUGIN)
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "s.yaml").write_text(
        textwrap.dedent("""\
        scenarios:
          - name: alpha pays $5
            path: happy
            credential: ${ALPHA_KEY}
            tags: {owner: "team-${ALPHA_KEY}-${BETA_KEY}", environment: staging,
                   use_case: semantic-search}
          - name: beta pays 7 EUR
            path: happy
            credential: ${BETA_KEY}
            tags: {owner: "team-${ALPHA_KEY}-${BETA_KEY}", environment: staging,
                   use_case: semantic-search}
        """)
    )
    monkeypatch.setenv("ALPHA_KEY", ALPHA_KEY)
    monkeypatch.setenv("BETA_KEY", BETA_KEY)
    result = pytester.runpytest("--tagsmoke")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 2
    seen = [json.loads(line) for line in (pytester.path / "seen.jsonl").read_text().splitlines()]
    assert len(seen) == 6  # setup, call, teardown of each
    expected = {
        "alpha": (f"tagsmoke: alpha pays {WITHHELD}", f"team-***-{BETA_KEY}"),
        "beta": (f"tagsmoke: beta pays {WITHHELD}", f"team-{ALPHA_KEY}-***"),
    }
    for report in seen:
        location, owner = expected["alpha" if "alpha" in report["nodeid"] else "beta"]
        assert report["location"] == location
        if report["when"] != "setup":  # the properties come with the record, at the call
            assert ["service_owner", owner] in report["properties"]
    alpha, beta = sorted(read_records(pytester.path), key=lambda r: r["scenario"])
    assert alpha["service_owner"] == f"team-***-{BETA_KEY}"
    assert alpha["attribution_fields"]["owner"]["value"] == f"team-***-{BETA_KEY}"
    assert beta["service_owner"] == f"team-{ALPHA_KEY}-***"
