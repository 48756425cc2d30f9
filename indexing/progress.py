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
    # (tagging with CLIP after embedding), "search" (the full-text index after indexing),
    # "text" (reading the text in images, OCR)
    done: int
    total: int | None
    rate: float  # items per second in this stage
    eta_seconds: float | None
    message: str = ""
    # Files read so far where that runs ahead of `done` (the indexer: a file is done once
    # its row is committed, visible in the Library; reading and embedding come first).
    read: int | None = None

    def describe(self) -> str:
        if self.stage == "scan":
            return f"Scanning folders: {self.done:,} image files found"
        total = f"{self.total:,}" if self.total is not None else "?"
        running = self.total is None or self.done < self.total
        # Never "ETA 0s" while work remains: a second at least, until the stage is done.
        remaining = None if self.eta_seconds is None else max(self.eta_seconds, 1.0)
        eta = f", ETA {format_seconds(remaining)}" if remaining is not None else ""
        eta = eta if running else ""  # a finished stage: the next one says what it does
        if self.message and self.total is None:
            return self.message  # a step with no count ("Comparing 12,000 images…")
        verb = {
            "index": "Indexing",
            "hashes": "Hashing thumbnails for the near tier",
            "trash": "Moving files to the trash",
            "embed": "Embedding",
            "subjects": "Tagging subjects",
            "text": "Reading text in images",
            "search": "Updating the search index",
        }.get(self.stage, self.stage.capitalize())
        if self.read is not None and self.read > self.done:
            # Read, but not yet in the Library (embedding its batch, or waiting to commit).
            counts = f"{self.read:,} of {total} read, {self.done:,} saved"
        else:
            counts = f"{self.done:,} of {total} done"
        return f"{verb}: {counts}, {self.rate:,.1f}/s{eta}"


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
    """Counts one stage and reports it at most every `interval` seconds (and at the end).

    A stage whose work lands later than it is read (the indexer commits its rows after
    embedding their batch) counts `read` ahead, and `done` only once it is committed: the
    rate and the ETA follow `done`, what the user has.
    """

    def __init__(
        self, stage: str, total: int | None, callback: ProgressCallback, interval: float = 0.2
    ):
        self.stage = stage
        self.total = total
        self.callback = callback
        self.interval = interval
        self.done = 0
        self.read: int | None = None
        self.started = time.monotonic()
        self._last_report = 0.0

    def advance(self, count: int = 1, message: str = "", force: bool = False) -> None:
        self.done += count
        self._report(message, force)

    def advance_read(self, count: int = 1) -> None:
        """Items read but not yet done (`advance` counts them when they are committed)."""
        self.read = (self.read or 0) + count
        self._report("", False)

    def _report(self, message: str, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_report >= self.interval:
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
        return Progress(self.stage, self.done, self.total, rate, eta, message, self.read)


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
