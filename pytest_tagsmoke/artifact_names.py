"""The file names of a run folder, shared by the writer (:mod:`pytest_tagsmoke.reports.artifacts`)
and by ``tagsmoke validate``, which skips run folders (:mod:`pytest_tagsmoke.files.selection`).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

RECORDS = "records.jsonl"
SUMMARY_JSON = "summary.json"
SMOKE_TEST_LOG = "smoke_test_log.yaml"
SUMMARY_MD = "summary.md"
UNVERIFIED = "unverified.jsonl"
