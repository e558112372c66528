"""The pricing guard: no output may carry a cost, price, spend or currency amount.

It looks for *amounts*, not for FinOps words: a currency symbol or code next to a number
(``$0.02``, ``0.02 USD``, ``€1,20``, ``EUR 3``) and a number under a key that names a price
or cost value (``response_cost: 0.0001``, ``"spend": 12``). Keys that name who pays
(``cost_center: cc-42``, ``billing_unit: team-a``, ``budget_owner``, ``charge_code``) pass.

Two steps, each linear in the length of the text. :func:`may_hold_amounts` cuts the text at
its JSON field separators and looks at each distinct piece once, for the evidence every
amount needs (a sign, a code or a currency word next to a number, a number under a price
key): clean output stops there (5,000 smoke records in well under 50 ms). Otherwise one
combined pattern, tried only at the start of a word, a number or a currency sign, finds
each amount where it stands.

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
#: Blanks between the parts of an amount: space, tab, no-break space.
_BLANK = "[ \t\u00a0]"
#: Between a key and its value: blanks, and at most one line end (a YAML value below its key).
_GAP = rf"{_BLANK}*(?:\r?\n{_BLANK}*)?"
_NUMBER_AFTER = re.compile(rf"{_BLANK}?(?:{_SIGN}{_BLANK}?)?\.?\d[\d.,]*")
_CURRENCY_WORD = re.compile(r"(?:dollars?|cents?|euros?)\b")
# After the key: its closing quote (escaped too: \"price\": 5), ":" or "=", the value.
_KEY_VALUE = re.compile(
    rf"(?:\\?[\"'])?{_BLANK}*[:=]{_GAP}[\"']?"
    rf"(?P<value>[-+]?(?:{_SIGN}{_BLANK}?)?\.?\d[\d.,]*)"
)
# A markdown table's next cell (| cost | 5 |): a plain number only ("USD | $1" is the $1).
_TABLE_CELL = re.compile(rf"{_BLANK}*\|{_GAP}(?P<value>[-+]?\.?\d[\d.,]*)")
_BLANK_CHARS = " \t\u00a0"


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def _number_before(text: str, end: int) -> int | None:
    """Start of a number that ends at ``end`` (one blank allowed), or None. Its digits may be
    any decimal digits, as ``\\d`` finds them (a fullwidth five)."""
    index = end - 1 if end > 0 and text[end - 1] in _BLANK_CHARS else end
    start = index
    while start > 0 and (text[start - 1].isdecimal() or text[start - 1] in ".,"):
        start -= 1
    while start < index and not text[start].isdecimal():
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
    if not may_hold_amounts(text):
        return []
    found: list[tuple[int, int, str]] = []
    lowered = _lower(text)
    position = 0
    while True:
        match = _TRIGGER.search(lowered, position)
        if match is None:
            return found
        start, end = match.span()
        word = text[start:end]
        position = end
        if word[0] in "$€£¥₹\\":  # a sign: "$0.02", "1,20 €"
            after = _NUMBER_AFTER.match(text, end)
            number = None if after else _number_before(text, start)
            if after or number is not None:
                position = after.end() if after else end
                found.append((start if after else number or 0, position, "a currency amount"))
            continue
        joined = start > 0 and _is_word_char(text[start - 1])
        if word in _CODES and not joined:  # "USD 3", "0.02 USD"
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
        if currency_word is not None:
            number = _number_before(text, start)  # "12 dollars" (not "a12 dollars", "x_cents")
            if number is not None:
                position = currency_word.end()
                found.append((number, position, "a currency amount"))
                continue
        # A price word: judge the whole key it is part of ("response_cost", "cost_center").
        key_start = start
        while key_start > 0 and _is_word_char(text[key_start - 1]):
            key_start -= 1
        key_end = end
        while key_end < len(text) and _is_word_char(text[key_end]):
            key_end += 1
        position = key_end
        if is_price_key(text[key_start:key_end]):
            value = _KEY_VALUE.match(text, key_end) or _TABLE_CELL.match(text, key_end)
            if value:
                position = value.end()
                found.append((*value.span("value"), f"a number under {text[key_start:key_end]!r}"))


def withhold_amounts(text: str) -> str:
    """``text`` with every amount replaced (for terminal and JUnit text)."""
    parts, last = [], 0
    for start, end, _kind_name in find_amounts(text):
        parts += [text[last:start], WITHHELD]
        last = end
    parts.append(text[last:])
    return "".join(parts)


#: The currency signs as the trigger finds them (in the lower-cased text; JSON escapes too).
_SIGN_LITERALS = ("$", "€", "£", "¥", "₹", "\\u20ac", "\\u00a3", "\\u00a5", "\\u20b9")
#: A number after ``:``, ``=`` or ``|``, the place of a price value (``"response_cost": 0.01``);
#: one pattern each, so that the regex engine jumps from one ``:`` to the next. A value with
#: a currency sign (``"cost": "$3"``) is left to the sign check.
#: Any run of blanks and line ends stands for the gap (a wider net than ``_GAP``, and faster).
_VALUES_AFTER_KEY = tuple(
    re.compile(rf"{re.escape(separator)}[ \t\u00a0\r\n]*[\"']?[-+]?\.?\d") for separator in ":=|"
)
#: A key whose value is on the next line (``cost:`` then ``  5``): the cut at line ends keeps
#: both lines together as one more piece.
_VALUE_ON_NEXT_LINE = re.compile(rf"[:=|]{_BLANK}*\r?\n")
#: No amount spans this separator of JSON fields, nor a line end: text is cut there.
_FIELD_BREAK = '", "'


#: Characters lower-cased at a time in a text that is not all ASCII: ``str.lower`` then
#: works in a buffer of 12 bytes per character (a 400 KB summary.md with a dash: 16 MB).
_LOWER_SLICE = 1 << 16


def _lower(text: str) -> str:
    """``text`` lower-cased, each character in its place."""
    if text.isascii():
        return text.lower()
    lowered = "".join(text[i : i + _LOWER_SLICE].lower() for i in range(0, len(text), _LOWER_SLICE))
    if len(lowered) != len(text):  # a few non-ASCII letters lower-case to two characters
        return text.translate(_ASCII_LOWER)
    return lowered


def _places(text: str, literal: str) -> list[int]:
    """Every index of ``literal`` in ``text`` (one memchr pass when its first character is
    absent, as it is in most outputs for signs and upper-case codes)."""
    if literal[0] not in text:
        return []
    found, index = [], text.find(literal)
    while index != -1:
        found.append(index)
        index = text.find(literal, index + len(literal))
    return found


def _sign_near_number(text: str, lowered: str) -> bool:
    """A currency sign with a number after or before it (``$0.02``, ``1,20 €``)."""
    for literal in _SIGN_LITERALS:
        for start in _places(lowered, literal):
            if _NUMBER_AFTER.match(text, start + len(literal)) or (
                _number_before(text, start) is not None
            ):
                return True
    return False


def _code_near_number(text: str) -> bool:
    """An upper-case currency code with a number next to it (``USD 3``, ``0.02 USD``)."""
    for code in _CODES:
        for start in _places(text, code):
            end = start + len(code)
            if start > 0 and _is_word_char(text[start - 1]):
                continue
            closed = end == len(text) or not _is_word_char(text[end])
            if _NUMBER_AFTER.match(text, end) or (
                closed and _number_before(text, start) is not None
            ):
                return True
    return False


def _currency_word_after_number(text: str, lowered: str) -> bool:
    """A currency word after a number (``12 dollars``)."""
    for word in ("dollar", "cent", "euro"):
        for start in _places(lowered, word):
            if _CURRENCY_WORD.match(lowered, start) and _number_before(text, start) is not None:
                return True
    return False


def _number_under_price_key(text: str) -> bool:
    """A number after ``:`` or ``=`` whose key names a price (``response_cost: 0.01``)."""
    for value in (v for pattern in _VALUES_AFTER_KEY for v in pattern.finditer(text)):
        key_end = value.start()
        while key_end > 0 and text[key_end - 1] in _BLANK_CHARS:
            key_end -= 1
        if key_end > 0 and text[key_end - 1] in "\"'":
            key_end -= 1
            if key_end > 0 and text[key_end - 1] == "\\":  # escaped JSON: {\"cost\": 5}
                key_end -= 1
        key_start = key_end
        while key_start > 0 and _is_word_char(text[key_start - 1]):
            key_start -= 1
        if is_price_key(text[key_start:key_end]):
            return True
    return False


def distinct_pieces(text: str) -> str:
    """``text`` cut at its JSON field separators (at its line ends when it has none), each
    distinct piece once, joined again by that separator: no amount spans it. A line that
    ends with a key's separator is kept together with the next line as one more piece."""
    if _FIELD_BREAK in text:
        return _FIELD_BREAK.join(set(text.split(_FIELD_BREAK)))
    pieces = set(text.split("\n"))
    for found in _VALUE_ON_NEXT_LINE.finditer(text):
        end = text.find("\n", found.end())
        pieces.add(text[text.rfind("\n", 0, found.start()) + 1 : None if end == -1 else end])
    return "\n".join(pieces)


