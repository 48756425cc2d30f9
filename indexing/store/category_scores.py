"""The category_scores and category_rules tables: P(category) per image and model, cached,
and the rule and embedding stamp each cached category was computed under.

Besides the reads and writes, the SQL conditions the listing composes (hide or keep images
by category) are here, beside the table they read. The scores themselves are computed in
indexing/query/categories.py. A write is its own short transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from indexing.store.catalog import Catalog


class CategoryScoreRows:
    def __init__(self, catalog: Catalog, model_id: str):
        self.conn = catalog.conn
        self.model_id = model_id

    def rule_of(self, category: str) -> tuple[str, int] | None:
        """(rule fingerprint, embedding stamp) the category was last completed under."""
        row = self.conn.execute(
            "SELECT rule, stamp FROM category_rules WHERE model_id = ? AND category = ?",
            (self.model_id, category),
        ).fetchone()
        return (row[0], row[1]) if row is not None else None

    def forget(self, category: str) -> None:
        """Drop the category's cached scores (computed under another rule)."""
        with _transaction(self.conn):
            self.conn.execute(
                "DELETE FROM category_scores WHERE model_id = ? AND category = ?",
                (self.model_id, category),
            )

    def completed(self, category: str, rule: str, stamp: int) -> None:
        with _transaction(self.conn):
            self.conn.execute(
                "INSERT OR REPLACE INTO category_rules(model_id, category, rule, stamp) "
                "VALUES (?, ?, ?, ?)",
                (self.model_id, category, rule, stamp),
            )

    def missing(self, category: str) -> set[str]:
        """The embedded images with no score for the category yet."""
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT e.content_id FROM embeddings e WHERE e.model_id = ? AND e.status = 'done' "
                "AND NOT EXISTS (SELECT 1 FROM category_scores s WHERE s.model_id = e.model_id "
                "AND s.category = ? AND s.content_id = e.content_id)",
                (self.model_id, category),
            )
        }

    def put(self, category: str, scores: Iterable[tuple[str, float]]) -> None:
        """(content id, probability) pairs, in one transaction."""
        with _transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO category_scores(model_id, category, content_id, "
                "probability) VALUES (?, ?, ?, ?)",
                ((self.model_id, category, cid, p) for cid, p in scores),
            )


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def text_clauses(
    model_id: str, exclude_keys: Sequence[str], only_keys: Sequence[str], limit: float
) -> tuple[list[str], list[Any]]:
    """SQL over images `i` and the cached scores: hide images scoring at least limit in any
    excluded category; keep only images scoring at least limit in every `only` one.

    An image with no score (no vector yet) counts as matching nothing.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if exclude_keys:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM category_scores s WHERE s.model_id = ? "
            f"AND s.category IN ({','.join('?' * len(exclude_keys))}) "
            "AND s.content_id = i.content_id AND s.probability >= ?)"
        )
        params += [model_id, *exclude_keys, limit]
    for key in only_keys:
        clauses.append(
            "EXISTS (SELECT 1 FROM category_scores s WHERE s.model_id = ? AND s.category = ? "
            "AND s.content_id = i.content_id AND s.probability >= ?)"
        )
        params += [model_id, key, limit]
    return clauses, params


def matched_ids_sql(model_id: str, keys: Sequence[str], limit: float) -> tuple[str, list[Any]]:
    """A subquery of the content ids scoring at least limit in any of the categories
    (served by an index)."""
    marks = ",".join("?" * len(keys))
    sql = (
        "SELECT s.content_id FROM category_scores s WHERE s.model_id = ? "
        f"AND s.category IN ({marks}) AND s.probability >= ?"
    )
    return sql, [model_id, *keys, limit]
