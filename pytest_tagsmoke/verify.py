"""Former name of :mod:`pytest_tagsmoke.judging`, kept for existing imports."""

from pytest_tagsmoke.judging import Finding, Outcome, Verdict, YesNo, judge

__all__ = ["Finding", "Outcome", "Verdict", "YesNo", "judge"]
