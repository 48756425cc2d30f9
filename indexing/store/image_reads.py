"""Reads of the images table by its rating key, for the Rate and Compare sessions: whether
an image still waits for the user's rating, and the images rated nearest to one.

PRESENT and UNRATED are the conditions (on the images table as `i`) that the sessions and
the rating queue share.
"""

from __future__ import annotations

from indexing.store.catalog import Catalog

PRESENT = "i.present_files > 0"
UNRATED = "(i.rating_source IS NULL OR i.rating_source != 'user')"


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
