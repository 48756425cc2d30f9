"""Which content has a vector under which model: the embeddings table, its change stamp,
and the counts the status shows.

A mixin of Catalog (which owns the connection): the vectors themselves live in Chroma
(vectors.py); these rows say which are done, failed or pending, so a re-index embeds only
what is missing and a cache of something derived from the vectors knows when to rebuild.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable


def embedding_stamp(conn: sqlite3.Connection, model_id: str) -> int | None:
    """A number that changes whenever an embedding of model_id is added, redone or removed
    (None: it has none): whoever caches something derived from the vectors compares it."""
    row = conn.execute(
        "SELECT changes FROM embedding_changes WHERE model_id = ?", (model_id,)
    ).fetchone()
    return row[0] if row else None


class EmbeddingRows:
    """The catalog's reads and writes of the embeddings table."""

    conn: sqlite3.Connection

    def put_embeddings(self, content_ids: Iterable[str], model_id: str) -> None:
        now = time.time()
        self.conn.executemany(
            "INSERT INTO embeddings(model_id, content_id, status, reason, at) "
            "VALUES (?, ?, 'done', NULL, ?) ON CONFLICT(model_id, content_id) DO UPDATE SET "
            "status = 'done', reason = NULL, at = excluded.at",
            ((model_id, cid, now) for cid in content_ids),
        )

    def put_embedding_failure(self, content_id: str, model_id: str, reason: str) -> None:
        self.conn.execute(
            "INSERT INTO embeddings(model_id, content_id, status, reason, at) "
            "VALUES (?, ?, 'failed', ?, ?) ON CONFLICT(model_id, content_id) DO UPDATE SET "
            "status = 'failed', reason = excluded.reason, at = excluded.at",
            (model_id, content_id, reason, time.time()),
        )

    def pending_embeddings(self, model_id: str) -> list[tuple[str, str]]:
        """(content id, a present path) for each image with no vector under model_id."""
        rows = self.conn.execute(
            """
            SELECT i.content_id, (SELECT f.path FROM files f WHERE f.content_id = i.content_id
                                  AND f.status = 'present' ORDER BY f.path LIMIT 1) AS path
            FROM images i
            WHERE NOT EXISTS (SELECT 1 FROM embeddings e
                              WHERE e.model_id = ? AND e.content_id = i.content_id)
            """,
            (model_id,),
        )
        return [(row[0], row[1]) for row in rows if row[1] is not None]

    def embedding_stamp(self, model_id: str) -> int | None:
        return embedding_stamp(self.conn, model_id)

    def embedding_counts(self, model_id: str) -> dict[str, int]:
        """done, failed and pending counts over images that have a present file."""
        done, failed = self.conn.execute(
            """
            SELECT COALESCE(SUM(e.status = 'done'), 0), COALESCE(SUM(e.status = 'failed'), 0)
            FROM embeddings e WHERE e.model_id = ? AND EXISTS (
                SELECT 1 FROM files f WHERE f.content_id = e.content_id AND f.status = 'present')
            """,
            (model_id,),
        ).fetchone()
        return {"done": done, "failed": failed, "pending": self.count_pending_embeddings(model_id)}

    def count_pending_embeddings(self, model_id: str) -> int:
        """How many shown images have no vector (and no recorded failure) under model_id."""
        return self.conn.execute(
            """
            SELECT COUNT(*) FROM images i WHERE i.present_files > 0 AND NOT EXISTS (
                SELECT 1 FROM embeddings e WHERE e.model_id = ? AND e.content_id = i.content_id)
            """,
            (model_id,),
        ).fetchone()[0]
