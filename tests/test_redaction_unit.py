"""Redaction on plain values: each layer on its own (URLs and headers by position, free text
by value), so that a layer that stopped working fails here even where another layer would
still hide the secret end to end. The expected strings are written out by hand."""

from __future__ import annotations

import pytest

from pytest_tagsmoke.safety.redaction import (
    Redactor,
    basic_credential,
    holds_secret,
    is_secret_header,
    join_url,
    redact_headers,
    redact_url,
    scrub,
    url_secrets,
)

# -- holds_secret --------------------------------------------------------------------------------


def test_a_value_equal_to_a_secret_holds_it_however_short() -> None:
    assert holds_secret("abc", ["abc"])
    assert holds_secret("abc", ["zzzz", "abc"])  # any of the secrets, not all


def test_a_secret_of_four_characters_or_more_is_found_inside_a_value() -> None:
    assert holds_secret("x-abcd-y", ["abcd"])
    assert not holds_secret("x-abc-y", ["abc"])  # three characters: only an equal value holds it


def test_a_value_without_any_secret_holds_none() -> None:
    assert not holds_secret("2024-02-01", ["abcd", "abc"])
    assert not holds_secret("anything", [])


def test_an_empty_secret_is_never_held() -> None:
    assert not holds_secret("", [""])
    assert not holds_secret("value", [""])


# -- redact_url ----------------------------------------------------------------------------------


def test_a_url_without_userinfo_or_query_is_shown_as_it_is() -> None:
    url = "https://gw.example:8443/v1/chat#part"
    assert redact_url(url) == url


def test_the_userinfo_password_is_hidden_the_user_kept() -> None:
    assert redact_url("https://me:pw@gw.example/x") == "https://me:***@gw.example/x"
    # a password holding ':' and '@': the host is what follows the last '@'
    assert redact_url("https://me:p:w@d@gw.example/x") == "https://me:***@gw.example/x"


def test_a_lone_userinfo_is_hidden_whole() -> None:
    assert redact_url("https://TOKEN@gw.example/x") == "https://***@gw.example/x"


def test_every_query_value_is_hidden_blank_ones_too() -> None:
    assert redact_url("http://h/p?code=abc&flag=&n=1") == "http://h/p?code=***&flag=***&n=***"


def test_the_fragment_is_kept() -> None:
    assert redact_url("http://h/p?code=abc#top") == "http://h/p?code=***#top"


def test_public_parameters_are_shown_by_any_case_and_spacing() -> None:
    url = "http://h/p?API-Version=2024-02-01&code=abc"
    assert redact_url(url, [" api-version "]) == "http://h/p?API-Version=2024-02-01&code=***"


def test_a_public_parameter_holding_a_known_secret_is_hidden() -> None:
    url = "http://h/p?v=my-key-123&w=2024"
    assert redact_url(url, ["v", "w"], ["my-key-123"]) == "http://h/p?v=***&w=2024"
    assert redact_url(url, ["v", "w"], ["key-"]) == "http://h/p?v=***&w=2024"  # held inside


def test_a_template_placeholder_is_no_secret_but_a_value_around_it_is() -> None:
    url = "http://h/p?ids={correlation_ids}&q=x{correlation_ids}"
    assert redact_url(url) == "http://h/p?ids={correlation_ids}&q=***"


def test_a_shown_query_value_is_url_encoded() -> None:
    assert redact_url("http://h/p?q=a+b%26c", ["q"]) == "http://h/p?q=a+b%26c"


# -- url_secrets ---------------------------------------------------------------------------------


def test_a_url_password_is_a_secret_alone_and_as_a_basic_credential() -> None:
    assert url_secrets("https://me:pw@h/") == ["pw", basic_credential("me", "pw")]
    assert url_secrets("https://:pw@h/") == ["pw", basic_credential("", "pw")]


@pytest.mark.parametrize("scheme", ["http", "https", "HTTPS"])
def test_an_http_url_s_lone_user_name_is_a_token(scheme: str) -> None:
    assert url_secrets(f"{scheme}://TOKEN@h/") == ["TOKEN", basic_credential("TOKEN", "")]


def test_a_database_url_s_lone_user_name_is_no_secret() -> None:
    assert url_secrets("postgresql://postgres@127.0.0.1:5432/test") == []


def test_every_query_value_not_public_is_a_secret() -> None:
    url = "http://h/p?code=c0de&API-Version=2024&empty=&ids={ids}&q=x{ids}"
    assert url_secrets(url, ["api-version"]) == ["c0de"]
    assert url_secrets(url) == ["c0de", "2024"]


def test_a_url_that_cannot_be_parsed_carries_no_secret() -> None:
    assert url_secrets("http://[::1/p?code=abc") == []


def test_a_basic_credential_is_what_an_http_client_sends() -> None:
    assert basic_credential("user", "pw") == "dXNlcjpwdw=="  # base64 of 'user:pw'
    assert basic_credential("us\u00e9r", "") == "dXPDqXI6"  # UTF-8 before base64


# -- join_url ------------------------------------------------------------------------------------


