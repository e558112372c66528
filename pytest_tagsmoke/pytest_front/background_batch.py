"""The batch sent and polled in a thread of its own while pytest runs the items.

Each planned item waits only for its own dispatch to be final (:mod:`sending.finality`),
then is judged while later records are still awaited: the per-item work (judging,
reports, JUnit, artifacts) overlaps the log store's lag instead of following the last
record. The planning and sending are :meth:`Runtime.dispatch_all`'s, unchanged; this
module only runs it in the background and hands its outcomes over one by one.

The main thread waits with a short timeout, so Ctrl-C still interrupts it; it reads a
dispatch only after the background thread announced it final (under one lock). A bug in
the thread reaches every item not judged yet as its setup error, and never hangs the run.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pytest_tagsmoke.errors import SetupError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.logstore.poll import PollProgress
    from pytest_tagsmoke.sending.batch import Runtime
    from pytest_tagsmoke.sending.dispatch import Dispatch

#: Seconds the main thread waits at a time (KeyboardInterrupt is seen between waits).
WAIT_STEP = 0.1


class BackgroundBatch:
    """``runtime.dispatch_all(scenarios)`` in a thread; :meth:`outcome` for each position."""

    def __init__(self, runtime: Runtime, scenarios: Sequence[Scenario], concurrency: int) -> None:
        self._runtime = runtime
        self._scenarios = scenarios
        self._concurrency = concurrency
        self._changed = threading.Condition()
        self._final: dict[int, Dispatch | SetupError] = {}
        self._error: str | None = None
        self._ended = False
        self._progress: PollProgress | None = None
        #: The position the main thread waits for: only its announcement wakes it (a
        #: wake-up per announcement would take the GIL from the senders N times).
        self._awaited: int | None = None
        #: Set when the run stops: nothing more is sent, the polling ends.
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tagsmoke-batch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._runtime.dispatch_all(
                self._scenarios,
                self._concurrency,
                on_final=self._announce,
                stop=self.stop,
                on_progress=self._note_progress,
            )
        except BaseException as exc:  # a bug, not a verdict: each waiting item reports it
            error = self._runtime.scrub(f"{type(exc).__name__}: {exc}")[:500]
            with self._changed:
                self._error = error
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _announce(self, position: int, outcome: Dispatch | SetupError) -> None:
        with self._changed:
            self._final[position] = outcome
            if position == self._awaited:
                self._changed.notify_all()

    def _note_progress(self, progress: PollProgress) -> None:
        # Only noted: the terminal is written by the main thread (see :meth:`outcome`).
        with self._changed:
            self._progress = progress

    def outcome(
        self, position: int, on_progress: Callable[[PollProgress], None] | None = None
    ) -> Dispatch | SetupError:
        """The final outcome of the scenario at ``position``, waited for (interruptibly);
        ``on_progress`` hears how the wait for records stands, from this thread."""
        while True:
            with self._changed:
                outcome = self._final.pop(position, None)
                if outcome is None and not self._ended:
                    self._awaited = position
                    self._changed.wait(WAIT_STEP)
                    self._awaited = None
                    outcome = self._final.pop(position, None)
                progress, self._progress = self._progress, None
                error, ended = self._error, self._ended
            if outcome is not None:
                return outcome
            if error is not None:
                raise SetupError(f"the batch could not be sent: {error}")
            if ended:  # cannot happen unless dispatch_all skipped it: never wait forever
                raise SetupError("the batch ended without this scenario's outcome")
            if progress is not None and on_progress is not None:
                on_progress(progress)

    def wait_until_ended(self) -> None:
        """Back when the batch has ended (every outcome final), waited for interruptibly."""
        while self._thread.ident is not None and self._thread.is_alive():
            self._thread.join(WAIT_STEP)

    def stop_and_join(self) -> None:
        """Nothing more is sent, the polling stops; back when the thread has ended (what
        was in flight has finished, so ``runtime.sent`` is complete)."""
        self.stop.set()
        if self._thread.ident is not None:
            self._thread.join()
