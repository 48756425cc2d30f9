"""Long tasks (indexing, training) in a background thread: the UI shows their progress,
can cancel them, and the rest of the app keeps working meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from app.safe_text import literal
from indexing.errors import PictorError
from indexing.progress import CancelToken


class Report(Protocol):
    """How a job reports: an indexing Progress, a training update, whatever its run makes
    (shaped like indexing.progress.ProgressCallback, so a job can hand it to the core)."""

    def __call__(self, progress: Any) -> None: ...


class BackgroundJob:
    """One run of run(report, cancel_token). `wait_for_update` blocks until it reports
    progress or ends; `summary` is its result, `error` what it raised."""

    def __init__(self, run: Callable[[Report, CancelToken], Any], name: str = "job"):
        self.cancel_token = CancelToken()
        self.progress: Any = None
        self.summary: Any = None
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._done = False
        self._thread = threading.Thread(
            target=self._main, args=(run,), daemon=True, name=f"pictor-{name}"
        )

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def _main(self, run: Callable[[Report, CancelToken], Any]) -> None:
        try:
            self.summary = run(self._report, self.cancel_token)
        except BaseException as exc:  # reported to the UI, never swallowed silently
            self.error = exc
        with self._changed:
            self._done = True
            self._changed.notify_all()

    def _report(self, progress: Any) -> None:
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

    def updates(self, describe: Callable[[Any], str]) -> Iterator[str]:
        """Its progress as text until it ends, for a UI generator to yield."""
        while not self._done:
            self.wait_for_update(0.25)
            yield describe(self.progress) if self.progress is not None else "Starting…"

    def failure(self, what: str) -> str:
        """What it raised, as one line for the page: a PictorError's own sentence."""
        if isinstance(self.error, PictorError):
            return literal(self.error)
        return literal(f"{what} failed: {type(self.error).__name__}: {self.error}")


class JobSlot:
    """At most one job of a kind at a time per app (one slot per kind)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: BackgroundJob | None = None

    def try_start(self, job: BackgroundJob) -> bool:
        with self._lock:
            if self.current is not None and not self.current.done:
                return False
            self.current = job.start()
            return True

    def cancel(self, idle: str, cancelling: str) -> str:
        """Ask the running job to stop; what to tell the user either way."""
        job = self.current
        if job is None or job.done:
            return idle
        job.cancel()
        return cancelling
