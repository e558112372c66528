"""A URL's userinfo as secrets (safety/redaction.py), on plain values: passwords holding an
unencoded ``@``, ``/``, ``?`` or ``#``, which urllib and libpq split differently."""

from __future__ import annotations

from pytest_tagsmoke.safety.redaction import malformed_userinfo, userinfo, userinfo_secrets

ODD = "postgresql://bob:S3cret@Pw@127.0.0.1:1/test"


def test_userinfo_runs_to_the_last_at_sign() -> None:
    assert userinfo(ODD) == "bob:S3cret@Pw"
    assert userinfo("postgresql://bob:pw@db/test") == "bob:pw"
    assert userinfo("postgresql://db/test") is None
    assert userinfo("bob:pw@db") is None  # no scheme: not a URL's userinfo
    assert userinfo("postgresql://bob:a://b@db/test") == "bob:a://b"  # the FIRST "://"


def test_malformed_userinfo_names_the_characters_a_driver_splits_at() -> None:
    assert malformed_userinfo(ODD) is True
    for char in "/?#":
        assert malformed_userinfo(f"postgresql://bob:a{char}b@db/test") is True
    assert malformed_userinfo("postgresql://bob:plain@db/test") is False
    assert malformed_userinfo("postgresql://bob:XX@db/test") is False
    assert malformed_userinfo("postgresql://db/test") is False


def test_every_piece_of_the_password_is_a_secret() -> None:
    assert userinfo_secrets(ODD) == ["bob:S3cret@Pw", "S3cret@Pw", "S3cret", "Pw"]
    assert userinfo_secrets("postgresql://bob:a/b?c#d:e@db/t") == [
        "bob:a/b?c#d:e",
        "a/b?c#d:e",
        "a",
        "b",
        "c",
        "d",
        "e",
    ]


def test_a_user_name_alone_or_an_empty_password_is_no_secret() -> None:
    assert userinfo_secrets("postgresql://postgres@db/test") == []
    assert userinfo_secrets("postgresql://bob:@db/test") == []
    assert userinfo_secrets("postgresql://db/test") == []
