"""The user's ratings and preferences: committed the moment they are given, never lost.

Ratings are keyed by content id, so they survive renames, moves, re-indexing, trashing and
a model change. Each change is one short transaction: the current value in `ratings`
(with who set it: user, xmp or import) and a row in `rating_history` (rating NULL: cleared),
so the latest history row always equals the current value. Undo is "set it back to what it
was", recorded as a change of its own.

Preferences ("of these, I like this one best") are stored as pairs winner > loser, one
choice id per click; "they are equal" stores ties between every pair shown.

This module owns the three tables (ratings, rating_history, preferences): the evaluator's
training data, the export and the import (indexing/curate/ratings_file.py) read and write
them through it.
"""

from __future__ import annotations

import math
import sqlite3
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from indexing.errors import PictorError
from indexing.store.catalog import Catalog

SOURCES = ("user", "xmp", "import")  # who set a current rating
HISTORY_SOURCES = (*SOURCES, "undo", "inherited")  # who made a change


@dataclass(frozen=True, slots=True)
class Rating:
    content_id: str
    rating: float
    source: str
    rated_at: float


@dataclass(frozen=True, slots=True)
class RatingChange:
    """One change: what the rating became, and what it was (for undo)."""

    content_id: str
    rating: float | None  # None: cleared
    source: str
    at: float
    previous: float | None
    previous_source: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Inheritance:
    """What a duplicate group's keeper took over (Ratings.inherit), so that it can be undone."""

    keeper: str
    at: float
    rating: float | None  # the rating it took (None: it kept its own, or there was none)
    choice_ids: list[str]  # the preference pairs it took, by their choice ids

    @property
    def taken(self) -> int:
        return (self.rating is not None) + len(self.choice_ids)


@dataclass(frozen=True, slots=True)
class Choice:
    choice_id: str
    pairs: list[tuple[str, str]]  # (winner, loser), or the two sides of a tie
    tie: bool


def parse_score(value: object) -> float:
    """A score from 0 to 10 (any step), or one clear sentence why not."""
    try:
        score = float(str(value).strip())
    except ValueError:
        raise PictorError(f"a score is a number from 0 to 10, not {value!r}") from None
    if not math.isfinite(score) or not 0.0 <= score <= 10.0:
        raise PictorError(f"a score is a number from 0 to 10 (got {value})")
    return round(score, 3)