def test_a_path_is_appended_to_the_endpoint_path() -> None:
    assert join_url("http://h/base/", "/r/1") == "http://h/base/r/1"
    assert join_url("http://h", "/r/1") == "http://h/r/1"
    assert join_url("http://h/X/", "/r") == "http://h/X/r"  # only slashes are cut


def test_the_path_s_query_comes_first_then_the_endpoint_s() -> None:
    assert join_url("http://h/base?k=1#f", "/r/1?x=2") == "http://h/base/r/1?x=2&k=1#f"
    assert join_url("http://h/base?k=1", "/r/1") == "http://h/base/r/1?k=1"
    assert join_url("http://h/base", "/r/1?x=2") == "http://h/base/r/1?x=2"


def test_only_the_first_question_mark_starts_the_path_s_query() -> None:
    assert join_url("http://h", "/r?x=a?b") == "http://h/r?x=a?b"


# -- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "x-api-key",
        "X-Auth-Token",
        "api-secret",
        "x-signature",
        "X-Portkey-Api-Key",
    ],
)
def test_a_header_whose_name_looks_secret_is_secret(name: str) -> None:
    assert is_secret_header(name)


@pytest.mark.parametrize(
    "name", ["content-type", "x-portkey-metadata", "X-Portkey-Trace-Id", "x-correlation-id"]
)
def test_a_header_whose_name_looks_plain_is_not(name: str) -> None:
    assert not is_secret_header(name)


def test_the_portkey_prefix_is_cut_whole_before_judging() -> None:
    assert is_secret_header("x-portkey-key")
    assert is_secret_header("X-PORTKEY-TOKEN")
    assert not is_secret_header("x-portkey-mode")


def test_a_listed_header_is_secret_by_any_case_and_spacing() -> None:
    assert is_secret_header("X-Tenant", [" x-tenant "])
    assert not is_secret_header("X-Tenant", ["x-other"])


def test_redact_headers_hides_exactly_the_secret_values() -> None:
    headers = {"Authorization": "Bearer k", "X-Tenant": "t", "Accept": "json"}
    assert redact_headers(headers, ["x-tenant"]) == {
        "Authorization": "***",
        "X-Tenant": "***",
        "Accept": "json",
    }
    assert redact_headers(headers) == {"Authorization": "***", "X-Tenant": "t", "Accept": "json"}


# -- Redactor, scrub -----------------------------------------------------------------------------


def test_a_secret_of_four_characters_is_scrubbed_three_are_not() -> None:
    assert Redactor(["abcd", "xyz"]).scrub("abcd xyz") == "*** xyz"
    assert Redactor(["abcd", "xyz"]).secrets == frozenset({"abcd"})
    assert Redactor(["", "xyz"]).secrets == frozenset()


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("p%2Fq%22r%27s%20t%26u%01%C3%A9", "URL-encoded"),
        ("p%2Fq%22r%27s+t%26u%01%C3%A9", "form-encoded"),
        ("p/q\\\"r's t&u\\u0001\\u00e9", "JSON string"),
        ("p/q\"r\\'s t&u\\x01\u00e9", "repr"),
        ("p/q&quot;r&#x27;s t&amp;u\x01\u00e9", "HTML"),
    ],
)
def test_every_form_of_a_secret_is_scrubbed_whole(written: str, why: str) -> None:
    secret = "p/q\"r's t&u\x01\u00e9"
    redactor = Redactor([secret])
    assert redactor.scrub(f"<{written}>") == "<***>", why
    assert redactor.scrub(f"<{secret}>") == "<***>"


def test_a_secret_holding_another_is_scrubbed_whole() -> None:
    redactor = Redactor(["abcd", "abcdefgh", "wxyz"])
    assert redactor.scrub("abcdefgh abcd wxyz abcdwxyz") == "*** *** *** ******"


def test_a_redactor_without_secrets_is_false_and_changes_nothing() -> None:
    assert not Redactor([])
    assert not Redactor(["abc"])
    assert Redactor(["abcd"])
    assert Redactor([]).scrub("abcd") == "abcd"
    assert Redactor(["abcd"]).scrub("") == ""


def test_with_secrets_adds_only_what_is_new() -> None:
    redactor = Redactor(["abcd"])
    assert redactor.with_secrets([]) is redactor
    assert redactor.with_secrets(["abcd"]) is redactor
    more = redactor.with_secrets(["abcd", "efgh"])
    assert more.secrets == frozenset({"abcd", "efgh"})
    assert more.scrub("abcd efgh") == "*** ***"
    assert redactor.scrub("abcd efgh") == "*** efgh"  # the first one is unchanged


def test_scrub_value_scrubs_strings_keys_and_containers_keeping_their_types() -> None:
    redactor = Redactor(["abcd"])
    value = {"abcd-key": ["x abcd", ("abcd", 1)], "n": None, "f": 1.5, "b": True}
    assert redactor.scrub_value(value) == {
        "***-key": ["x ***", ("***", 1)],
        "n": None,
        "f": 1.5,
        "b": True,
    }
    assert type(redactor.scrub_value(("abcd",))) is tuple


def test_scrub_replaces_every_occurrence_of_each_secret() -> None:
    assert scrub("k=abcd, again abcd; efgh", ["abcd", "efgh", "ab"]) == "k=***, again ***; ***"
    assert scrub("abcd", []) == "abcd"
