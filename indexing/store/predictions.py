"""The predictions table: what the evaluator predicts, and images.rating_key beside it.

Two write paths. The bulk one (`StagedPredictions`) stages the predictions batch by batch
in a temporary table of this connection (no lock on the catalog meanwhile), then applies
them in one transaction, set-based: the predictions table in one statement, then
images.rating_key (what the rating sort and filter read) in one more, with the row-by-row
triggers of migration 3 standing aside (migration 16). When the run covers a large share of
the library, the two indexes that hold rating_key are dropped and built again in that
transaction, which is several times faster than moving a million entries in place
(bench/evaluator_bench.py). The row-by-row one (`upsert`) goes through the triggers, as
Pictor did before the bulk path: the reference the tests and the benchmark compare with.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

from indexing.store.catalog import Catalog

REBUILD_SHARE = 0.25  # from this share of the library on, rebuild the rating indexes
RATING_INDEXES = ("images_rating_key_id", "images_filter_cover")  # those holding rating_key
STAGED = "temp.staged_predictions"
UPSERT = (
    "INSERT INTO predictions(content_id, rating, model_id, at, uncertainty) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(content_id) DO UPDATE SET "
    "rating = excluded.rating, model_id = excluded.model_id, at = excluded.at, "
    "uncertainty = excluded.uncertainty"
)

IndexBackup = tuple[str, str, list[tuple]]  # name, sql, planner statistics


def predicted_by(catalog: Catalog, evaluator_id: str) -> set[str]:
    """The content ids that already have a prediction by this evaluator."""
    rows = catalog.conn.execute(
        "SELECT content_id FROM predictions WHERE model_id = ?", (evaluator_id,)
    )
    return {r[0] for r in rows}


def upsert(catalog: Catalog, rows: Iterable[tuple[str, float, str, float, float]]) -> None:
    """(content id, rating, evaluator id, time, uncertainty) rows in one transaction,
    through the triggers."""
    with catalog.transaction() as conn:
        conn.executemany(UPSERT, rows)


def keep_only(catalog: Catalog, evaluator_id: str) -> None:
    """Remove the predictions of every other evaluator (the triggers clear their keys)."""
    with catalog.transaction() as conn:
        conn.execute("DELETE FROM predictions WHERE model_id != ?", (evaluator_id,))


def clear(catalog: Catalog) -> None:
    """No evaluator applies: no predictions at all."""
    with catalog.transaction() as conn:
        conn.execute("DELETE FROM predictions")


class StagedPredictions:
    """The bulk path: `add` batches to a temporary table, `apply` them in one transaction.

    Used as a context manager; leaving it (applied, cancelled or failed) rolls back a batch
    left half way and drops the temporary table, so an unapplied run writes nothing."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def __enter__(self) -> StagedPredictions:
        conn = self.catalog.conn
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {STAGED} (content_id TEXT PRIMARY KEY, "
            "rating REAL NOT NULL, uncertainty REAL NOT NULL) WITHOUT ROWID"
        )
        try:
            conn.execute(f"DELETE FROM {STAGED}")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        conn = self.catalog.conn
        if conn.in_transaction:  # a staging batch that failed half way (or was interrupted)
            conn.execute("ROLLBACK")
        conn.execute(f"DROP TABLE IF EXISTS {STAGED}")

    def add(self, rows: Iterable[tuple[str, float, float]]) -> None:
        """(content id, rating, uncertainty) rows; the temporary table only, no lock."""
        conn = self.catalog.conn
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO {STAGED}(content_id, rating, uncertainty) VALUES (?, ?, ?)", rows
        )
        conn.execute("COMMIT")

    def apply(self, evaluator_id: str, count: int, replace_all: bool) -> None:
        """The staged predictions into the catalog, and rating_key, in one transaction."""
        catalog = self.catalog
        now = time.time()
        with catalog.transaction() as conn:
            rebuild = count >= REBUILD_SHARE * max(1, catalog.approximate_images())
            indexes = _drop_rating_indexes(conn) if rebuild else []
            conn.execute("INSERT INTO bulk_writes(what) VALUES ('predictions')")
            conn.execute(
                "INSERT INTO predictions(content_id, rating, model_id, at, uncertainty) "
                f"SELECT content_id, rating, ?, ?, uncertainty FROM {STAGED} WHERE true "
                "ON CONFLICT(content_id) DO UPDATE SET rating = excluded.rating, "
                "model_id = excluded.model_id, at = excluded.at, "
                "uncertainty = excluded.uncertainty",
                (evaluator_id, now),
            )
            # What the paused triggers would have done, for every staged row at once: a
            # prediction is the sort key unless the user rated the image.
            conn.execute(
                "UPDATE images SET rating_key = s.rating, rating_source = 'predicted' "
                f"FROM {STAGED} s WHERE images.content_id = s.content_id "
                "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = s.content_id) "
                "AND (images.rating_key IS NOT s.rating OR images.rating_source IS NOT "
                "'predicted')"
            )
            conn.execute("DELETE FROM bulk_writes WHERE what = 'predictions'")
            if replace_all:  # few rows, through the triggers (they clear those images' keys)
                conn.execute("DELETE FROM predictions WHERE model_id != ?", (evaluator_id,))
            _restore_indexes(conn, indexes)


def _drop_rating_indexes(conn: sqlite3.Connection) -> list[IndexBackup]:
    """Drop the indexes holding rating_key; return (name, sql, planner statistics) of each."""
    dropped = []
    for name in RATING_INDEXES:
        found = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()
        if found is None:
            continue
        stats = _planner_stats(conn, name)
        conn.execute(f"DROP INDEX {name}")
        dropped.append((name, found[0], stats))
    return dropped


def _planner_stats(conn: sqlite3.Connection, index: str) -> list[tuple]:
    """The index's ANALYZE rows, which DROP INDEX deletes (the planner needs them back)."""
    try:
        return conn.execute(
            "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx = ?", (index,)
        ).fetchall()
    except sqlite3.OperationalError:  # never analysed: no sqlite_stat1 table
        return []


def _restore_indexes(conn: sqlite3.Connection, indexes: list[IndexBackup]) -> None:
    for _, sql, stats in indexes:
        conn.execute(sql)
        if stats:
            conn.executemany("INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, ?, ?)", stats)


def prediction_of(catalog: Catalog, content_id: str) -> tuple[float, float | None] | None:
    """The predicted rating of an image and its uncertainty, if it has one."""
    row = catalog.conn.execute(
        "SELECT rating, uncertainty FROM predictions WHERE content_id = ?", (content_id,)
    ).fetchone()
    return (row[0], row[1]) if row else None
