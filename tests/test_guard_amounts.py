"""The pricing guard on plain values: where each amount starts and ends, what it is called,
and what the quick first look (``may_hold_amounts``) lets through. These pin the guard's
behaviour down to the character, so that a changed comparison, bound or offset in
pytest_tagsmoke/safety/pricing_guard.py fails a test (tools/mutation_score.py, docs/mutation.md)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from pytest_tagsmoke.safety.pricing_guard import (
    WITHHELD,
    PricingClaim,
    _last_safe_cut,
    distinct_pieces,
    find_amounts,
    is_price_key,
    may_hold_amounts,
    scan,
    scan_text,
    withhold_amounts,
)
from tests.helpers import AMOUNTS

CURRENCY = "a currency amount"

#: text -> every (start, end, kind) the guard reports in it.
SPANS: dict[str, list[tuple[int, int, str]]] = {
    # a sign, with the number after or before it (one space or tab allowed)
    "$0.02": [(0, 5, CURRENCY)],
    "x 1,20 € y": [(2, 8, CURRENCY)],
    "€ 5": [(0, 3, CURRENCY)],
    "$\t5": [(0, 3, CURRENCY)],
    "$ $5": [(0, 4, CURRENCY)],
    "5$": [(0, 2, CURRENCY)],
    "5 $": [(0, 3, CURRENCY)],
    "x 12.50£": [(2, 8, CURRENCY)],
    "¥100 and ₹20": [(0, 4, CURRENCY), (9, 12, CURRENCY)],
    "\\u20ac1,20": [(0, 10, CURRENCY)],
    "\\U20AC5": [(0, 7, CURRENCY)],
    "5\\u00a3": [(0, 7, CURRENCY)],
    "\\u00a5 7 \\u20b9": [(0, 8, CURRENCY), (7, 15, CURRENCY)],  # the 7 serves both signs
    # an upper-case code, with the number after or before it
    "USD 3": [(0, 5, CURRENCY)],
    "USD3x": [(0, 4, CURRENCY)],
    "3 USD": [(0, 5, CURRENCY)],
    "0.02 USD": [(0, 8, CURRENCY)],
    "5 EUR.": [(0, 5, CURRENCY)],
    "(GBP 4)": [(1, 6, CURRENCY)],
    "CHF\t9": [(0, 5, CURRENCY)],
    "USD $5": [(0, 6, CURRENCY)],
    # a currency word after a number
    "12 dollars": [(0, 10, CURRENCY)],
    "12dollars": [(0, 9, CURRENCY)],
    "5 cents": [(0, 7, CURRENCY)],
    "5. dollars": [(0, 10, CURRENCY)],
    "5 euros!": [(0, 7, CURRENCY)],
    # a number under a key that names a price or cost
    "response_cost: 0.0001": [(15, 21, "a number under 'response_cost'")],
    "costUSD: 0.1": [(9, 12, "a number under 'costUSD'")],
    "fee: 3": [(5, 6, "a number under 'fee'")],
    "fees=4": [(5, 6, "a number under 'fees'")],
    "spend = '12'": [(9, 11, "a number under 'spend'")],
    'price: "-3"': [(8, 10, "a number under 'price'")],
    "cost:\t+7": [(6, 8, "a number under 'cost'")],
    "cost : 5": [(7, 8, "a number under 'cost'")],
    'cost" : 5': [(8, 9, "a number under 'cost'")],
    "total cost: 5": [(12, 13, "a number under 'cost'")],
    "cost: $3": [(6, 8, "a number under 'cost'")],
    "budget-amount:9": [(14, 15, "a number under 'budget-amount'")],
    "aud_cost: 2": [(10, 11, "a number under 'aud_cost'")],
    "cost_cent: 5": [(11, 12, "a number under 'cost_cent'")],
    "cent_co\u017ft: 5": [(11, 12, "a number under 'cent_co\u017ft'")],  # long s: a cost
    "cost: 5 and fee: 6": [
        (6, 7, "a number under 'cost'"),
        (17, 18, "a number under 'fee'"),
    ],
    '{"a": "x", "invoice_total": 12, "b": 1}': [(28, 31, "a number under 'invoice_total'")],
    # positions stay those of the text when lower-casing would lengthen it (İ -> i̇)
    "\u0130 cost: 5": [(8, 9, "a number under 'cost'")],
    "\u0130\u0130 $5": [(3, 5, CURRENCY)],
    # the word at the very end of the text is judged too
    "$5 and the price": [(0, 2, CURRENCY)],
    "cost: 5x": [(6, 7, "a number under 'cost'")],
    "5 $ x7": [(0, 3, CURRENCY)],
    "5$ x": [(0, 2, CURRENCY)],
    # the reviewer's seven gaps (main 699d630), found since
    '{"note": "{\\"price\\": 5}"}': [(22, 23, "a number under 'price'")],  # escaped JSON
    "amount: .5": [(8, 10, "a number under 'amount'")],  # no digit before the point
    "cost:\u00a05": [(6, 7, "a number under 'cost'")],  # no-break space after the colon
    "\u20ac\u00a05": [(0, 3, CURRENCY)],  # no-break space after the sign
    "cost:\n  5": [(8, 9, "a number under 'cost'")],  # a YAML value on the next line
    "| cost | 5 |": [(9, 10, "a number under 'cost'")],  # a markdown table cell
    "\uff15 USD": [(0, 5, CURRENCY)],  # a fullwidth digit
    "5\u00a0\u20ac": [(0, 3, CURRENCY)],
    "$.5": [(0, 3, CURRENCY)],
    "x \u0665.5\u0665 $": [(2, 8, CURRENCY)],  # Arabic-Indic digits
    "cost = .5": [(7, 9, "a number under 'cost'")],
    "cost: \r\n5": [(8, 9, "a number under 'cost'")],
    "a: 1\nfee =\t\n\t'7'\nb: 2": [(14, 15, "a number under 'fee'")],
    "| fee |\n 5": [(9, 10, "a number under 'fee'")],
    "x\n| fee | .5 |\n": [(10, 12, "a number under 'fee'")],
}

#: Texts with FinOps words, currency letters or numbers, but no amount.
NO_AMOUNT = [
    "$",
    "a5$",
    "5  $",
    "price in \u20ac",
    "\\u20ac sign",
    "XUSD 3",
    "3 USDX",
    "3USD",
    "USD",
    "EURO 5",
    "usd 3",
    "a5 dollars",
    "5_cents",
    "x-5 cents",
    "-5 Euro",
    ".5 euro",
    "5 centre",
    "percent 5",
    "cost_center: 4200",
    '"cost_center": "4200"',
    "http_status: 200",
    "response_cost: none",
    "cost: x5",
    "cost ': 5",
    "feedback: 4",
    "audit_date: 2026-11-28",
    "price\\: 5",
    "| cost | $ |",
    "cost:\u00a0\u00a0x",
    '{"billing_unit": "team-a", "charge_code": "1234", "retry_count": 0}',
]


@pytest.mark.parametrize(("text", "spans"), SPANS.items(), ids=list(SPANS))
def test_each_amount_is_found_where_it_stands(text: str, spans: list[tuple[int, int, str]]) -> None:
    assert find_amounts(text) == spans
    assert may_hold_amounts(text) is True


@pytest.mark.parametrize("text", NO_AMOUNT)
def test_near_misses_are_no_amounts_and_need_no_full_scan(text: str) -> None:
    assert find_amounts(text) == []
    assert may_hold_amounts(text) is False
    assert withhold_amounts(text) == text


@pytest.mark.parametrize("text", NO_AMOUNT)
def test_near_misses_next_to_an_amount_stay_no_amounts(text: str) -> None:
    # the full scan runs here (the amount after the near miss lets it), and reports only $1
    assert find_amounts(f"{text} | $1") == [(len(text) + 3, len(text) + 5, CURRENCY)]


@pytest.mark.parametrize("text", AMOUNTS)
def test_every_amount_passes_the_first_look_in_any_company(text: str) -> None:
    # alone, inside JSON fields, and among many clean lines
    assert may_hold_amounts(text) is True
    assert may_hold_amounts(f'{{"a": "b", "x": "{text}", "c": "d"}}') is True
    assert may_hold_amounts("clean: line\n" * 50 + text + "\nmore: text\n") is True


def test_the_first_look_finds_an_amount_in_any_piece_of_a_long_output() -> None:
    record = '{"cost_center": "cc-42", "billing_unit": "team-a", "retry_count": %d}\n'
    clean = "".join(record % i for i in range(200))
    assert may_hold_amounts(clean) is False
    for planted in ('"cost": 3', '"note": "5 dollars"', '"fx": "USD 2"', '"p": "$1"'):
        text = clean + record.replace("}", ", " + planted + "}") % 7
        assert may_hold_amounts(text) is True, planted
        assert len(scan_text(Path("records.jsonl"), text)) == 1, planted


def test_the_first_look_sees_each_distinct_piece_once() -> None:
    assert sorted(distinct_pieces('a", "b", "a').split('", "')) == ["a", "b"]
    assert sorted(distinct_pieces("x\ny\nx").split("\n")) == ["x", "y"]
    assert distinct_pieces("one piece") == "one piece"


def test_withheld_text_keeps_everything_around_each_amount() -> None:
    text = "a $1 b 2 USD c cost: 3\nd"
    assert withhold_amounts(text) == f"a {WITHHELD} b {WITHHELD} c cost: {WITHHELD}\nd"
    assert withhold_amounts("") == ""


def test_claims_count_lines_from_one() -> None:
    text = "$1 $2\n\nok\ncost: 3\n"
    claims = scan_text(Path("out/summary.md"), text)
    assert [(c.line, c.kind) for c in claims] == [
        (1, CURRENCY),
        (1, CURRENCY),
        (4, "a number under 'cost'"),
    ]
    assert str(claims[2]) == "summary.md:4: a number under 'cost'"
    assert claims[0] == PricingClaim(Path("out/summary.md"), 1, CURRENCY)
    assert scan_text(Path("x"), "clean: 1\n") == []
    assert [c.line for c in scan_text(Path("x"), "\n\n$1")] == [3]  # a text that opens with \n


def test_scan_reads_every_file_and_replaces_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    clean, priced = tmp_path / "a.json", tmp_path / "b.txt"
    clean.write_text('{"retry_count": 1}\n', encoding="utf-8")
    priced.write_bytes(b"ok \xff\n\xe2\x82\xac 5\n")  # an invalid byte, then "€ 5"
    assert scan([clean]) == []
    assert [str(c) for c in scan([clean, priced])] == ["b.txt:2: a currency amount"]


@pytest.mark.parametrize(
    ("key", "is_price"),
    [
        ("response_cost", True),
        ("price", True),
        ("total_spend", True),
        ("spent", True),
        ("amount", True),
        ("charged", True),
        ("invoice_total", True),
        ("billing_total", True),
        ("billed", True),
        ("budget", True),
        ("fee", True),
        ("fees", True),
        ("x-fee-y", True),
        ("cost_usd", True),
        ("amount_eur", True),
        ("costUSD", True),
        ("priceEUR", True),
        ("cost_center", False),
        ("cost_centre", False),
        ("charge_code", False),
        ("billing_unit", False),
        ("budget_owner", False),
        ("cost_team", False),
        ("billing_contact", False),
        ("billing_account", False),
        ("cost_name", False),
        ("price_label", False),
        ("cost_tag", False),
        ("cost_category", False),
        ("price_class", False),
        ("charge_type", False),
        ("shared_cost_rule_needed", False),
        ("shared-cost", False),
        ("cost_id", False),
        ("cost_count", False),
        ("price_tokens", False),
        ("feedback", False),
        ("coffee", False),
        ("neural", False),
        ("usdt", False),
        ("billing", True),
        ("", False),
    ],
)
def test_price_keys_name_a_value_not_who_pays(key: str, is_price: bool) -> None:
    assert is_price_key(key) is is_price


@pytest.mark.parametrize(
    "text", ["cost_center: 5", "| cost_center | 5 |", "budget_owner:\n  5", "billing_unit: 5"]
)
def test_who_pays_with_a_number_is_no_amount(text: str) -> None:
    assert (may_hold_amounts(text), find_amounts(text)) == (False, [])


@pytest.mark.parametrize("block", [1, 2, 5, 17, 64, 1000])
def test_a_file_scanned_in_blocks_gives_what_the_whole_text_gives(
    tmp_path: Path, block: int
) -> None:
    # Amounts on their own lines, inside JSON records, a YAML value on the line below its
    # key (a cut between them would lose it), a markdown cell, clean lines between.
    lines = []
    for i, amount in enumerate(AMOUNTS):
        lines += [f'{{"n": {i}, "note": "{amount}"}}', "clean: line", amount]
    lines += ["cost:", "  5", "price =", "", "| cost |", " 7 |", "retry_count: 2", "spend:"]
    text = "\n" + "\n".join(lines) + "\n  12\n"  # opens with a line end: lines count from 1
    path = tmp_path / "records.jsonl"
    path.write_text(text, encoding="utf-8")
    whole = scan_text(path, text)
    assert len(whole) > len(AMOUNTS)  # the planted ones, the next-line ones among them
    assert scan([path], block=block) == whole


def test_a_block_never_ends_between_a_key_and_its_value_below(tmp_path: Path) -> None:
    # The cut keeps "cost:" and its value together even when the block ends between them.
    path = tmp_path / "records.jsonl"
    path.write_text("a: 1\n" * 10 + "cost:\n" + "   3\n", encoding="utf-8")
    assert [str(claim) for claim in scan([path], block=52)] == [
        "records.jsonl:12: a number under 'cost'"
    ]


def test_a_long_text_that_is_not_ascii_is_lowered_in_slices_each_letter_in_its_place() -> None:
    # Over several of the guard's lower-casing slices, a dash and a capital sigma among
    # them: the amount far in is found where it stands, in either case.
    filler = "| request — ΣΑΣ | pass |\n" * 8000
    for planted in ("COST: 5", "cost: 5", "12 DOLLARS"):
        text = filler + planted + "\n"
        found = find_amounts(text)
        assert [text[start:end] for start, end, _kind in found] == [
            "5" if "5" in planted else "12 DOLLARS"
        ], planted


def test_a_markdown_table_is_cut_between_rows_and_a_value_below_its_key_is_not() -> None:
    first = "| request 1 | pass |\n"
    assert _last_safe_cut(first + "| request 2 | pass |\n") == len(first)
    # the row under "| cost |" opens with a number: those two stay together
    assert _last_safe_cut(first + "| cost |\n 5 |\n") == len(first)
    assert _last_safe_cut("cost:\n") == 0  # its value may come with the next read
    assert _last_safe_cut("a: 1\ncost:\n  ") == len("a: 1\n")
    assert _last_safe_cut("a: 1\ncost:\n  €5\n") == len("a: 1\ncost:\n  €5\n")
    assert _last_safe_cut('a: 1\ncost =\n"5"') == len("a: 1\n")
    assert _last_safe_cut("a: 1\ncost:\n  none\n") == len("a: 1\ncost:\n  none\n")


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("a: \n5", 0),  # blanks after the separator: still a separator
        (":\n5", 0),  # a separator as the text's first character
        ("\n5 x:", 1),  # a line end at the start: the empty line closes no separator
        ("a:X\n5", 4),  # a letter after the separator: no key's value below
        ("aX\n5", 3),
        ("a:\nX", 3),  # the next line opens with a letter
        ("a:\n x", 3),  # ... after a blank
        ("a:\n 5", 0),  # ... or with a number after a blank
        ("x\ny", 2),  # a line end at index 1
        ("\na:\n5", 1),  # back to the line end at index 0
    ],
)
def test_where_a_text_may_be_cut(text: str, cut: int) -> None:
    assert _last_safe_cut(text) == cut


def test_a_large_file_is_scanned_in_bounded_memory(tmp_path: Path) -> None:
    # Every line a key closing with its separator, 7 characters, read 100 lines at a
    # time: each block ends at a line end whose next line is not read yet, so each cut
    # looks one line further back. 700 KB in all.
    path = tmp_path / "keys.yaml"
    path.write_text("".join(f"k{i % 10_000:04d}:\n" for i in range(100_000)))
    tracemalloc.start()
    try:
        assert scan([path], block=7 * 100) == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000, peak  # the whole text alone would be 700 KB (~55 KB seen)