class Ratings:
    """Ratings and preferences over one catalog connection."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    # Reading

    def current(self, content_id: str) -> Rating | None:
        row = self.catalog.conn.execute(
            "SELECT content_id, rating, source, rated_at FROM ratings WHERE content_id = ?",
            (content_id,),
        ).fetchone()
        return Rating(*row) if row else None

    def scores(self) -> dict[str, float]:
        """Every current rating, by content id."""
        return dict(self.catalog.conn.execute("SELECT content_id, rating FROM ratings"))

    def choices(self) -> list[tuple[str, str, str]]:
        """Every preference pair as (winner, loser, outcome: win or tie)."""
        return self.catalog.conn.execute(
            "SELECT winner, loser, outcome FROM preferences"
        ).fetchall()

    def preference_counts(self) -> tuple[int, int]:
        """How many preference pairs, and how many of those are ties."""
        return self.catalog.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(outcome = 'tie'), 0) FROM preferences"
        ).fetchone()

    def count(self) -> int:
        return self.catalog.conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]

    def history(self, content_id: str) -> list[tuple[float | None, str, float]]:
        """(rating or None, source, time) of every change, oldest first."""
        rows = self.catalog.conn.execute(
            "SELECT rating, source, at FROM rating_history WHERE content_id = ? ORDER BY id",
            (content_id,),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    # Changing

    def set(
        self,
        content_id: str,
        score: float | str,
        *,
        source: str = "user",
        now: float | None = None,
    ) -> RatingChange:
        """Set the rating to score (a number, or its text, from 0 to 10)."""
        return self._change(content_id, parse_score(score), source, source, now)

    def clear(
        self, content_id: str, *, source: str = "user", now: float | None = None
    ) -> RatingChange:
        return self._change(content_id, None, None, source, now)

    def restore(self, change: RatingChange, now: float | None = None) -> RatingChange:
        """Undo: put back what the rating was before `change` (recorded as an 'undo')."""
        return self._change(change.content_id, change.previous, change.previous_source, "undo", now)

    def _change(
        self,
        content_id: str,
        rating: float | None,
        kept_source: str | None,
        history_source: str,
        now: float | None,
    ) -> RatingChange:
        at = time.time() if now is None else now
        with self.catalog.transaction() as conn:
            before = conn.execute(
                "SELECT rating, source FROM ratings WHERE content_id = ?", (content_id,)
            ).fetchone()
            if rating is None:
                conn.execute("DELETE FROM ratings WHERE content_id = ?", (content_id,))
            else:
                conn.execute(
                    "INSERT INTO ratings(content_id, rating, rated_at, source) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(content_id) DO UPDATE SET rating = excluded.rating, "
                    "rated_at = excluded.rated_at, source = excluded.source",
                    (content_id, rating, at, kept_source or "user"),
                )
            conn.execute(
                "INSERT INTO rating_history(content_id, rating, source, at) VALUES (?, ?, ?, ?)",
                (content_id, rating, history_source, at),
            )
        return RatingChange(
            content_id,
            rating,
            history_source,
            at,
            before[0] if before else None,
            before[1] if before else None,
        )

    # Preferences

    def prefer(
        self,
        winner: str,
        losers: list[str],
        *,
        tie: bool = False,
        source: str = "user",
        now: float | None = None,
    ) -> Choice:
        """One choice among 2 to 4 images: winner > each loser, or all of them equal."""
        shown = list(dict.fromkeys([winner, *losers]))
        if len(shown) < 2:
            raise PictorError("a preference needs at least two different images")
        # A tie is stored as the first image equal to each other one (all equal, as a star):
        # each image appears once as the "loser" of the choice, as its key requires.
        pairs = [(winner, other) for other in shown[1:]]
        choice = Choice(uuid.uuid4().hex, pairs, tie)
        at = time.time() if now is None else now
        with self.catalog.transaction() as conn:
            conn.executemany(
                "INSERT INTO preferences(choice_id, winner, loser, created_at, outcome, source) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(choice.choice_id, a, b, at, "tie" if tie else "win", source) for a, b in pairs],
            )
        return choice

    def withdraw(self, choice_id: str) -> int:
        """Undo a preference: remove the pairs of that one choice."""
        with self.catalog.transaction() as conn:
            return conn.execute(
                "DELETE FROM preferences WHERE choice_id = ?", (choice_id,)
            ).rowcount

    def inherit(self, keeper: str, replaced: list[str], now: float | None = None) -> Inheritance:
        """The keeper of a duplicate group takes over what the images it replaces carried,
        where it has none of its own: the most recent of their ratings, and their preference
        pairs (against the same other images). Returns what it took (see disinherit)."""
        replaced = [cid for cid in dict.fromkeys(replaced) if cid != keeper]
        at = time.time() if now is None else now
        if not replaced:
            return Inheritance(keeper, at, None, [])
        marks = ",".join("?" * len(replaced))
        rating = None
        with self.catalog.transaction() as conn:
            if (
                conn.execute("SELECT 1 FROM ratings WHERE content_id = ?", (keeper,)).fetchone()
                is None
            ):
                latest = conn.execute(
                    f"SELECT rating, source FROM ratings WHERE content_id IN ({marks}) "
                    "ORDER BY rated_at DESC LIMIT 1",
                    replaced,
                ).fetchone()
                if latest is not None:
                    conn.execute(
                        "INSERT INTO ratings(content_id, rating, rated_at, source) "
                        "VALUES (?, ?, ?, ?)",
                        (keeper, latest[0], at, latest[1]),
                    )
                    conn.execute(
                        "INSERT INTO rating_history(content_id, rating, source, at) "
                        "VALUES (?, ?, 'inherited', ?)",
                        (keeper, latest[0], at),
                    )
                    rating = latest[0]
            choices = self._inherit_preferences(conn, keeper, replaced, marks, at)
        return Inheritance(keeper, at, rating, choices)

    def disinherit(self, inherited: Inheritance, now: float | None = None) -> None:
        """Undo an inherit: the keeper's inherited rating goes (recorded as an 'undo'),
        unless it was rated again since, and the preference pairs it took are withdrawn."""
        if inherited.rating is not None:
            current = self.current(inherited.keeper)
            if current is not None and current.rated_at == inherited.at:
                self._change(inherited.keeper, None, None, "undo", now)
        if inherited.choice_ids:
            marks = ",".join("?" * len(inherited.choice_ids))
            with self.catalog.transaction() as conn:
                conn.execute(
                    f"DELETE FROM preferences WHERE source = 'inherited' "
                    f"AND choice_id IN ({marks})",
                    inherited.choice_ids,
                )

    @staticmethod
    def _inherit_preferences(
        conn: sqlite3.Connection, keeper: str, replaced: list[str], marks: str, at: float
    ) -> list[str]:
        rows = conn.execute(
            f"SELECT choice_id, winner, loser, outcome FROM preferences WHERE winner IN ({marks}) "
            f"OR loser IN ({marks})",
            [*replaced, *replaced],
        ).fetchall()
        gone = set(replaced)
        taken = []
        for choice_id, winner, loser, outcome in rows:
            winner = keeper if winner in gone else winner
            loser = keeper if loser in gone else loser
            other = loser if winner == keeper else winner
            if (
                winner == loser
                or conn.execute(
                    "SELECT 1 FROM preferences WHERE (winner = ? AND loser = ?) OR (winner = ? AND "
                    "loser = ?)",
                    (keeper, other, other, keeper),
                ).fetchone()
            ):
                continue  # the keeper has its own say about that image
            new = f"{choice_id}:{keeper[:8]}"
            added = conn.execute(
                "INSERT OR IGNORE INTO preferences(choice_id, winner, loser, created_at, outcome, "
                "source) VALUES (?, ?, ?, ?, ?, 'inherited')",
                (new, winner, loser, at, outcome),
            ).rowcount
            if added:
                taken.append(new)
        return taken

    def counts(self) -> dict[str, int]:
        conn = self.catalog.conn
        return {
            "ratings": conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0],
            "pairs": conn.execute(
                "SELECT COUNT(*) FROM preferences WHERE outcome = 'win'"
            ).fetchone()[0],
            "ties": conn.execute(
                "SELECT COUNT(*) FROM preferences WHERE outcome = 'tie'"
            ).fetchone()[0],
        }


def export_rows(catalog: Catalog) -> dict[str, list[tuple]]:
    """What the ratings export holds, each in its stable order: "paths" (content id, path)
    of every rated content, present files first; "ratings", "preferences", "history"."""
    conn = catalog.conn
    return {
        "paths": conn.execute(
            "SELECT f.content_id, f.path FROM files f JOIN ratings r USING (content_id) "
            "ORDER BY f.content_id, f.status DESC, f.path"
        ).fetchall(),
        "ratings": conn.execute(
            "SELECT content_id, rating, rated_at, source FROM ratings ORDER BY content_id"
        ).fetchall(),
        "preferences": conn.execute(
            "SELECT choice_id, winner, loser, created_at, outcome, source FROM preferences "
            "ORDER BY created_at, choice_id, winner, loser"
        ).fetchall(),
        "history": conn.execute(
            "SELECT content_id, rating, source, at FROM rating_history ORDER BY content_id, id"
        ).fetchall(),
    }


class ImportWrites:
    """The import's reads and writes of the three tables, inside the caller's transaction
    (one transaction holds the whole import, dismissals included: all or nothing)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def has_history(self, content_id: str, score: float | None, source: str, at: float) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM rating_history WHERE content_id = ? AND at = ? AND source = ? "
                "AND rating IS ?",
                (content_id, at, source, score),
            ).fetchone()
            is not None
        )

    def add_history(self, content_id: str, score: float | None, source: str, at: float) -> None:
        self.conn.execute(
            "INSERT INTO rating_history(content_id, rating, source, at) VALUES (?, ?, ?, ?)",
            (content_id, score, source, at),
        )

    def rating_and_time(self, content_id: str) -> tuple[float, float] | None:
        return self.conn.execute(
            "SELECT rating, rated_at FROM ratings WHERE content_id = ?", (content_id,)
        ).fetchone()

    def put_rating(self, content_id: str, score: float, at: float, source: str) -> None:
        self.conn.execute(
            "INSERT INTO ratings(content_id, rating, rated_at, source) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(content_id) DO UPDATE SET rating = excluded.rating, "
            "rated_at = excluded.rated_at, source = excluded.source",
            (content_id, score, at, source),
        )

    def current(self, content_id: str) -> float | None:
        row = self.conn.execute(
            "SELECT rating FROM ratings WHERE content_id = ?", (content_id,)
        ).fetchone()
        return row[0] if row else None

    def latest_change(self, content_id: str) -> float | None:
        """The rating the latest history row records (None: cleared, or no history)."""
        row = self.conn.execute(
            "SELECT rating FROM rating_history WHERE content_id = ? ORDER BY id DESC LIMIT 1",
            (content_id,),
        ).fetchone()
        return row[0] if row else None

    def add_preference(
        self, choice_id: str, winner: str, loser: str, at: float, outcome: str, source: str
    ) -> int:
        """1 if the pair is new, 0 if that choice already holds it."""
        return self.conn.execute(
            "INSERT OR IGNORE INTO preferences(choice_id, winner, loser, created_at, "
            "outcome, source) VALUES (?, ?, ?, ?, ?, ?)",
            (choice_id, winner, loser, at, outcome, source),
        ).rowcount
