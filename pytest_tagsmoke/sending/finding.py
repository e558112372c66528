"""The finding step of one batch: the records of the requests already answered while the
rest are being sent, then the wait for those still missing, then the second counts read.

Each record is handed to :class:`Finality` the tick it is found, so the front end can
judge its scenario while the rest are awaited. Driven by :meth:`Runtime.dispatch_all`.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pytest_tagsmoke.logstore import LogRecord, LogStoreError
from pytest_tagsmoke.logstore.poll import PollProgress, ProbeSchedule, wait_for_records
from pytest_tagsmoke.policy.tag_policy import classify

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Sequence

    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.logstore import LogStore
    from pytest_tagsmoke.sending.dispatch import Dispatch
    from pytest_tagsmoke.sending.finality import Finality


class BatchFinding:
    """Finds one batch's records on one :class:`ProbeSchedule` (the finding while sending
    and the wait after it share it); stops asking once ``stop`` is set. ``store`` opens
    the run's log store (at its first use); ``scrub`` takes secrets out of a problem's
    text."""

    def __init__(
        self,
        profile: Profile,
        store: Callable[[], LogStore],
        scrub: Callable[[str], str],
        finality: Finality,
        stop: threading.Event,
    ) -> None:
        self.profile = profile
        self._store = store
        self.scrub = scrub
        self.finality = finality
        self.stop = stop
        self.schedule = ProbeSchedule(profile.poll)

    def while_sending(self, answered: list[Dispatch], sent: threading.Event) -> None:
        """Poll ticks for the requests already answered while the rest are being sent, on
        the schedule (the oldest id alone every ``poll.interval``, a sweep once it is
        found: records come as steadily as requests go out); the wait after sending goes
        on with the same schedule.

        Found ids are final, as in the wait after sending: ``finality`` hears of them
        after each tick. A store error here is only counted: after ``poll.store_errors``
        of them the ticks stop, and the wait after sending (its own budget and deadline)
        decides what the run reports."""
        schedule = self.schedule
        found: dict[str, LogRecord] = {}
        outstanding: list[str] = []
        seen = errors = 0
        while (
            not sent.wait(schedule.next_wait())
            and not self.stop.is_set()  # the run stopped: no more asking
            and errors < self.profile.poll.store_errors
        ):
            new = answered[seen:]  # one atomic copy: senders append as they go
            seen += len(new)
            outstanding += [d.lookup_id for d in new if d.lookup_id and d.awaits_record]
            try:
                # Finality hears each record as the sweep finds it (once: it pops).
                schedule.tick(self._store(), outstanding, found, self.finality.found)
            except LogStoreError:
                errors += 1
            finally:
                came = {i: found[i] for i in outstanding if i in found}
                outstanding = [i for i in outstanding if i not in found]
                self.finality.found(came)

    def wait(
        self, dispatches: Sequence[Dispatch], on_progress: Callable[[PollProgress], None] | None
    ) -> None:
        """Wait for every record not found while sending, all at once, within
        ``poll.timeout`` from now. ``finality`` hears of each record as it is found, and of
        the rest at the end (looked up, none came: missing_trace; or the store's error, a
        setup problem); ``on_progress`` of how the wait stands."""
        finality = self.finality
        awaiting = [d for d in dispatches if d.awaits_record]
        waiting = finality.still_waiting(awaiting)
        if not waiting:
            return
        rest = [d.lookup_id for d in waiting if d.lookup_id]
        progress = _progress_after(len(awaiting) - len(waiting), on_progress)
        try:
            wait_for_records(
                self._store(),
                rest,
                self.profile.poll,
                progress,
                self.schedule,
                finality.found,
                self.stop,
            )
        except LogStoreError as exc:
            problem = self.scrub(str(exc))
            waiting = finality.still_waiting(waiting)
            for d in waiting:
                d.setup_problem = problem
            finality.final(waiting)
            return
        if self.stop.is_set():
            return  # not looked up to the end: unverified, never "missing"
        waiting = finality.still_waiting(waiting)
        for d in waiting:  # the deadline passed without their records: missing_trace
            d.looked_up = True
        finality.final(waiting)

    def counts(self) -> dict[str, int] | str | None:
        """Records per bucket: the store's own counts; else the buckets of the records it
        can list (the record's bucket field, else the policy's derived bucket); else None
        (not checked). The problem's text when they cannot be read."""
        try:
            counts = self._store().bucket_counts()
            if counts is not None:
                return counts
            listed = self._store().list_records()
        except LogStoreError as exc:
            return self.scrub(str(exc))
        if listed is None:
            return None
        policy = self.profile.policy
        tally: Counter[str] = Counter()
        for record in listed:
            tally[record.get("bucket") or classify(record.values, policy).bucket] += record.count
        return dict(tally)

    def check_counts(
        self, counted: Sequence[Dispatch], before: dict[str, int] | str | None
    ) -> None:
        """Read the counts again, after every record is found, for the ``counted``
        scenarios (those whose bucket must grow by at least the number of scenarios that
        expect that bucket); they are final only after this."""
        after = self.counts() if counted and isinstance(before, dict) else before
        expected = Counter(d.expected.bucket for d in counted)
        for d in counted:
            if isinstance(after, str):
                d.setup_problem = d.setup_problem or after
            elif isinstance(before, dict) and isinstance(after, dict):
                # Counted between the same two reads as the run's other scenarios that
                # expect the same bucket: it must grow by at least that many.
                d.counts_before, d.counts_after = before, after
                d.sharing = expected[d.expected.bucket]


def _progress_after(
    found: int, tell: Callable[[PollProgress], None] | None
) -> Callable[[PollProgress], None] | None:
    """The progress callback ``tell``, counting the ``found`` records found while sending."""
    if tell is None or not found:
        return tell
    return lambda p: tell(
        PollProgress(p.expected + found, p.found + found, p.waited, p.seconds_left)
    )