def may_hold_amounts(text: str) -> bool:
    """False when ``text`` surely holds no amount; True when :func:`find_amounts` must look.

    Every amount :func:`find_amounts` reports stands where one of the four checks below
    finds its evidence: a sign, a code or a currency word next to a number, or a number
    under a price key. That evidence never spans a JSON field separator (``", "``) nor a
    line end, so the text is cut there and each distinct piece is looked at once: 5,000
    smoke records share their keys and most values.
    """
    pieces = distinct_pieces(text)
    lowered = _lower(pieces)
    return (
        _sign_near_number(pieces, lowered)
        or _code_near_number(pieces)
        or _currency_word_after_number(pieces, lowered)
        or _number_under_price_key(pieces)
    )


def scan_text(path: Path, text: str, first_line: int = 1) -> list[PricingClaim]:
    """Every amount in ``text`` (the content of ``path`` from line ``first_line`` on),
    with its line number."""
    claims, line, last = [], first_line, 0
    for start, _end, kind in find_amounts(text):
        line += text.count("\n", last, start)
        last = start
        claims.append(PricingClaim(path, line, kind))
    return claims


#: Characters of a file the guard looks at in one piece (a few times that in memory while
#: it looks): a run's records.jsonl is scanned in blocks, not read whole.
SCAN_BLOCK = 1 << 17


