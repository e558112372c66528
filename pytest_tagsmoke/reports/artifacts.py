"""Run artifacts: one folder per run under the artifact folder.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import uuid
from typing import TYPE_CHECKING, Any, TextIO

from pytest_tagsmoke.artifact_names import (
    RECORDS,
    SMOKE_TEST_LOG,
    SUMMARY_JSON,
    SUMMARY_MD,
    UNVERIFIED,
)
from pytest_tagsmoke.records.kept_records import SharedMappings

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_tagsmoke.policy.tag_policy import TagPolicy
    from pytest_tagsmoke.records.smoke_record import SmokeRecord
    from pytest_tagsmoke.safety.pricing_guard import PricingClaim


def new_run_id() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def artifacts_folder_problem(base: Path) -> str | None:
    """Why run folders cannot be made under ``base``, or None.

    Checked before the first request is sent, without leaving anything behind: ``base``
    (or, when it does not exist yet, its nearest existing parent) must be a folder in
    which a file can be created.
    """
    probe = base
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder, so the artifact folder {base} cannot be made there"
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        return f"cannot write in {probe} ({exc.strerror or exc}) to make the artifact folder {base}"
    return None


class RunArtifacts:
    """Writes ``records.jsonl`` one line per finished scenario, flushed at once, and the
    summaries when the run ends.

    The folder is made on the first record, so a run that sends nothing leaves nothing.
    """

    def __init__(self, base: Path, run_id: str) -> None:
        self.run_id = run_id
        self.folder = base / run_id
        self.records_path = self.folder / RECORDS
        self._stream: TextIO | None = None
        #: The records written, kept for the summaries (their equal mappings shared).
        self.records: list[SmokeRecord] = []
        self._shared = SharedMappings()
        #: Requests sent whose scenario was never judged (the run was stopped).
        self.unverified: list[SmokeRecord] = []
        self.claims: list[PricingClaim] = []

    def write_record(self, record: SmokeRecord) -> None:
        if self._stream is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._stream = self.records_path.open("a", encoding="utf-8")
        self._stream.write(json.dumps(record.to_json_dict()) + "\n")
        self._stream.flush()
        self.records.append(self._shared.share(record))

    def write_unverified(self, records: list[SmokeRecord]) -> None:
        """``unverified.jsonl``: a smoke record (result ``fail``, no reason, nothing claimed)
        for each request sent but never judged, so every one is traceable by its id."""
        if not records:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / UNVERIFIED).open("a", encoding="utf-8") as stream:
            stream.writelines(json.dumps(record.to_json_dict()) + "\n" for record in records)
        self.unverified += records

    def finish(
        self,
        policy: TagPolicy,
        endpoint: str,
        run: dict[str, Any] | None = None,
        log_store: dict[str, Any] | None = None,
    ) -> None:
        """Write summary.json, smoke_test_log.yaml and summary.md, then run the pricing
        guard over every artifact (its findings are kept in :attr:`claims`). ``run``: what
        pytest saw, so the summaries carry the run's real result."""
        self.close()
        if not self.records and not self.unverified:
            return
        import yaml

        from pytest_tagsmoke.records.summary import markdown, smoke_test_log, summarize
        from pytest_tagsmoke.safety.pricing_guard import scan, withhold_amounts

        summary = summarize(self.records, policy, run, log_store)
        run_date = (self.records or self.unverified)[0].audit_date
        document = {
            "run_id": self.run_id,
            "audit_date": run_date,
            "endpoint": endpoint,
            "records": RECORDS,
            **summary,
        }
        (self.folder / SUMMARY_JSON).write_text(
            json.dumps(document, indent=2) + "\n", encoding="utf-8"
        )
        (self.folder / SMOKE_TEST_LOG).write_text(
            yaml.safe_dump(
                smoke_test_log(self.records, run_date, endpoint, summary),
                sort_keys=False,
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        text = markdown(self.records, summary, self.run_id)
        (self.folder / SUMMARY_MD).write_text(text, encoding="utf-8")
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if step_summary:
            # The job summary is shown outside the run folder the guard scans below, so
            # amounts are withheld from it before it is written.
            with open(step_summary, "a", encoding="utf-8") as stream:
                stream.write(withhold_amounts(text))
        self.claims = scan(sorted(p for p in self.folder.iterdir() if p.is_file()))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
