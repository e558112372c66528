"""The pricing guard: no output may carry a cost, price, spend or currency amount.

It looks for *amounts*, not for FinOps words: a currency symbol or code next to a number
(``$0.02``, ``0.02 USD``, ``€1,20``, ``EUR 3``) and a number under a key that names a price
or cost value (``response_cost: 0.0001``, ``"spend": 12``). Keys that name who pays
(``cost_center: cc-42``, ``billing_unit: team-a``, ``budget_owner``, ``charge_code``) pass.

One combined pattern, tried only at the start of a word, a number or a currency sign, scans
each text once: time is linear in its length (a 20 kB tag value scans in well under a
millisecond).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_CODES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "CNY", "INR")
_SIGN = r"(?:[$€£¥₹]|\\u(?:20ac|00a3|00a5|20b9))"  # also as JSON writes it: \u20ac1,20
_WORDS = "cost|pric|spen|amount|charge|fee|invoice|bill|budget|dollar|cent|euro|" + "|".join(
    code.lower() for code in _CODES
)
# Where an amount may be: a currency sign, code or word, a price word. The scan runs over
# the lower-cased text with a case-sensitive pattern (several times faster than IGNORECASE
# in Python's engine); each hit is then judged where it stands, in the original text.
_TRIGGER = re.compile(
    rf"(?=[$€£¥₹\\{''.join(sorted({w[0] for w in _WORDS.split('|')}))}])"
    rf"(?:{_SIGN}|{_WORDS})"
)
# Codes whose letters are no price word either (usd and eur are: "cost_usd", "amount_eur").
_CODE_LETTERS = frozenset(code.lower() for code in _CODES) - {"usd", "eur"}
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_NUMBER_AFTER = re.compile(rf"[ \t]?(?:{_SIGN}[ \t]?)?\d[\d.,]*")
_WORD_AFTER = re.compile(r"[\w-]*")
_CURRENCY_WORD = re.compile(r"(?:dollars?|cents?|euros?)\b")
_KEY_VALUE = re.compile(rf"[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>[-+]?(?:{_SIGN}[ \t]?)?\d[\d.,]*)")
_DIGITS = frozenset("0123456789")
_NUMBER_CHARS = frozenset("0123456789.,")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def _number_before(text: str, end: int) -> int | None:
    """Start of a number that ends at ``end`` (one space or tab allowed), or None."""
    index = end - 1 if end > 0 and text[end - 1] in " \t" else end
    start = index
    while start > 0 and text[start - 1] in _NUMBER_CHARS:
        start -= 1
    while start < index and text[start] not in _DIGITS:
        start += 1
    if start == index or (
        start > 0 and (_is_word_char(text[start - 1]) or text[start - 1] in ".,")
    ):
        return None
    return start


# Parts of a key that name a price or cost value ...
# (short words only as a whole part of the key: "fee" but not "feedback", "eur" not "neural")
_PRICE_WORDS = re.compile(
    r"cost|pric|spend|spent|amount|charge|invoice|billing|billed|budget"
    r"|(?:^|[-_])(?:fees?|usd|eur)(?:[-_]|$)|(?-i:USD|EUR)",
    re.I,
)
# ... unless the key names who pays or a label: cost_center, billing_unit, budget_owner.
_LABEL_WORDS = re.compile(
    r"cent(?:er|re)|code|unit|owner|team|contact|account|name|label|tag|categor|class|type"
    r"|shared[-_ ]?cost|rule|(?:^|[-_])id$"
    r"|count|token",
    re.I,
)
WITHHELD = "[amount withheld]"


def is_price_key(name: str) -> bool:
    """Whether a key names a price or cost value (not a cost center, billing unit, ...)."""
    return bool(_PRICE_WORDS.search(name)) and not _LABEL_WORDS.search(name)


@dataclass(frozen=True)
class PricingClaim:
    """Where an amount was found; ``kind`` says what it was, the amount itself is not kept."""

    path: Path
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.kind}"


def find_amounts(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every amount in ``text``, in one pass."""
    found: list[tuple[int, int, str]] = []
    lowered = text.lower()
    if len(lowered) != len(text):  # a few non-ASCII letters lower-case to two characters
        lowered = text.translate(_ASCII_LOWER)
    position = 0
    while True:
        match = _TRIGGER.search(lowered, position)
        if match is None:
            return found
        start, end = match.span()
        word = text[start:end]
        position = end
        before = text[start - 1] if start > 0 else " "
        if word[0] in "$€£¥₹\\":  # a sign: "$0.02", "1,20 €"
            after = _NUMBER_AFTER.match(text, end)
            number = None if after else _number_before(text, start)
            if after or number is not None:
                position = after.end() if after else end
                found.append((start if after else number or 0, position, "a currency amount"))
            continue
        if word in _CODES and not _is_word_char(before):  # "USD 3", "0.02 USD"
            after = _NUMBER_AFTER.match(text, end)
            number = _number_before(text, start)
            closed = end == len(text) or not _is_word_char(text[end])
            if after or (number is not None and closed):
                position = after.end() if after else end
                found.append((start if after else number or 0, position, "a currency amount"))
                continue
        if word.lower() in _CODE_LETTERS:
            continue  # "aud" of "audit", "cad" of a hex id: no currency, and no price word
        currency_word = _CURRENCY_WORD.match(lowered, start)
        if currency_word is not None and not (before.isalpha() or before in "_-"):
            number = _number_before(text, start)  # "12 dollars"
            if number is not None:
                position = currency_word.end()
                found.append((number, position, "a currency amount"))
                continue
        # A price word: judge the whole key it is part of ("response_cost", "cost_center").
        key_start = start
        while key_start > 0 and _is_word_char(text[key_start - 1]):
            key_start -= 1
        rest = _WORD_AFTER.match(text, end)
        key_end = rest.end() if rest else end
        position = key_end
        if is_price_key(text[key_start:key_end]):
            value = _KEY_VALUE.match(text, key_end)
            if value:
                position = value.end()
                found.append((*value.span("value"), f"a number under {text[key_start:key_end]!r}"))