def scan(paths: list[Path], block: int = SCAN_BLOCK) -> list[PricingClaim]:
    """Every cost, price, spend or currency amount found in ``paths``, each file read in
    blocks of about ``block`` characters cut at line ends no amount spans."""
    claims: list[PricingClaim] = []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as stream:
            line, carried = 1, ""
            while True:
                read = stream.read(block)
                text = carried + read
                cut = _last_safe_cut(text) if read else len(text)
                if cut:
                    claims += scan_text(path, text[:cut], line)
                    line += text.count("\n", 0, cut)
                carried = text[cut:]
                if not read:
                    break
    return claims


def _last_safe_cut(text: str) -> int:
    """Where ``text`` may be cut without cutting an amount: after its last line end that
    does not part a key's separator from a value on the next line (``cost:`` then ``  5``;
    a markdown row ending in ``|`` before a row that opens with ``|`` is cut); 0 if there
    is none yet."""
    end = text.rfind("\n")
    while end != -1:
        if not _closes_a_separator(text, end) or _opens_without_a_value(text, end + 1):
            return end + 1
        end = text.rfind("\n", 0, end)
    return 0


def _closes_a_separator(text: str, line_end: int) -> bool:
    """Whether the line that ends at ``line_end`` ends with ``:``, ``=`` or ``|``."""
    before = line_end
    while before > 0 and text[before - 1] in "\r" + _BLANK_CHARS:
        before -= 1
    return before > 0 and text[before - 1] in ":=|"


def _opens_without_a_value(text: str, start: int) -> bool:
    """Whether the line from ``start`` surely opens with no value: its first character
    after blanks is seen, and no quote, sign, dot, currency sign or digit."""
    index = start
    while index < len(text) and text[index] in _BLANK_CHARS:
        index += 1
    if index == len(text):
        return False  # not read yet
    first = text[index]
    return not (first.isdecimal() or first in "\"'+-.$€£¥₹\\\n\r")
