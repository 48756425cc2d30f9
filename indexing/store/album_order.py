"""An album's manual order: the `position` of its album_items rows (migration 17). Reads and
writes only; what a move means (first, last, before, after, to N) is indexing.curate.
album_order.

Moving k images costs two statements whatever the album's size: the images after the place
they go to shift by k in one UPDATE (none when they go first or last), then the k moved
take the k free positions in one UPDATE joined to a JSON array (10,000 moved in a
100,000 album: about 0.2 s). Positions need not be
consecutive (a removed image leaves a hole, a move to the start goes below the smallest).
They may even tie (a merge of duplicates or a backup import can give two images one
position): the order is `ORDER BY position, content_id` everywhere, neighbours compare the
pair, and a move first renumbers a tied album densely in that order (one statement), so a
step earlier or later moves exactly one place. Nothing is renumbered image by image.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

_SHOWN = "EXISTS (SELECT 1 FROM images i WHERE i.content_id = t.content_id AND i.present_files > 0)"
_NOT_MOVED = "t.content_id NOT IN (SELECT value FROM json_each(?))"


def position_of(conn: sqlite3.Connection, album: int, content_id: str) -> int | None:
    row = conn.execute(
        "SELECT position FROM album_items WHERE album = ? AND content_id = ?", (album, content_id)
    ).fetchone()
    return None if row is None else int(row[0])


def not_in_album(conn: sqlite3.Connection, album: int, content_ids: Sequence[str]) -> list[str]:
    """Which of these contents the album does not hold, in the order given."""
    rows = conn.execute(
        "SELECT j.value FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM album_items t "
        "WHERE t.album = ? AND t.content_id = j.value)",
        (json.dumps(list(content_ids)), album),
    ).fetchall()
    missing = {row[0] for row in rows}
    return [cid for cid in content_ids if cid in missing]


def shown_position(
    conn: sqlite3.Connection, album: int, moved: Sequence[str], index: int
) -> int | None:
    """The position of the index-th (0-based) shown image that is not moved, in the manual
    order; None past the last."""
    row = conn.execute(
        f"SELECT t.position FROM album_items t WHERE t.album = ? AND {_NOT_MOVED} AND {_SHOWN} "
        "ORDER BY t.position, t.content_id LIMIT 1 OFFSET ?",
        (album, json.dumps(list(moved)), index),
    ).fetchone()
    return None if row is None else int(row[0])


def shown_after(
    conn: sqlite3.Connection, album: int, moved: Sequence[str], position: int
) -> int | None:
    """The position of the first shown, not moved image after this position; None: none."""
    row = conn.execute(
        f"SELECT t.position FROM album_items t WHERE t.album = ? AND {_NOT_MOVED} AND {_SHOWN} "
        "AND t.position > ? ORDER BY t.position LIMIT 1",
        (album, json.dumps(list(moved)), position),
    ).fetchone()
    return None if row is None else int(row[0])


def shown_place(conn: sqlite3.Connection, album: int, content_id: str) -> int:
    """Its 1-based place among the album's shown images in the manual order (0: not in it)."""
    here = position_of(conn, album, content_id)
    if here is None:
        return 0
    (before,) = conn.execute(
        "SELECT COUNT(*) FROM album_items t WHERE t.album = ? "
        f"AND (t.position, t.content_id) < (?, ?) AND {_SHOWN}",
        (album, here, content_id),
    ).fetchone()
    return int(before) + 1


def neighbour(conn: sqlite3.Connection, album: int, content_id: str, later: bool) -> str | None:
    """The shown image just before (or after) this one in the manual order."""
    here = position_of(conn, album, content_id)
    if here is None:
        return None
    sign, direction = (">", "ASC") if later else ("<", "DESC")
    row = conn.execute(
        "SELECT t.content_id FROM album_items t WHERE t.album = ? "
        f"AND (t.position, t.content_id) {sign} (?, ?) AND {_SHOWN} "
        f"ORDER BY t.position {direction}, t.content_id {direction} LIMIT 1",
        (album, here, content_id),
    ).fetchone()
    return None if row is None else str(row[0])


def place(conn: sqlite3.Connection, album: int, moved: Sequence[str], before: int | None) -> None:
    """Put the moved contents (all in the album), in the order given, just before the item
    at position `before` (None: after the last), inside the caller's transaction."""
    ids = json.dumps(list(moved))
    k = len(moved)
    low, high = conn.execute(
        f"SELECT MIN(t.position), MAX(t.position) FROM album_items t WHERE t.album = ? "
        f"AND {_NOT_MOVED}",
        (album, ids),
    ).fetchone()
    if before is None:
        start = (high if high is not None else -1) + 1
    elif low is not None and before <= low:
        start = before - k  # to the start: below the smallest, nothing shifts
    else:
        conn.execute(
            f"UPDATE album_items AS t SET position = position + ? WHERE t.album = ? "
            f"AND t.position >= ? AND {_NOT_MOVED}",
            (k, album, before, ids),
        )
        start = before
    # MATERIALIZED: the moved ids drive the join (a primary key lookup each); joined to
    # json_each directly, SQLite scans the JSON once per row of the album (10 s at 20,000).
    conn.execute(
        "WITH j(k, v) AS MATERIALIZED (SELECT key, value FROM json_each(?2)) "
        "UPDATE album_items SET position = ?1 + j.k FROM j "
        "WHERE album_items.album = ?3 AND album_items.content_id = j.v",
        (start, ids, album),
    )


def renumber_by_date(conn: sqlite3.Connection, album: int) -> None:
    """Make the manual order the date order the album shows (date taken, then position),
    in one statement: what a switch from "by date" to "manual" starts from."""
    conn.execute(
        "UPDATE album_items SET position = r.rank FROM (SELECT t.content_id, "
        "ROW_NUMBER() OVER (ORDER BY i.date_key, t.position, t.content_id) - 1 AS rank "
        "FROM album_items t "
        "LEFT JOIN images i ON i.content_id = t.content_id WHERE t.album = ?) r "
        "WHERE album_items.album = ? AND album_items.content_id = r.content_id",
        (album, album),
    )


def renumber_if_tied(conn: sqlite3.Connection, album: int) -> bool:
    """When two of the album's images share a position, number them all 0, 1, 2, ... in
    the order shown (position, then content id), in one statement; whether it did."""
    tied = conn.execute(
        "SELECT 1 FROM album_items WHERE album = ? GROUP BY position HAVING COUNT(*) > 1 LIMIT 1",
        (album,),
    ).fetchone()
    if tied is None:
        return False
    conn.execute(
        "UPDATE album_items SET position = r.rank FROM (SELECT content_id, "
        "ROW_NUMBER() OVER (ORDER BY position, content_id) - 1 AS rank FROM album_items "
        "WHERE album = ?) r WHERE album_items.album = ? AND album_items.content_id = r.content_id",
        (album, album),
    )
    return True