def withhold_amounts(text: str) -> str:
    """``text`` with every amount replaced (for terminal and JUnit text)."""
    found = find_amounts(text)
    if not found:
        return text
    parts, last = [], 0
    for start, end, _kind_name in found:
        parts += [text[last:start], WITHHELD]
        last = end
    parts.append(text[last:])
    return "".join(parts)


#: Every literal a trigger may start with (a sign as itself or as JSON escapes it, a word).
_LITERALS = (
    "$",
    "€",
    "£",
    "¥",
    "₹",
    "\\u20ac",
    "\\u00a3",
    "\\u00a5",
    "\\u20b9",
    *_WORDS.split("|"),
)


def _triggered_tokens(tokens: set[str]) -> list[str]:
    """The tokens (text between double quotes) where a trigger starts: each distinct token
    is looked at once, with ``str.find`` (no token holds a quote, so a quote joins them)."""
    joined = '"'.join(tokens)
    lowered = joined.lower()
    if len(lowered) != len(joined):
        lowered = joined.translate(_ASCII_LOWER)
    starts: set[int] = set()
    for literal in _LITERALS:
        index = lowered.find(literal)
        while index != -1:
            starts.add(index)
            index = lowered.find(literal, index + 1)
    hit: set[str] = set()
    for start in starts:
        if _TRIGGER.match(lowered, start):
            left = joined.rfind('"', 0, start) + 1
            right = joined.find('"', start)
            hit.add(joined[left : right if right != -1 else len(joined)])
    return sorted(hit)


def may_hold_amounts(text: str) -> bool:
    """False when ``text`` surely holds no amount; True when :func:`find_amounts` must look.

    Artifacts repeat themselves (5,000 smoke records share their keys and most values), so
    the text is cut at its double quotes and each distinct piece is looked at once. Every
    amount starts in a piece that holds a trigger and is judged within that piece and the
    two after it (``"response_cost": "0.01"``): those stretches of the text, each distinct
    one once, are given to :func:`find_amounts`.
    """
    wrapped = f'"{text}"'
    for token in _triggered_tokens(set(text.split('"'))):
        needle = f'"{token}"'
        stretches: set[str] = set()
        index = wrapped.find(needle)
        while index != -1:
            first = index + len(needle) - 1  # the quote that closes the token
            second = wrapped.find('"', first + 1)
            third = wrapped.find('"', second + 1) if second != -1 else -1
            stretches.add(wrapped[index + 1 : third if third != -1 else len(wrapped) - 1])
            index = wrapped.find(needle, first)
        if any(find_amounts(stretch) for stretch in stretches):
            return True
    return False


def scan_text(path: Path, text: str) -> list[PricingClaim]:
    """Every amount in ``text`` (the content of ``path``), with its line number."""
    if not may_hold_amounts(text):
        return []
    found = find_amounts(text)
    if not found:
        return []
    claims, line, last = [], 1, 0
    for start, _end, kind in found:
        line += text.count("\n", last, start)
        last = start
        claims.append(PricingClaim(path, line, kind))
    return claims


def scan(paths: list[Path]) -> list[PricingClaim]:
    """Every cost, price, spend or currency amount found in ``paths``."""
    claims: list[PricingClaim] = []
    for path in paths:
        claims += scan_text(path, path.read_text(encoding="utf-8", errors="replace"))
    return claims
