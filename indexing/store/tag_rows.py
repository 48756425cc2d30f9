"""The tag and caption writes that need only a connection: shared by indexing.store.tags and
the indexer's queued writes (indexing.store.index_rows), which sit below the Catalog."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexing.names.tag_paths import ancestors


def ensure_tag(conn: sqlite3.Connection, path: str, now: float) -> int:
    """The id of the tag at this (normalised) path, created with its ancestors if new."""
    parent: int | None = None
    stored = ""  # the parent's path as stored: a child's path starts with it exactly
    for step in ancestors(path):
        row = conn.execute(
            "SELECT id, path FROM tags WHERE path = ? COLLATE NOCASE", (step,)
        ).fetchone()
        if row is None:
            here = f"{stored}/{step.rsplit('/', 1)[-1]}" if stored else step
            new = conn.execute(
                "INSERT INTO tags(path, parent, created) VALUES (?, ?, ?)", (here, parent, now)
            ).lastrowid
            row = (new, here)
        parent, stored = int(row[0]), row[1]
    return int(parent or 0)


def put_caption(
    conn: sqlite3.Connection, content_id: str, text: str | None, source: str, now: float
) -> None:
    """Set (or, with None or '', clear) the content's caption."""
    if not text:
        conn.execute("DELETE FROM captions WHERE content_id = ?", (content_id,))
        return
    conn.execute(
        "INSERT INTO captions(content_id, text, source, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(content_id) DO UPDATE SET text = excluded.text, source = excluded.source, "
        "at = excluded.at "
        "WHERE captions.text != excluded.text OR captions.source != excluded.source",
        (content_id, text, source, now),
    )


def replace_xmp_keywords(
    conn: sqlite3.Connection,
    content_id: str,
    tags: Sequence[str],
    caption: str | None,
    now: float,
) -> None:
    """What XMP says now replaces what XMP said before: the content's 'xmp' tags become these
    (the user's own tags stay), and the caption is set unless the user wrote one."""
    conn.execute("DELETE FROM image_tags WHERE content_id = ? AND source = 'xmp'", (content_id,))
    for path in tags:
        conn.execute(
            "INSERT OR IGNORE INTO image_tags(tag, content_id, source, added) VALUES (?, ?, ?, ?)",
            (ensure_tag(conn, path, now), content_id, "xmp", now),
        )
    mine = conn.execute(
        "SELECT source FROM captions WHERE content_id = ?", (content_id,)
    ).fetchone()
    if mine is None or mine[0] == "xmp":
        put_caption(conn, content_id, caption, "xmp", now)
