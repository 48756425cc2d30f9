"""One progress interface for every front end: the CLI draws it with tqdm, the UI as text."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from indexing.errors import PictorError


@dataclass(frozen=True, slots=True)
class Progress:
    stage: str  # "scan" (walking folders), "index" (reading new files), "embed", "subjects"
    # (tagging with CLIP after embedding), "search" (the full-text index after indexing)
    done: int
    total: int | None
    rate: float  # items per second in this stage
    eta_seconds: float | None
    message: str = ""

    def describe(self) -> str:
        if self.stage == "scan":
            return f"Scanning folders: {self.done:,} image files found"
        total = f"{self.total:,}" if self.total is not None else "?"
        running = self.total is None or self.done < self.total
        eta = f", ETA {format_seconds(self.eta_seconds)}" if self.eta_seconds is not None else ""
        eta = eta if running else ""  # a finished stage: the next one says what it does
        if self.message and self.total is None:
            return self.message  # a step with no count ("Comparing 12,000 images…")
        verb = {
            "index": "Indexing",
            "hashes": "Hashing thumbnails for the near tier",
            "trash": "Moving files to the trash",
            "embed": "Embedding",
            "subjects": "Tagging subjects",
            "search": "Updating the search index",
        }.get(self.stage, self.stage.capitalize())
        return f"{verb}: {self.done:,} of {total} done, {self.rate:,.1f}/s{eta}"


class ProgressCallback(Protocol):
    def __call__(self, progress: Progress) -> None: ...


def no_progress(progress: Progress) -> None:
    """The default callback: report nothing."""


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class StageMeter:
    """Counts one stage and reports it at most every `interval` seconds (and at the end)."""

    def __init__(
        self, stage: str, total: int | None, callback: ProgressCallback, interval: float = 0.2
    ):
        self.stage = stage
        self.total = total
        self.callback = callback
        self.interval = interval
        self.done = 0
        self.started = time.monotonic()
        self._last_report = 0.0

    def advance(self, count: int = 1, message: str = "") -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last_report >= self.interval:
            self._last_report = now
            self.callback(self.snapshot(message))

    def finish(self) -> None:
        self.callback(self.snapshot())

    def snapshot(self, message: str = "") -> Progress:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = None
        if self.total is not None and rate > 0:
            eta = max(self.total - self.done, 0) / rate
        return Progress(self.stage, self.done, self.total, rate, eta, message)


class Cancelled(PictorError):
    """The caller's `cancel()` turned true; the work done so far is kept."""


def raise_if(cancel: Callable[[], bool] | None, message: str) -> None:
    """Stop at a safe point when asked to."""
    if cancel is not None and cancel():
        raise Cancelled(message)


class CancelToken:
    """Set from any thread to ask a running job to stop at its next safe point."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
