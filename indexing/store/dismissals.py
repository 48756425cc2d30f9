"""The "not duplicates" tables (migration 15): `dismissals` (id, size, at) and
`dismissal_members` (dismissal, content id). Reads and writes only; what a dismissal means
and the user's actions on them are in indexing.curate.dismissals.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexing.errors import PictorError
from indexing.store.catalog import Catalog

# The contents whose copies are all kept (a dismissal of one): the exact tier's filter.
COPIES_KEPT = (
    "SELECT m.content_id FROM dismissal_members m JOIN dismissals d ON d.id = m.dismissal "
    "WHERE d.size = 1"
)


class DismissalTable:
    """The catalog's dismissal rows."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    @staticmethod
    def insert(conn: sqlite3.Connection, content_ids: list[str], at: float) -> int:
        """Add one dismissal of these contents (inside the caller's transaction); its id."""
        new = conn.execute(
            "INSERT INTO dismissals(size, at) VALUES (?, ?)", (len(content_ids), at)
        ).lastrowid
        conn.executemany(
            "INSERT INTO dismissal_members(dismissal, content_id) VALUES (?, ?)",
            ((new, cid) for cid in content_ids),
        )
        return int(new or 0)

    def members(self) -> dict[int, list[str]]:
        """dismissal id -> its content ids, sorted."""
        out: dict[int, list[str]] = {}
        for dismissal, content_id in self.catalog.conn.execute(
            "SELECT dismissal, content_id FROM dismissal_members ORDER BY dismissal, content_id"
        ):
            out.setdefault(dismissal, []).append(content_id)
        return out

    def rows(self) -> list[tuple[int, float]]:
        """(id, at) of every dismissal, oldest first."""
        return self.catalog.conn.execute("SELECT id, at FROM dismissals ORDER BY id").fetchall()

    def one(self, dismissal_id: int) -> tuple[float, list[str]]:
        """(at, content ids) of one dismissal."""
        conn = self.catalog.conn
        (at,) = conn.execute("SELECT at FROM dismissals WHERE id = ?", (dismissal_id,)).fetchone()
        rows = conn.execute(
            "SELECT content_id FROM dismissal_members WHERE dismissal = ? ORDER BY content_id",
            (dismissal_id,),
        )
        return at, [row[0] for row in rows]

    def delete(self, ids: Sequence[int] | None) -> int:
        """Delete these dismissals (None: all) in one transaction; how many went. If one of
        the ids is not stored, nothing is deleted."""
        with self.catalog.transaction() as conn:
            if ids is None:
                gone = conn.execute("DELETE FROM dismissals").rowcount
                conn.execute("DELETE FROM dismissal_members")
                return gone
            missing = [
                i for i in ids
                if conn.execute("SELECT 1 FROM dismissals WHERE id = ?", (i,)).fetchone() is None
            ]  # fmt: skip
            if missing:
                raise PictorError(f"no dismissal {missing[0]} (see: duplicates --show-dismissed)")
            for dismissal_id in ids:
                conn.execute("DELETE FROM dismissal_members WHERE dismissal = ?", (dismissal_id,))
                conn.execute("DELETE FROM dismissals WHERE id = ?", (dismissal_id,))
            return len(ids)

    def state(self) -> tuple[int, int]:
        """Changes whenever a dismissal is added or reset (for cached groupings)."""
        count, last = self.catalog.conn.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM dismissals"
        ).fetchone()
        return int(count), int(last)

    def sets_of(self) -> dict[str, frozenset[int]]:
        """Each content in a dismissal of two or more: the ids of those dismissals."""
        out: dict[str, set[int]] = {}
        for dismissal, content_id in self.catalog.conn.execute(
            "SELECT m.dismissal, m.content_id FROM dismissal_members m "
            "JOIN dismissals d ON d.id = m.dismissal WHERE d.size > 1"
        ):
            out.setdefault(content_id, set()).add(dismissal)
        return {content_id: frozenset(ids) for content_id, ids in out.items()}


def apart(sets: dict[str, frozenset[int]], a: str, b: str) -> bool:
    """Whether a and b share a dismissal (so their pair is not grouped)."""
    first, second = sets.get(a), sets.get(b)
    return first is not None and second is not None and not first.isdisjoint(second)
