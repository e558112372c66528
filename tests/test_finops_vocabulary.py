"""FinOps vocabulary (issue #14, point 2): billing_unit, charge_code, budget_owner and
cost_center are labels, accepted as dimensions, field mappings and ledger columns; a whole
run through the reference gateway with them passes the pricing guard."""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING

from tests.helpers import read_records

if TYPE_CHECKING:
    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway

PROFILE = """\
endpoint: {url}
preset: reference
policy:
  dimensions: [owner, environment, use_case, billing_unit]
  optional_dimensions: [charge_code]
  ledger: owners.csv
attach:
  billing_unit: {{header: x-tag-billing-unit}}
  charge_code: {{header: x-tag-charge-code}}
log_store:
  record_url: "{{endpoint}}/logs/records/{{correlation_id}}"
  counts_url: "{{endpoint}}/logs/buckets"
  fields:
    billing_unit: tags.billing_unit
    charge_code: tags.charge_code
    budget_owner: tags.budget_owner
"""
LEDGER = (
    "owner,team,cost_center,budget_owner,follow_up,last_reviewed,retired\n"
    "team-search,Search,4200,dana.lee,search-oncall,2026-06-14,false\n"
)
SCENARIOS = """\
scenarios:
  - name: billing unit and charge code travel to the record
    path: happy
    tags: {owner: team-search, environment: staging, use_case: search,
           billing_unit: team-a, charge_code: cc-42}
    expect:
      record: {billing_unit: {equals: team-a}, charge_code: {equals: cc-42}, budget_owner: absent}
  - name: a missing environment is untagged whatever the billing unit
    path: error
    tags: {owner: team-search, use_case: search, billing_unit: team-a}
    expect: {bucket: untagged, reason: missing_environment}
"""


def test_finops_words_as_dimensions_mappings_and_ledger_columns_run_clean(
    pytester: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    pytester.makefile(".yaml", tagsmoke=PROFILE.format(url=tagsmoke_gateway.url))
    (pytester.path / "owners.csv").write_text(LEDGER)
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "finops.yaml").write_text(textwrap.dedent(SCENARIOS))
    checked = pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", ".")
    assert checked.ret == 0, checked.stdout.str()
    result = pytester.runpytest("--tagsmoke")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*pricing guard*")
    happy, error = read_records(pytester.path)
    assert happy["tags_in_log"]["billing_unit"] == "team-a"
    assert happy["tags_in_log"]["charge_code"] == "cc-42"
    assert happy["mapped_owner"] == {
        "team": "Search",
        "cost_center": "4200",
        "budget_owner": "dana.lee",
    }
    assert error["bucket"] == "untagged"
