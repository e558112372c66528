"""When a batch's dispatch is final: nothing the batch still does will change it.

The front end judges a scenario the moment its dispatch is final, while later records are
still awaited, so the per-item work (judging, reports, artifacts) overlaps the log store's
lag instead of following it. Final means: right after the send when no record is coming
(an error path expecting none, a send error, a setup problem); the moment its record is
found (found ids are final, while sending and in the wait after); at the wait's deadline
(looked up, nothing came); after a store error that ends the wait (its setup problem).
A scenario with a bucket-counter check is final only after the second counts read.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pytest_tagsmoke.errors import SetupError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from pytest_tagsmoke.logstore import LogRecord
    from pytest_tagsmoke.sending.dispatch import Dispatch


class Finality:
    """Marks a batch's outcomes final, each once, and tells ``on_final`` (if any).

    Called from the sending threads and the polling thread alike: a lock keeps each
    dispatch's last writes before its announcement (the reader looks only after it)."""

    def __init__(
        self,
        outcomes: Sequence[Dispatch | SetupError],
        counted: Iterable[Dispatch],
        on_final: Callable[[int, Dispatch | SetupError], None] | None,
    ) -> None:
        self._outcomes = outcomes
        self._on_final = on_final
        self._position = {id(o): i for i, o in enumerate(outcomes)}
        #: Counter-checked dispatches: final only once the counts are read (:meth:`finish`).
        self._held = {id(d) for d in counted}
        self._final: set[int] = set()
        self._found: set[int] = set()  # given their record (final, or held for the counts)
        self._awaiting: dict[str, list[Dispatch]] = {}
        self._lock = threading.Lock()

    def planned(self) -> None:
        """Scenarios whose request cannot be built: final before anything is sent."""
        for outcome in self._outcomes:
            if isinstance(outcome, SetupError):
                self._announce(outcome, held_too=True)

    def answered(self, dispatch: Dispatch) -> None:
        """``dispatch`` was sent (or failed to be): final now unless a record is coming."""
        if dispatch.awaits_record and dispatch.lookup_id:
            with self._lock:
                self._awaiting.setdefault(dispatch.lookup_id, []).append(dispatch)
        else:
            self._announce(dispatch)

    def found(self, records: Mapping[str, LogRecord]) -> None:
        """Records found by lookup id: their dispatches are looked up and final."""
        for lookup_id, record in records.items():
            with self._lock:
                dispatches = self._awaiting.pop(lookup_id, [])
            for dispatch in dispatches:
                dispatch.looked_up, dispatch.record = True, record
                with self._lock:
                    self._found.add(id(dispatch))
                self._announce(dispatch)

    def still_waiting(self, dispatches: Iterable[Dispatch]) -> list[Dispatch]:
        """Those of ``dispatches`` no record was found for yet."""
        with self._lock:
            return [d for d in dispatches if id(d) not in self._found]

    def final(self, dispatches: Iterable[Dispatch]) -> None:
        """``dispatches`` are final as they stand (counter-checked ones excepted)."""
        for dispatch in dispatches:
            self._announce(dispatch)

    def finish(self) -> None:
        """Everything is final: the counts are read (or the batch stopped)."""
        for outcome in self._outcomes:
            self._announce(outcome, held_too=True)

    def _announce(self, outcome: Dispatch | SetupError, *, held_too: bool = False) -> None:
        key = id(outcome)
        with self._lock:
            if key in self._final or (key in self._held and not held_too):
                return
            self._final.add(key)
        if self._on_final is not None:
            self._on_final(self._position[key], outcome)
