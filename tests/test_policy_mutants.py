"""Classification and record decoding, case by case: the behaviours that mutation testing
(tools/mutation_score.py) showed no other test pinned down. Pure functions, plain values."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_tagsmoke.logstore.mapping import FieldMapper, FieldSpec, scalar
from pytest_tagsmoke.policy.reasons import FailureReason
from pytest_tagsmoke.policy.tag_policy import LedgerEntry, TagPolicy, by_precedence, classify

# -- the tag policy ---------------------------------------------------------------------
# -- the owner ledger ---------------------------------------------------------------------

LIVE = LedgerEntry("team-a", "Search", "CC-1", "Ann", "search-oncall", "2026-10-01", where="o:2")
GONE = LedgerEntry("team-old", "Old", "CC-9", "Bob", "old-oncall", "2025-01-01", True, "o:3")
LEDGER = TagPolicy(
    owners={"team-old": "old-map", "team-map": "map-owner"},
    ledger={"team-a": LIVE, "team-old": GONE},
    ledger_source="owners.yaml",
)


def test_the_ledger_names_who_follows_up_on_a_live_owner() -> None:
    assert LEDGER.follow_up_owner("team-a") == "search-oncall"
    # retired in the ledger: the owner map's entry, else the default
    assert LEDGER.follow_up_owner("team-old") == "old-map"
    assert LEDGER.follow_up_owner("team-map") == "map-owner"
    assert LEDGER.follow_up_owner("") == "platform-finops"
    assert LEDGER.follow_up_owner(None) == "platform-finops"


def test_an_owner_is_known_when_live_in_the_ledger_else_by_the_owner_map() -> None:
    assert [LEDGER.owner_known(o) for o in ("team-a", "team-old", "team-map", "team-x")] == [
        True,
        False,
        True,
        False,
    ]
    assert LEDGER.knows_owners()
    assert TagPolicy(ledger={"team-a": LIVE}).knows_owners()
    assert not TagPolicy().knows_owners()


def test_a_live_owner_maps_to_the_ledgers_chargeback_fields() -> None:
    assert LEDGER.mapped_owner("team-a") == {
        "team": "Search",
        "cost_center": "CC-1",
        "budget_owner": "Ann",
    }
    assert [LEDGER.mapped_owner(o) for o in ("team-old", "team-map", "", None)] == [None] * 4


def test_the_fix_for_an_owner_that_cannot_be_charged_names_the_ledger_row() -> None:
    assert LEDGER.owner_fix("team-old") == (
        "owner 'team-old' is retired in the owner ledger (o:3): retag its traffic with the "
        "owner that took over, or un-retire the row after review"
    )
    assert LEDGER.owner_fix("team-x") == (
        "owner 'team-x' is not in the owner ledger (owners.yaml): add a row for it (owner, "
        "team, cost_center, budget_owner, follow_up, last_reviewed), or fix the tag where it "
        "is set"
    )
    assert LEDGER.owner_fix(None) == (
        "owner None is not in the owner ledger (owners.yaml): add a row for it (owner, team, "
        "cost_center, budget_owner, follow_up, last_reviewed), or fix the tag where it is set"
    )
    assert TagPolicy(owners={"a": "b"}).owner_fix("team-x") == (
        "owner 'team-x' is not in the policy's owner map"
    )


def test_an_empty_owner_never_matches_a_ledger_row_not_even_a_blank_named_one() -> None:
    # A ledger row whose owner cell is blank must not adopt the traffic that has no owner.
    blank = LedgerEntry("", "Nobody", "CC-0", "Nil", "blank-oncall", "2026-10-01", where="o:9")
    policy = TagPolicy(ledger={"": blank}, ledger_source="owners.yaml")
    assert policy.follow_up_owner("") == "platform-finops"
    assert policy.mapped_owner("") is None
    assert policy.owner_fix("") == (
        "owner '' is not in the owner ledger (owners.yaml): add a row for it (owner, team, "
        "cost_center, budget_owner, follow_up, last_reviewed), or fix the tag where it is set"
    )
    retired = LedgerEntry("", "Old", "CC-0", "Nil", "old-oncall", "2025-01-01", True, "o:9")
    assert TagPolicy(ledger={"": retired}).owner_fix("").startswith("owner '' is not in")


def test_reasons_are_ordered_by_precedence_not_by_name() -> None:
    # By name, missing_environment would come before missing_trace and gateway_error last
    # but one; the precedence puts the gateway and the trace first.
    reasons = [
        FailureReason.TAG_MISMATCH,
        FailureReason.MISSING_TRACE,
        FailureReason.MISSING_ENVIRONMENT,
        FailureReason.GATEWAY_ERROR,
        FailureReason.MISSING_TRACE,
    ]
    assert by_precedence(reasons) == (
        FailureReason.GATEWAY_ERROR,
        FailureReason.MISSING_TRACE,
        FailureReason.MISSING_ENVIRONMENT,
        FailureReason.TAG_MISMATCH,
    )


def test_unknown_and_retired_owners_are_attributed_but_missing_owner() -> None:
    tags = {"environment": "staging", "use_case": "search"}
    for owner in ("team-old", "team-x"):
        found = classify({**tags, "owner": owner}, LEDGER)
        assert (found.bucket, found.reasons) == ("attributed", ("missing_owner",))
    assert classify({**tags, "owner": "team-a"}, LEDGER).reasons == ()


def test_drift_names_the_approved_value_of_a_known_alias() -> None:
    tags = {"owner": "team-a", "environment": "prd", "use_case": "search"}
    assert TagPolicy().drift(tags) == {"environment": "production"}


@pytest.mark.parametrize(
    "tags",
    [{"environment": "production"}, {"environment": "qa"}, {"environment": None}, {}],
    ids=["approved", "unknown-but-no-alias", "empty", "absent"],
)
def test_values_that_are_no_known_alias_are_no_drift(tags: dict[str, str | None]) -> None:
    assert TagPolicy().drift(tags) == {}


def test_drift_uses_the_profile_s_aliases_for_any_dimension() -> None:
    policy = TagPolicy(aliases={"owner": {"search": "team-search"}})
    # the profile's aliases replace the defaults: prd is no longer a known alias
    assert policy.drift({"owner": "search", "environment": "prd"}) == {"owner": "team-search"}


SHARED_ENV = TagPolicy(
    owners={"team-a": "alice"}, shared_environments=frozenset({"internal-tooling"})
)


@pytest.mark.parametrize(
    ("tags", "bucket", "reasons"),
    [
        (
            {"owner": "team-a", "environment": "internal-tooling", "use_case": "x"},
            "shared",
            ("shared_cost_rule_needed",),
        ),
        # shared cost wins over an owner nobody can be charged for
        (
            {"owner": "team-zz", "environment": "internal-tooling", "use_case": "x"},
            "shared",
            ("shared_cost_rule_needed",),
        ),
        ({"owner": "team-a", "environment": "staging", "use_case": "x"}, "attributed", ()),
        # a missing tag is found before shared cost
        ({"owner": "team-a", "environment": "internal-tooling"}, "untagged", ("tag_mismatch",)),
    ],
    ids=["shared-environment", "shared-beats-unknown-owner", "other-environment", "untagged"],
)
def test_a_shared_cost_environment_goes_to_the_shared_bucket(
    tags: dict[str, str | None], bucket: str, reasons: tuple[str, ...]
) -> None:
    result = classify(tags, SHARED_ENV)
    assert (result.bucket, result.reasons) == (bucket, reasons)


def test_reasons_come_most_fundamental_first_whatever_the_dimension_order() -> None:
    policy = TagPolicy(dimensions=("use_case", "owner", "environment"))
    result = classify({}, policy)
    assert result.reasons == ("missing_environment", "missing_owner", "tag_mismatch")
    assert result.reason == "missing_environment"


def test_two_missing_custom_dimensions_give_one_reason() -> None:
    result = classify({}, TagPolicy(dimensions=("team", "project")))
    assert (result.bucket, result.reasons) == ("untagged", ("tag_mismatch",))


def test_a_clean_record_has_no_reason() -> None:
    tags = {"owner": "team-a", "environment": "staging", "use_case": "x"}
    assert classify(tags, TagPolicy()).reason is None


def test_optional_dimensions_are_reported_after_the_required_ones_once() -> None:
    policy = TagPolicy(optional_dimensions=("cost_center", "owner"))
    assert policy.all_dimensions == ("owner", "environment", "use_case", "cost_center")
    # optional: a record without it is still attributed
    tags = {"owner": "team-a", "environment": "staging", "use_case": "x"}
    assert classify(tags, policy).bucket == "attributed"


# -- decoding a store's record ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", None),
        ([], None),
        ({}, None),
        ("team-a", "team-a"),
        (0, "0"),
        (12, "12"),
        (True, "true"),
        (False, "false"),
        ({"b": 1, "a": "x"}, '{"a": "x", "b": 1}'),
        (["x", 1], '["x", 1]'),
    ],
)
def test_a_record_value_becomes_the_text_compared(value: Any, text: str | None) -> None:
    assert scalar(value) == text


def test_a_field_is_a_path_or_a_mapping() -> None:
    assert FieldSpec.parse("tags.owner") == FieldSpec("tags.owner")
    assert FieldSpec.parse(
        {"path": "metadata", "decode": "json", "then": "team", "normalize": True}
    ) == FieldSpec("metadata", decode="json", then="team", normalize=True)
    assert FieldSpec.parse({"path": "env"}) == FieldSpec("env")


def _map(spec: FieldSpec, document: dict[str, Any], **aliases: dict[str, str]) -> str | None:
    return FieldMapper({"value": spec}, aliases or None).map(document)["value"]


@pytest.mark.parametrize(
    ("stored", "found"),
    [
        ('{"team": "search", "env": "prd"}', "search"),  # Cloudflare's metadata string
        (b'{"team": "search"}', "search"),
        ({"team": "search"}, "search"),  # already an object: used as it is
        ("not json", None),
        ('"just a string"', None),
        (None, None),
    ],
    ids=["json-text", "json-bytes", "object", "not-json", "json-scalar", "absent"],
)
def test_json_inside_a_string_is_decoded(stored: Any, found: str | None) -> None:
    spec = FieldSpec("metadata", decode="json", then="team")
    assert _map(spec, {"metadata": stored}) == found


def test_json_without_then_is_the_whole_decoded_value() -> None:
    spec = FieldSpec("metadata", decode="json")
    assert _map(spec, {"metadata": '{"b": 2, "a": 1}'}) == '{"a": 1, "b": 2}'


@pytest.mark.parametrize(
    ("stored", "key", "found"),
    [
        ("owner:team-a,environment:staging", "environment", "staging"),
        (" owner : team-a , environment : staging ", "owner", "team-a"),
        (["owner:team-a", "use-case:search"], "use-case", "search"),  # LiteLLM's list
        ('["owner:team-a", "cost.center:eng"]', "cost.center", "eng"),  # list as JSON text
        (' \n["owner:team-a"]', "owner", "team-a"),  # JSON text after white space
        ("Team:search,team:other", "Team", "search"),  # keys keep their case
        ("link:https://example.test/x", "link", "https://example.test/x"),
        ("owner:first,owner:second", "owner", "first"),
        ("owner,environment:staging", "owner", None),  # no value given
        (["owner:team-a", 7, None], "owner", "team-a"),
        (42, "owner", None),
        ('["owner:a"', "owner", None),  # broken JSON list
    ],
    ids=[
        "comma-text",
        "spaces",
        "list",
        "json-list",
        "json-list-after-space",
        "key-case-kept",
        "colon-in-value",
        "first-wins",
        "bare-key",
        "non-text-items",
        "not-a-list",
        "broken-json",
    ],
)
def test_key_value_tag_lists_are_decoded(stored: Any, key: str, found: str | None) -> None:
    spec = FieldSpec("request_tags", decode="tags", then=key)
    assert _map(spec, {"request_tags": stored}) == found


@pytest.mark.parametrize("key", ["x-tag-owner", "X-Tag-Owner", "X-TAG-OWNER"])
def test_header_maps_are_read_whatever_the_case(key: str) -> None:
    spec = FieldSpec("request.headers", decode="headers", then=key)
    document = {"request": {"headers": {"X-Tag-Owner": "team-a", "Accept": "*/*"}}}
    assert _map(spec, document) == "team-a"


def test_headers_that_are_not_a_map_hold_nothing() -> None:
    spec = FieldSpec("headers", decode="headers", then="x-tag-owner")
    assert _map(spec, {"headers": ["x-tag-owner: team-a"]}) is None


def test_then_on_a_plain_value_finds_nothing() -> None:
    assert _map(FieldSpec("owner", then="name"), {"owner": "team-a"}) is None


def test_then_is_a_path_after_json() -> None:
    spec = FieldSpec("metadata", decode="json", then="tags.owner")
    assert _map(spec, {"metadata": '{"tags": {"owner": "team-a"}}'}) == "team-a"


@pytest.mark.parametrize(
    ("normalize", "stored", "found"),
    [(True, "prd", "production"), (True, "staging", "staging"), (False, "prd", "prd")],
)
def test_normalize_maps_a_known_alias_to_its_approved_value(
    normalize: bool, stored: str, found: str
) -> None:
    mapper = FieldMapper(
        {
            "environment": FieldSpec("env", normalize=normalize),
            "owner": FieldSpec("owner", normalize=True),
        },
        {"environment": {"prd": "production"}},
    )
    values = mapper.map({"env": stored, "owner": "prd"})
    # an alias belongs to its dimension only
    assert values == {"environment": found, "owner": "prd"}
    assert mapper.names == ["environment", "owner"]


def test_normalize_without_aliases_keeps_the_value() -> None:
    spec = FieldSpec("env", normalize=True)
    assert _map(spec, {"env": "prd"}) == "prd"
    assert _map(spec, {}) is None
