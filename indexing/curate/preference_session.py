"""Best of 2 or 4: which images to compare, and what a click records.

A set is chosen to be informative, not at random: an anchor from the unrated images
(shuffled), then the images whose rating (yours, else predicted) is closest to the
anchor's, since telling apart two images the evaluator scores alike teaches it most.
Without predictions, the others are further unrated images. A set with a file missing on
disk is shown with that card marked, and picking in it records nothing: it is skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from indexing.curate.rating_service import RatingService
from indexing.query.listing import random_pivot
from indexing.query.rate_queue import Cursor, next_in_rotation
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder
from indexing.store.files import present_paths_of
from indexing.store.image_reads import (
    PRESENT,
    UNRATED,
    mid_scale_rated,
    nearest_rating_keys,
    rating_key_of,
)


@dataclass(slots=True)
class PreferenceSession:
    size: int  # 2 or 4
    seed: int = 0
    cursor: Cursor = field(default_factory=Cursor)
    shown: list[str] = field(default_factory=list)  # the set on screen
    missing: list[str] = field(default_factory=list)  # of those, the ones whose file is gone
    undo: list[tuple[str, list[str]]] = field(default_factory=list)  # (choice id, its set)
    chosen: int = 0


@dataclass(slots=True)
class PreferenceView:
    content_ids: list[str]
    previews: list[Path | None]
    captions: list[str]
    message: str = ""
    progress: str = ""


class Chooser:
    def __init__(self, library: DataFolder):
        self.library = library
        self.service = RatingService(library)

    def start(self, size: int, seed: int = 0) -> tuple[PreferenceSession, PreferenceView]:
        session = PreferenceSession(size=max(2, min(4, size)), seed=seed)
        return session, self._next_set(session, "")

    def pick(self, session: PreferenceSession, index: int) -> PreferenceView:
        if not 0 <= index < len(session.shown):
            return self.view(session, f"There is no image {index + 1} in this set.")
        if session.missing:
            return self._next_set(session, "That set was skipped: a file in it is missing.")
        winner = session.shown[index]
        losers = [cid for cid in session.shown if cid != winner]
        choice = self.service.prefer(winner, losers)
        session.undo.append((choice.choice_id, list(session.shown)))
        session.chosen += 1
        return self._next_set(session, f"Saved: image {index + 1} is your favourite.")

    def equal(self, session: PreferenceSession) -> PreferenceView:
        if len(session.shown) < 2 or session.missing:
            return self._next_set(session, "That set was skipped.")
        choice = self.service.prefer(session.shown[0], session.shown[1:], tie=True)
        session.undo.append((choice.choice_id, list(session.shown)))
        session.chosen += 1
        return self._next_set(session, "Saved: they are equally good.")

    def skip(self, session: PreferenceSession) -> PreferenceView:
        return self._next_set(session, "Skipped.")

    def undo(self, session: PreferenceSession) -> PreferenceView:
        if not session.undo:
            return self.view(session, "Nothing to undo.")
        choice_id, shown = session.undo.pop()
        self.service.withdraw(choice_id)
        session.chosen = max(0, session.chosen - 1)
        session.shown = shown
        with self.library.borrow_catalog() as catalog:
            session.missing = _missing(catalog, shown)
            return self._view(catalog, session, "Undone: that choice is forgotten; choose again.")

    def view(self, session: PreferenceSession, message: str = "") -> PreferenceView:
        with self.library.borrow_catalog() as catalog:
            return self._view(catalog, session, message)

    def _next_set(self, session: PreferenceSession, message: str) -> PreferenceView:
        with self.library.borrow_catalog() as catalog:
            anchor = next_in_rotation(
                catalog,
                (f"{PRESENT} AND {UNRATED}", []),
                random_pivot(session.seed),
                session.cursor,
            )
            if anchor.content_id is None:  # everything rated: compare rated images too
                anchor = next_in_rotation(
                    catalog, (PRESENT, []), random_pivot(session.seed), session.cursor
                )
            session.cursor = anchor.cursor
            if anchor.content_id is None:
                session.shown, session.missing = [], []
                return self._view(catalog, session, "The library has no images to compare yet.")
            others = _closest(catalog, anchor.content_id, session.size - 1, session.seed)
            session.shown = [anchor.content_id, *others]
            session.missing = _missing(catalog, session.shown)
            if len(session.shown) < 2:
                return self._view(catalog, session, "Add more images to compare them.")
            return self._view(catalog, session, message)

    def _view(self, catalog: Catalog, session: PreferenceSession, message: str) -> PreferenceView:
        previews, captions = [], []
        for number, content_id in enumerate(session.shown, start=1):
            paths = present_paths_of(catalog, content_id)
            gone = content_id in session.missing
            if gone:  # the thumbnail outlives the file: show it, marked
                thumb = self.library.thumbs.path_for(content_id)
                previews.append(thumb if thumb.exists() else None)
            else:
                previews.append(self.library.previews.get(content_id, paths))
            captions.append(f"{number} · file missing" if gone else str(number))
        if session.missing and not message:
            message = "A file of this set is missing on disk, so this set will be skipped."
        progress = f"{session.chosen:,} choices this session"
        return PreferenceView(list(session.shown), previews, captions, message, progress)


def _closest(catalog: Catalog, anchor: str, count: int, seed: int) -> list[str]:
    """Images rated (or predicted) closest to the anchor's; unrated ones when it has none."""
    key = rating_key_of(catalog, anchor)
    if key is None:  # a few more unrated images, from another point of the rotation
        found: list[str] = []
        cursor = Cursor()
        where = (f"{PRESENT} AND {UNRATED} AND i.content_id != ?", [anchor])
        while len(found) < count:
            # a pivot of the anchor's own, so each set meets other unrated images
            step = next_in_rotation(catalog, where, random_pivot(f"{seed}:{anchor}"), cursor)
            if step.content_id is None:
                break
            found.append(step.content_id)
            cursor = step.cursor
        if len(found) < count:  # few unrated left: fill the set with rated ones, mid-scale first
            found += mid_scale_rated(catalog, [anchor, *found], count - len(found))
        return found
    return nearest_rating_keys(catalog, key, anchor, count)


def _missing(catalog: Catalog, content_ids: list[str]) -> list[str]:
    """The images none of whose files can be found on disk now."""
    return [
        cid
        for cid in content_ids
        if not any(os.path.exists(path) for path in present_paths_of(catalog, cid))
    ]
