"""Judging: one scenario's outcome (sent, answered, found) against its expectations.

``outcome`` (what judging reads) → ``judge`` (the flow) using ``record_checks`` (one check
per aspect of the record) → ``verdict`` (the findings, by precedence).
"""

from pytest_tagsmoke.judging.judge import judge
from pytest_tagsmoke.judging.outcome import Outcome
from pytest_tagsmoke.judging.verdict import Finding, Verdict, YesNo

__all__ = ["Finding", "Outcome", "Verdict", "YesNo", "judge"]
