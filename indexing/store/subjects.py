"""The subject tags' tables: subjects (content_id, tag, score), subject_tagged (the images
tagged so far) and subject_state (the CLIP model and vocabulary the tags were made with).

What the tags are and how they are computed is indexing.models.subjects; the statements
and their transactions are here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from indexing.store.catalog import Catalog


def reset_if_changed(catalog: Catalog, model_id: str, vocab: str) -> bool:
    """Forget every tag when the model or the vocabulary changed; True when it did."""
    conn = catalog.conn
    row = conn.execute("SELECT model_id, vocabulary FROM subject_state WHERE id = 1").fetchone()
    if row is not None and tuple(row) == (model_id, vocab):
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM subjects")
        conn.execute("DELETE FROM subject_tagged")
        conn.execute(
            "INSERT INTO subject_state(id, model_id, vocabulary, at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET model_id = excluded.model_id, "
            "vocabulary = excluded.vocabulary, at = excluded.at",
            (model_id, vocab, time.time()),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def untagged(catalog: Catalog, model_id: str) -> list[str]:
    """Shown images with a vector under model_id and no tagging yet."""
    return [
        row[0]
        for row in catalog.conn.execute(
            "SELECT e.content_id FROM embeddings e JOIN images i ON i.content_id = e.content_id "
            "WHERE e.model_id = ? AND e.status = 'done' AND i.present_files > 0 "
            "AND NOT EXISTS (SELECT 1 FROM subject_tagged t WHERE t.content_id = e.content_id)",
            (model_id,),
        )
    ]


def write_tags(
    catalog: Catalog, tags: Iterable[tuple[str, str, float]], tagged: Iterable[str]
) -> None:
    """In one short transaction: these (content_id, tag, score) rows, and these images
    marked tagged (with or without a tag)."""
    conn = catalog.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "INSERT OR REPLACE INTO subjects(content_id, tag, score) VALUES (?, ?, ?)", tags
        )
        conn.executemany(
            "INSERT OR IGNORE INTO subject_tagged(content_id) VALUES (?)",
            ((cid,) for cid in tagged),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
