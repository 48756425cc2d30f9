"""Indexing in a background thread, so the UI can show progress and cancel it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from indexing.ingest.pipeline import IndexSummary
from indexing.progress import CancelToken, Progress


class IndexJob:
    """One indexing run. `wait_for_update` blocks until progress changes or the job ends."""

    def __init__(self, run: Callable[[Callable[[Progress], None], CancelToken], IndexSummary]):
        self.cancel_token = CancelToken()
        self.progress: Progress | None = None
        self.summary: IndexSummary | None = None
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._done = False
        self._thread = threading.Thread(
            target=self._main, args=(run,), daemon=True, name="pictor-index-job"
        )

    def start(self) -> IndexJob:
        self._thread.start()
        return self

    def _main(self, run) -> None:
        try:
            self.summary = run(self._report, self.cancel_token)
        except BaseException as exc:  # reported to the UI, never swallowed silently
            self.error = exc
        with self._changed:
            self._done = True
            self._changed.notify_all()

    def _report(self, progress: Progress) -> None:
        with self._changed:
            self.progress = progress
            self._changed.notify_all()

    @property
    def done(self) -> bool:
        return self._done

    def wait_for_update(self, timeout: float) -> None:
        with self._changed:
            if not self._done:
                self._changed.wait(timeout)

    def cancel(self) -> None:
        self.cancel_token.cancel()


class JobSlot:
    """At most one indexing job at a time per app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: IndexJob | None = None

    def try_start(self, job: IndexJob) -> bool:
        with self._lock:
            if self.current is not None and not self.current.done:
                return False
            self.current = job.start()
            return True
