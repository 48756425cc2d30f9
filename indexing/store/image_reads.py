"""Reads of the images table by its rating key, for the Rate and Compare sessions: whether
an image still waits for the user's rating, and the images rated nearest to one.

PRESENT and UNRATED are the conditions (on the images table as `i`) that the sessions and
the rating queue share.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from indexing.store.catalog import Catalog

PRESENT = "i.present_files > 0"
UNRATED = "(i.rating_source IS NULL OR i.rating_source != 'user')"


class ThreadReads:
    """Whether the catalog has an image, asked from many worker threads at once: each
    thread reads through its own read-only connection, opened on its first question."""

    def __init__(self, catalog_path: Path):
        self._uri = f"{Path(catalog_path).absolute().as_uri()}?mode=ro"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def has_image(self, content_id: str) -> bool:
        row = (
            self._conn()
            .execute("SELECT 1 FROM images WHERE content_id = ?", (content_id,))
            .fetchone()
        )
        return row is not None

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


def awaits_rating(catalog: Catalog, content_id: str) -> bool:
    """Whether the image is shown (a file present) and the user has not rated it."""
    row = catalog.conn.execute(
        "SELECT 1 FROM images WHERE content_id = ? AND present_files > 0 "
        "AND (rating_source IS NULL OR rating_source != 'user')",
        (content_id,),
    ).fetchone()
    return row is not None


def rating_key_of(catalog: Catalog, content_id: str) -> float | None:
    """The image's rating key (the user's rating, else the prediction), if any."""
    row = catalog.conn.execute(
        "SELECT rating_key FROM images WHERE content_id = ?", (content_id,)
    ).fetchone()
    return row[0] if row else None


def nearest_rating_keys(catalog: Catalog, key: float, anchor: str, count: int) -> list[str]:
    """The count shown images whose rating key is nearest to key (anchor left out)."""
    above = catalog.conn.execute(
        f"SELECT i.content_id, i.rating_key FROM images i WHERE {PRESENT} AND i.rating_key >= ? "
        "AND i.content_id != ? ORDER BY i.rating_key, i.content_id LIMIT ?",
        (key, anchor, count),
    ).fetchall()
    below = catalog.conn.execute(
        f"SELECT i.content_id, i.rating_key FROM images i WHERE {PRESENT} AND i.rating_key < ? "
        "ORDER BY i.rating_key DESC, i.content_id LIMIT ?",
        (key, count),
    ).fetchall()
    nearest = sorted(above + below, key=lambda r: (abs(r[1] - key), r[0]))
    return [r[0] for r in nearest[:count]]


def mid_scale_rated(catalog: Catalog, excluded: list[str], count: int) -> list[str]:
    """Up to count shown images with a rating key, nearest the middle of the scale first."""
    rows = catalog.conn.execute(
        f"SELECT i.content_id FROM images i WHERE {PRESENT} AND i.rating_key IS NOT NULL "
        f"AND i.content_id NOT IN ({','.join('?' * len(excluded))}) "
        "ORDER BY ABS(i.rating_key - 5), i.content_id LIMIT ?",
        (*excluded, count),
    )
    return [row[0] for row in rows]


def image_row(catalog: Catalog, content_id: str) -> dict[str, Any] | None:
    """Every column of the image's row, by name; None if the catalog has no such image."""
    row = catalog.conn.execute("SELECT * FROM images WHERE content_id = ?", (content_id,))
    image = row.fetchone()
    return dict(image) if image is not None else None


def subjects_of(catalog: Catalog, content_id: str) -> list[str]:
    """The image's subject tags under the current CLIP model, the most confident first."""
    rows = catalog.conn.execute(
        "SELECT tag FROM subjects WHERE content_id = ? ORDER BY score DESC, tag", (content_id,)
    )
    return [row[0] for row in rows]


