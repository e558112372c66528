"""The pricing guard: no artifact may carry a cost, price, spend or currency amount."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# Words that are ours or the domain's and name no amount.
_SAFE = re.compile(r"shared[_ -]cost|cost[_-]?cent(er|re)|pricing_claim", re.I)
_CLAIMS = (
    re.compile(
        r"[\"']?[\w-]*(cost|price|pricing|spend|billing|invoice|charge|currency"
        r"|amount|usd)[\w-]*[\"']?\s*[:=]",
        re.I,
    ),
    re.compile(r"[$€£¥]\s?\d"),
    re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:USD|EUR|GBP|JPY|dollars?|cents?|euros?)\b", re.I),
    re.compile(r"\b(?:USD|EUR|GBP|JPY)\s?\d", re.I),
)


@dataclass(frozen=True)
class PricingClaim:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.text!r}"


def scan(paths: list[Path]) -> list[PricingClaim]:
    """Every cost, price, spend or currency amount found in ``paths``."""
    claims: list[PricingClaim] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            cleaned = _SAFE.sub("", line)
            for pattern in _CLAIMS:
                match = pattern.search(cleaned)
                if match:
                    claims.append(PricingClaim(path, number, match.group(0).strip()))
                    break
    return claims
