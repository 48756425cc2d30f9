"""One person rating through a queue: what is shown, Back, Skip, Undo, and progress.

The Rate tab keeps a RateSession per browser tab (so two tabs rating at once never share
a position) and calls Rater for every key press. A rating commits before the next image is
shown (RatingService); the next image's preview is prepared while the current one is on
screen, so the next key press finds it ready.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexing.curate.rating_service import RatingService
from indexing.errors import PictorError
from indexing.query import details
from indexing.query.rate_queue import Cursor, QueueSpec, Step, next_image, remaining
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder
from indexing.store.files import present_paths_of
from indexing.store.image_reads import awaits_rating
from indexing.store.ratings import RatingChange

RECOUNT_SECONDS = 10.0


@dataclass(slots=True)
class QueueCount:
    """How many images are still ahead: "N to go" under the image.

    Counting them scans the queue (35 ms at 100,000 images, ten times that at a million),
    too slow for every key press. So it is counted exactly when the session starts, counted
    down by one for each new image shown, and counted again in the background once
    RECOUNT_SECONDS have passed (images indexed or rated elsewhere meanwhile show up then).
    """

    left: int
    base: int  # session.advanced when `left` was counted
    counted_at: float
    recount: Future | None = None  # of (left, base)


@dataclass(slots=True)
class RateSession:
    spec: QueueSpec
    cursor: Cursor = field(default_factory=Cursor)
    trail: list[str] = field(default_factory=list)  # images shown, oldest first
    back: int = 0  # steps back from the newest shown image (0: at the newest)
    # ("rate", (change, counted in `rated`)), ("skip", content id)
    undo: list[tuple[str, Any]] = field(default_factory=list)
    rated_ids: set[str] = field(default_factory=set)  # images rated in this session

    @property
    def rated(self) -> int:
        return len(self.rated_ids)

    upcoming: Step | None = None  # the queue's next image, looked up (and prefetched) early
    note: str = ""
    advanced: int = 0  # new images shown (Back and Forward through the trail are not)
    count: QueueCount | None = None

    @property
    def current(self) -> str | None:
        return self.trail[-1 - self.back] if self.trail else None


@dataclass(slots=True)
class RateView:
    content_id: str | None
    preview: Path | None = None
    detail: dict[str, Any] | None = None
    predicted: float | None = None
    uncertainty: float | None = None
    progress: str = ""
    message: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def rating(self) -> float | None:
        return self.detail.get("rating") if self.detail else None


class Rater:
    def __init__(self, library: DataFolder):
        self.library = library
        self.service = RatingService(library)
        self.previews = library.previews
        self._counter: ThreadPoolExecutor | None = None

    def start(self, spec: QueueSpec) -> tuple[RateSession, RateView]:
        session = RateSession(spec)
        return session, self._advance(session)

    def rate(self, session: RateSession, score: float | str) -> RateView:
        """Save the score for the image on screen, then show the next one."""
        if session.current is None:
            return self.view(session, "Nothing to rate: choose a queue first.")
        if score is None or (isinstance(score, str) and not score.strip()):
            return self.view(session, "Nothing to accept: press a score key or use the slider.")
        result = self.service.rate(session.current, score)
        counted = session.current not in session.rated_ids  # re-rating (after Back) is not
        session.rated_ids.add(session.current)
        session.undo.append(("rate", (result.change, counted)))
        return self._forward(session, warnings=result.warnings)

    def clear(self, session: RateSession) -> RateView:
        if session.current is None:
            return self.view(session)
        result = self.service.rate(session.current, None)
        session.undo.append(("rate", (result.change, False)))
        return self.view(session, "Rating cleared.", result.warnings)

    def skip(self, session: RateSession) -> RateView:
        if session.current is not None:
            session.undo.append(("skip", session.current))
        return self._forward(session)

    def go_back(self, session: RateSession) -> RateView:
        if session.back + 1 >= len(session.trail):
            return self.view(session, "This is the first image of this session.")
        session.back += 1
        return self.view(session)

    def go_forward(self, session: RateSession) -> RateView:
        return self._forward(session)

    def undo(self, session: RateSession) -> RateView:
        """Take back the last action and show the image it was about."""
        if not session.undo:
            return self.view(session, "Nothing to undo.")
        kind, value = session.undo.pop()
        if kind == "rate":
            change: RatingChange = value[0]
            result = self.service.undo(change)
            if value[1]:  # a new image's score was taken back
                session.rated_ids.discard(change.content_id)
            self._show_again(session, change.content_id)
            before = "no rating" if change.previous is None else f"{change.previous:g}"
            return self.view(session, f"Undone: back to {before}.", result.warnings)
        self._show_again(session, value)
        return self.view(session, "Undone: skipped image shown again.")

    def _show_again(self, session: RateSession, content_id: str) -> None:
        if content_id in session.trail:
            session.back = len(session.trail) - 1 - session.trail.index(content_id)
        else:
            session.trail.append(content_id)
            session.back = 0

    def _forward(self, session: RateSession, warnings: list[str] | None = None) -> RateView:
        if session.back > 0:
            session.back -= 1
            return self.view(session, warnings=warnings or [])
        return self._advance(session, warnings or [])

    def _advance(self, session: RateSession, warnings: list[str] | None = None) -> RateView:
        with self.library.borrow_catalog() as catalog:
            step = self._take_upcoming(catalog, session)
            session.cursor = step.cursor
            session.note = step.note or session.note
            if step.content_id is None:
                session.back = 0
                done = "Everything in this queue is done."
                return self._view(catalog, session, done, warnings, show=False)
            session.trail.append(step.content_id)
            session.back = 0
            session.advanced += 1
            session.upcoming = next_image(catalog, session.spec, session.cursor)
            self._prefetch(catalog, session.upcoming)
            if session.upcoming.content_id is not None:  # and the one after: keys can be quick
                self._prefetch(catalog, next_image(catalog, session.spec, session.upcoming.cursor))
            return self._view(catalog, session, "", warnings)

    def _take_upcoming(self, catalog: Catalog, session: RateSession) -> Step:
        """The step looked up last time, if it still belongs in the queue; else a fresh one."""
        step, session.upcoming = session.upcoming, None
        if (
            step is not None
            and step.content_id is not None
            and self._still_due(catalog, session, step)
        ):
            return step
        return next_image(catalog, session.spec, session.cursor)

    @staticmethod
    def _still_due(catalog: Catalog, session: RateSession, step: Step) -> bool:
        if session.spec.kind not in ("unrated", "filter", "informative"):
            return True
        # rated meanwhile (another tab) or gone: look again
        return step.content_id is not None and awaits_rating(catalog, step.content_id)

    def _prefetch(self, catalog: Catalog, step: Step) -> None:
        if step.content_id is not None:
            self.previews.prefetch(step.content_id, present_paths_of(catalog, step.content_id))

    def view(
        self, session: RateSession, message: str = "", warnings: list[str] | None = None
    ) -> RateView:
        with self.library.borrow_catalog() as catalog:
            return self._view(catalog, session, message, warnings)

    def _view(
        self,
        catalog: Catalog,
        session: RateSession,
        message: str,
        warnings: list[str] | None,
        *,
        show: bool = True,
    ) -> RateView:
        content_id = session.current if show else None
        view = RateView(content_id, message=message or session.note, warnings=warnings or [])
        left = self._left(catalog, session)
        view.progress = f"rated {session.rated:,} · {left:,} to go in this queue"
        if content_id is None:
            return view
        view.detail = details.image_detail(catalog, content_id)
        prediction = details.prediction(catalog, content_id)
        if prediction is not None:
            view.predicted, view.uncertainty = prediction
        paths = [
            p["path"] for p in (view.detail or {}).get("paths", []) if p["status"] == "present"
        ]
        view.preview = self.previews.get(content_id, paths)
        if view.preview is None:
            view.message = "This image's file is missing on disk; press → or s to go on."
        return view

    def _left(self, catalog: Catalog, session: RateSession) -> int:
        """The images ahead in the queue, as QueueCount describes."""
        count, now = session.count, time.monotonic()
        if count is None:
            left = remaining(catalog, session.spec, session.cursor)
            session.count = QueueCount(left, session.advanced, now)
            return left
        if count.recount is not None and count.recount.done():
            with contextlib.suppress(PictorError, sqlite3.Error):  # (busy): count on down
                count.left, count.base = count.recount.result()
            count.recount, count.counted_at = None, now
        elif count.recount is None and now - count.counted_at >= RECOUNT_SECONDS:
            if self._counter is None:
                self._counter = ThreadPoolExecutor(1, thread_name_prefix="pictor-count")
            count.recount = self._counter.submit(
                self._count, session.spec, session.cursor, session.advanced
            )
        return max(0, count.left - (session.advanced - count.base))

    def _count(self, spec: QueueSpec, cursor: Cursor, base: int) -> tuple[int, int]:
        with self.library.open_catalog() as catalog:
            return remaining(catalog, spec, cursor), base
