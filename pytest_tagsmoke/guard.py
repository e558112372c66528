"""The pricing guard: no output may carry a cost, price, spend or currency amount.

It looks for *amounts*, not for FinOps words: a currency symbol or code next to a number
(``$0.02``, ``0.02 USD``, ``€1,20``, ``EUR 3``) and a number under a key that names a price
or cost value (``response_cost: 0.0001``, ``"spend": 12``). Keys that name who pays
(``cost_center: cc-42``, ``billing_unit: team-a``, ``budget_owner``, ``charge_code``) pass.

One combined pattern, tried only at the start of a word, a number or a currency sign, scans
each text once: time is linear in its length (a 20 kB tag value scans in well under a
millisecond).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_CODES = "USD|EUR|GBP|JPY|CHF|CAD|AUD|CNY|INR"
_SIGN = r"(?:[$€£¥₹]|\\u(?:20ac|00a3|00a5|20b9))"  # also as JSON writes it: \u20ac1,20
_DIGITS = r"\d[\d.,]*"
_AMOUNTS = re.compile(
    # "response_cost": 0.0001 / spend=12 / price: '$3' (the key is judged in Python)
    r"(?<![\w-])(?P<key>[A-Za-z_][\w-]*)[\"']?[ \t]*[:=][ \t]*[\"']?"
    rf"(?P<value>[-+]?(?:{_SIGN}[ \t]?)?{_DIGITS})"
    # $0.02, € 1,20
    rf"|{_SIGN}[ \t]?{_DIGITS}"
    # 0.02 USD, 1,20€, 3 dollars
    rf"|(?<![\w.,]){_DIGITS}[ \t]?(?:[€£¥₹]|(?:{_CODES}|dollars?|cents?|euros?)\b)"
    # USD 0.02
    rf"|(?<![A-Za-z])(?:{_CODES})[ \t]?{_DIGITS}",
    re.IGNORECASE,
)
# Parts of a key that name a price or cost value ...
_PRICE_WORDS = re.compile(
    r"cost|price|pricing|spend|spent|amount|charge|fee|invoice|billing|billed|budget|usd|eur", re.I
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
    found = []
    match = _AMOUNTS.search(text)
    while match is not None:
        key = match.group("key")
        if key is None:
            found.append((match.start(), match.end(), "a currency amount"))
        elif is_price_key(key):
            found.append((*match.span("value"), f"a number under {key!r}"))
        else:
            # Not a price key: its value may still be an amount ("x: 1,20 €").
            match = _AMOUNTS.search(text, match.start("value"))
            continue
        match = _AMOUNTS.search(text, match.end())
    return found


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


def scan_text(path: Path, text: str) -> list[PricingClaim]:
    """Every amount in ``text`` (the content of ``path``), with its line number."""
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
