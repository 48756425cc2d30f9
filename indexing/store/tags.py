"""The user's tags and captions (migration 17): `tags` (one row per hierarchical path, with
its parent), `image_tags` (tag, content id, source user|xmp) and `captions` (one text per
content). Reads and writes only; paths are normalised by indexing.names.tag_paths and the
user's actions are in indexing.curate.tags. A tag matches its descendants: 'Places' finds
what is tagged 'Places/Portugal/Lisbon'.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from indexing.store.catalog import Catalog
from indexing.store.tag_rows import ensure_tag, put_caption

__all__ = ["ensure_tag", "put_caption"]

# Tags under a path (itself included); ?1 the path, ?2 the path + '/%'. LIKE ignores ASCII
# case as the unique index does; the tag table is small (thousands), so it is scanned.
_UNDER = "(t.path = ? COLLATE NOCASE OR t.path LIKE ? ESCAPE '\\')"


def _like(path: str) -> str:
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"


def tag_id(conn: sqlite3.Connection, path: str) -> int | None:
    row = conn.execute("SELECT id FROM tags WHERE path = ? COLLATE NOCASE", (path,)).fetchone()
    return None if row is None else int(row[0])


def path_of(conn: sqlite3.Connection, tag: int) -> str:
    return str(conn.execute("SELECT path FROM tags WHERE id = ?", (tag,)).fetchone()[0])


def tag_exists(catalog: Catalog, path: str) -> bool:
    return tag_id(catalog.conn, path) is not None


def put_tags(
    conn: sqlite3.Connection, tag: int, content_ids: Sequence[str], source: str, now: float
) -> int:
    """Tag these contents (in the caller's transaction, in index order); how many were new.
    A user's tag on an image that has it from XMP becomes the user's: a later sidecar
    without it no longer takes it away."""
    if source == "user":
        conn.execute(
            "UPDATE image_tags SET source = 'user' WHERE tag = ? AND source != 'user' "
            "AND content_id IN (SELECT value FROM json_each(?))",
            (tag, json.dumps(list(content_ids))),
        )
    return conn.execute(
        "INSERT OR IGNORE INTO image_tags(tag, content_id, source, added) "
        "SELECT ?, value, ?, ? FROM json_each(?) ORDER BY value",
        (tag, source, now, json.dumps(list(content_ids))),
    ).rowcount


def remove_tags(conn: sqlite3.Connection, tag: int, content_ids: Sequence[str]) -> int:
    return conn.execute(
        "DELETE FROM image_tags WHERE tag = ? AND content_id IN (SELECT value FROM json_each(?))",
        (tag, json.dumps(list(content_ids))),
    ).rowcount


def drop_unused(conn: sqlite3.Connection) -> int:
    """Delete the tags no image has and no used tag sits under; how many went."""
    gone = 0
    while True:
        count = conn.execute(
            "DELETE FROM tags WHERE id NOT IN (SELECT tag FROM image_tags) "
            "AND id NOT IN (SELECT parent FROM tags WHERE parent IS NOT NULL)"
        ).rowcount
        if not count:
            return gone
        gone += count


def tags_of(catalog: Catalog, content_id: str) -> list[tuple[str, str]]:
    """(path, source) of each tag on this content, by path."""
    rows = catalog.conn.execute(
        "SELECT t.path, it.source FROM image_tags it JOIN tags t ON t.id = it.tag "
        "WHERE it.content_id = ? ORDER BY t.path COLLATE NOCASE",
        (content_id,),
    )
    return [(row[0], row[1]) for row in rows]


def tag_pairs(
    catalog: Catalog, condition: tuple[str, list[Any]] | None = None
) -> tuple[dict[int, str], list[int], list[int]]:
    """(tag id -> path, then the tag id and the images rowid of every tag on a shown image
    that meets the condition over images `i`): what the tag facet counts."""
    paths = {int(r[0]): r[1] for r in catalog.conn.execute("SELECT id, path FROM tags")}
    cursor = catalog.conn.cursor()
    cursor.row_factory = None
    if condition is None:  # drive from the tags: SQLite would otherwise scan every image
        pairs = cursor.execute(
            "SELECT it.tag, i.rowid FROM image_tags it CROSS JOIN images i "
            "ON i.content_id = it.content_id WHERE i.present_files > 0"
        ).fetchall()
    else:
        where, params = condition
        pairs = cursor.execute(
            "SELECT it.tag, i.rowid FROM image_tags it JOIN images i "
            f"ON i.content_id = it.content_id WHERE i.present_files > 0 AND {where}",
            params,
        ).fetchall()
    return paths, [p[0] for p in pairs], [p[1] for p in pairs]


def tagged_under(path: str) -> tuple[str, list[Any]]:
    """A condition over images `i`: tagged with this tag or any tag under it."""
    return (
        "i.content_id IN (SELECT it.content_id FROM image_tags it JOIN tags t ON t.id = it.tag "
        f"WHERE {_UNDER})",
        [path, _like(path)],
    )


def tagged_under_probe(path: str) -> tuple[str, list[Any]]:
    """tagged_under as a probe of each image's own tags (image_tags_content), for walking a
    sort index."""
    return (
        "EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag "
        f"WHERE it.content_id = i.content_id AND {_UNDER})",
        [path, _like(path)],
    )


def tag_rows(catalog: Catalog) -> list[tuple[str, str, str, float]]:
    """(path, content id, source, added) of every image tag, for the backup."""
    return catalog.conn.execute(
        "SELECT t.path, it.content_id, it.source, it.added FROM image_tags it "
        "JOIN tags t ON t.id = it.tag ORDER BY t.path, it.content_id"
    ).fetchall()


# Captions


def caption_of(catalog: Catalog, content_id: str) -> tuple[str, str, float] | None:
    """(text, source, at) of the content's caption."""
    row = catalog.conn.execute(
        "SELECT text, source, at FROM captions WHERE content_id = ?", (content_id,)
    ).fetchone()
    return None if row is None else (row[0], row[1], float(row[2]))


def caption_in(conn: sqlite3.Connection, content_id: str) -> tuple[str, float] | None:
    """(text, at) of the content's caption, inside the caller's transaction."""
    row = conn.execute(
        "SELECT text, at FROM captions WHERE content_id = ?", (content_id,)
    ).fetchone()
    return None if row is None else (row[0], float(row[1]))


def captions_for(conn: sqlite3.Connection, content_ids: Sequence[str]) -> dict[str, str]:
    """The caption of each of these contents that has one (the full-text index's rows)."""
    marks = ",".join("?" * len(content_ids))
    rows = conn.execute(
        f"SELECT content_id, text FROM captions WHERE content_id IN ({marks})", list(content_ids)
    )
    return {row[0]: row[1] for row in rows}


def caption_rows(catalog: Catalog) -> list[tuple[str, str, str, float]]:
    """(content id, text, source, at) of every caption, for the backup."""
    return catalog.conn.execute(
        "SELECT content_id, text, source, at FROM captions ORDER BY content_id"
    ).fetchall()


def has_user_tags(conn: sqlite3.Connection, content_id: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM image_tags WHERE content_id = ? AND source = 'user' LIMIT 1",
            (content_id,),
        ).fetchone()
        is not None
    )