def dates_of(catalog: Catalog, ids: list[str]) -> dict[str, tuple[float, str]]:
    """(sortable epoch, 'YYYY-MM-DD') of each content that has a date."""
    out: dict[str, tuple[float, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = catalog.conn.execute(
            f"SELECT content_id, date_key, day FROM images WHERE content_id IN "
            f"({','.join('?' * len(chunk))}) AND date_key > 0",
            chunk,
        )
        out.update({cid: (key, day) for cid, key, day in rows})
    return out


# Conditions: SQL over the images table as `i` with its parameters, as the query layer's
# Filter composes them (indexing/query/filters.py); the statements that run them are here.
Condition = tuple[str, list[Any]]


def ids_where(catalog: Catalog, condition: Condition, limit: int) -> list[str]:
    """Up to limit (-1: all) content ids of the images that meet the condition."""
    clause, params = condition
    cursor = catalog.conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        f"SELECT i.content_id FROM images i WHERE {clause} LIMIT ?", [*params, limit]
    )
    return [row[0] for row in rows]


def ids_meeting(catalog: Catalog, condition: Condition, ids: list[str]) -> set[str]:
    """Which of ids meet the condition."""
    clause, params = condition
    cursor = catalog.conn.cursor()
    cursor.row_factory = None
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = cursor.execute(
            f"SELECT i.content_id FROM images i WHERE {clause} "
            f"AND i.content_id IN ({','.join('?' * len(chunk))})",
            [*params, *chunk],
        )
        found.update(row[0] for row in rows)
    return found


def tagged(tag: str) -> Condition:
    """A condition over images `i`: the image has the subject tag."""
    return "i.content_id IN (SELECT s.content_id FROM subjects s WHERE s.tag = ?)", [tag]


def count_where(catalog: Catalog, condition: Condition) -> int:
    clause, params = condition
    return catalog.conn.execute(f"SELECT COUNT(*) FROM images i WHERE {clause}", params).fetchone()[
        0
    ]


def first_id_where(catalog: Catalog, condition: Condition) -> str | None:
    """The lowest content id among the images that meet the condition."""
    clause, params = condition
    row = catalog.conn.execute(
        f"SELECT i.content_id FROM images i WHERE {clause} ORDER BY i.content_id LIMIT 1",
        params,
    ).fetchone()
    return row[0] if row else None


def least_certain(
    catalog: Catalog, condition: Condition, after: tuple[float, str] | None
) -> tuple[str, float] | None:
    """(content id, uncertainty) of the unrated image meeting the condition whose prediction
    is least certain, after (uncertainty, content id) in that order when given."""
    where, params = condition
    more: list[Any] = []
    bound = ""
    if after is not None:
        bound = "AND (p.uncertainty < ? OR (p.uncertainty = ? AND p.content_id > ?))"
        more = [after[0], after[0], after[1]]
    return catalog.conn.execute(
        f"SELECT p.content_id, p.uncertainty FROM predictions p JOIN images i USING (content_id) "
        f"WHERE p.uncertainty IS NOT NULL AND {where} AND {UNRATED} {bound} "
        "ORDER BY p.uncertainty DESC, p.content_id LIMIT 1",
        [*params, *more],
    ).fetchone()


def unrated_by_cluster_turn(catalog: Catalog, limit: int) -> list[str]:
    """Unrated shown images, one from each visual cluster of the latest clustering in turn
    (nearest its centre first)."""
    rows = catalog.conn.execute(
        "SELECT content_id FROM (SELECT m.content_id, m.cluster, ROW_NUMBER() OVER "
        "(PARTITION BY m.cluster ORDER BY m.similarity DESC) AS turn FROM cluster_members m "
        f"JOIN images i USING (content_id) WHERE i.present_files > 0 AND {UNRATED} AND "
        "m.model_id = (SELECT model_id FROM clusterings ORDER BY at DESC LIMIT 1)) "
        "ORDER BY turn, cluster LIMIT ?",
        (limit,),
    ).fetchall()
    return [r[0] for r in rows]


def has_videos(catalog: Catalog) -> bool:
    """Any present video (a partial index: free for a library of photos)."""
    row = catalog.conn.execute(
        "SELECT 1 FROM images WHERE kind = 'video' AND present_files > 0 LIMIT 1"
    ).fetchone()
    return row is not None


def frame_ms(catalog: Catalog, video: str) -> list[int]:
    """The milliseconds of a video's sampled moments, in order (video_frames)."""
    rows = catalog.conn.execute(
        "SELECT ms FROM video_frames WHERE content_id = ? ORDER BY ms", (video,)
    )
    return [row[0] for row in rows]


def duration_of(catalog: Catalog, video: str) -> float | None:
    """The video's length in seconds, as the catalog has it (None when unknown)."""
    row = catalog.conn.execute(
        "SELECT duration FROM images WHERE content_id = ?", (video,)
    ).fetchone()
    return float(row[0]) if row and row[0] else None


def rating_keys_of(catalog: Catalog, ids: list[str]) -> dict[str, float]:
    """content id -> rating key (the user's rating, else the prediction), where it has one."""
    ratings: dict[str, float] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = catalog.conn.execute(
            f"SELECT content_id, rating_key FROM images WHERE content_id IN "
            f"({','.join('?' * len(chunk))}) AND rating_key IS NOT NULL",
            chunk,
        )
        ratings.update(dict(rows.fetchall()))
    return ratings
