"""Values a profile sends in a header or a URL: stripped of surrounding whitespace, and
checked for a character a header or URL cannot carry (named by its variable, never shown).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_tagsmoke.errors import Problem
from pytest_tagsmoke.files.profile.interpolation import matches
from pytest_tagsmoke.files.yaml_loader import format_key_path, locate

if TYPE_CHECKING:
    from pytest_tagsmoke.files.profile.interpolation import InterpolationContext

# Values that travel in a header (ASCII only) or a URL; each is stripped of surrounding
# whitespace (``export KEY=$(cat keyfile)`` keeps the file's newline) and then checked.
_HEADER_VALUES = (
    ("credential",),
    ("credential_scheme",),
    ("log_store", "auth", "*"),
    ("log_store", "headers", "*"),
)
_URL_VALUES = (
    ("endpoint",),
    ("log_store", "record_url"),
    ("log_store", "counts_url"),
    ("log_store", "url"),
)


def _bad_character(text: str, *, header: bool) -> tuple[int, str] | None:
    """(1-based position, what) of the first character a header or URL cannot carry."""
    for index, char in enumerate(text):
        if char in "\r\n":
            return index + 1, "a line break"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return index + 1, f"a control character (U+{ord(char):04X})"
        if header and ord(char) > 0x7E:
            return index + 1, f"a non-ASCII character (U+{ord(char):04X})"
        if char.isspace() and not header:
            return index + 1, "a space"
    return None


def check_sent_values(values: dict[str, Any], ctx: InterpolationContext) -> list[Problem]:
    """Strip the credential, auth and URL values; a character a header or URL cannot carry
    is a problem naming the environment variable it came from, never showing the value."""
    problems: list[Problem] = []

    def visit(node: Any, key_path: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    checked = _check_one(value, (*key_path, key), ctx, problems)
                    node[key] = checked
                elif isinstance(value, dict):
                    visit(value, (*key_path, key))

    visit(values, ())
    return problems


def _check_one(
    value: str, key_path: tuple[str | int, ...], ctx: InterpolationContext, problems: list[Problem]
) -> str:
    header = any(matches(key_path, p) for p in _HEADER_VALUES)
    if not header and not any(matches(key_path, p) for p in _URL_VALUES):
        return value
    names = ctx.sources.get(key_path, [])
    stripped = value.strip()
    # Check each variable's own value, so the position points into what the user exported.
    for name in names:
        found = _bad_character(ctx.env.get(name, "").strip(), header=header)
        if found is not None:
            position, what = found
            problems.append(_sent_value_problem(ctx, key_path, position, what, name, header))
            return stripped
    found = _bad_character(stripped, header=header)
    if found is not None:
        position, what = found
        problems.append(_sent_value_problem(ctx, key_path, position, what, None, header))
    return stripped


def _sent_value_problem(
    ctx: InterpolationContext,
    key_path: tuple[str | int, ...],
    position: int,
    what: str,
    variable: str | None,
    header: bool,
) -> Problem:
    line, column = locate(ctx.document, list(key_path))
    carrier = "an HTTP header" if header else "a URL"
    source = f"environment variable {variable}" if variable else "the value"
    return Problem(
        ctx.path,
        line,
        column,
        format_key_path(list(key_path)),
        f"{source} has {what} at character {position}, which {carrier} cannot carry "
        "(the value is not shown; surrounding whitespace is already stripped)",
        f"export {variable} again without it (copy the key from its source as plain text)"
        if variable
        else "remove that character",
    )
