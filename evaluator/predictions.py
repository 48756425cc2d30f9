"""Predicted ratings for every embedded image, in batches, into the catalog.

Vectors stream from the vector mirror (a memory map) a batch at a time, so a million images
never sit in memory at once. A prediction records the evaluator's id and an uncertainty
(rating points). After a full run, predictions of other evaluators are removed, so sorting
and filtering use one evaluator's view.

The predictions are staged batch by batch in a temporary table of this connection (no
lock on the catalog meanwhile), then applied in one transaction, set-based: the
predictions table in one statement, then images.rating_key (what the rating sort and
filter read) in one more, with the row-by-row triggers of migration 3 standing aside
(migration 16). When the run covers a large share of the library, the two indexes that
hold rating_key are dropped and built again in that transaction, which is several times
faster than moving a million entries in place (bench/evaluator_bench.py). The row-by-row
path is kept as the reference the tests and the benchmark compare with.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import numpy as np

from evaluator.model import FittedModel
from indexing.progress import ProgressCallback, StageMeter, no_progress
from indexing.store.catalog import Catalog
from indexing.store.vector_mirror import VectorMirror

BATCH = 20_000
REBUILD_SHARE = 0.25  # from this share of the library on, rebuild the rating indexes
RATING_INDEXES = ("images_rating_key_id", "images_filter_cover")  # those holding rating_key
STAGED = "temp.staged_predictions"
UPSERT = (
    "INSERT INTO predictions(content_id, rating, model_id, at, uncertainty) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(content_id) DO UPDATE SET "
    "rating = excluded.rating, model_id = excluded.model_id, at = excluded.at, "
    "uncertainty = excluded.uncertainty"
)


def predict_all(
    catalog: Catalog,
    mirror: VectorMirror,
    model: FittedModel,
    evaluator_id: str,
    *,
    only_missing: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] = lambda: False,
    row_by_row: bool = False,
) -> int:
    """Predict (all, or those without a prediction by this evaluator); return how many.

    Cancelled, it writes nothing (row_by_row: the batches done so far). row_by_row writes
    each batch in its own transaction through the per-row triggers, as Pictor did before
    the bulk path: the reference for tests and bench/evaluator_bench.py."""
    if row_by_row:
        return _predict_row_by_row(
            catalog, mirror, model, evaluator_id, only_missing, progress, cancel
        )
    ids, matrix = mirror.everything()
    rows = _rows_to_predict(catalog, ids, evaluator_id, only_missing)
    meter = StageMeter("predict", len(rows), progress)
    conn = catalog.conn
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {STAGED} (content_id TEXT PRIMARY KEY, "
        "rating REAL NOT NULL, uncertainty REAL NOT NULL) WITHOUT ROWID"
    )
    try:
        conn.execute(f"DELETE FROM {STAGED}")
        for start in range(0, len(rows), BATCH):
            if cancel():
                return 0
            chunk = rows[start : start + BATCH]
            scores, spread = model.predict(np.asarray(matrix[chunk], dtype=np.float32))
            conn.execute("BEGIN")  # the temporary table only: no lock on the catalog
            conn.executemany(
                f"INSERT INTO {STAGED}(content_id, rating, uncertainty) VALUES (?, ?, ?)",
                (
                    (ids[n], round(float(s), 3), round(float(u), 3))
                    for n, s, u in zip(chunk, scores, spread, strict=True)
                ),
            )
            conn.execute("COMMIT")
            meter.advance(len(chunk))
        if len(rows) or not only_missing:  # nothing new: no write, no lock
            _apply_staged(catalog, evaluator_id, len(rows), replace_all=not only_missing)
    finally:
        if conn.in_transaction:  # a staging batch that failed half way (or was interrupted)
            conn.execute("ROLLBACK")
        conn.execute(f"DROP TABLE IF EXISTS {STAGED}")
    meter.finish()
    return len(rows)


def _rows_to_predict(
    catalog: Catalog, ids: list[str], evaluator_id: str, only_missing: bool
) -> np.ndarray:
    if not only_missing:
        return np.arange(len(ids))
    have = {
        r[0]
        for r in catalog.conn.execute(
            "SELECT content_id FROM predictions WHERE model_id = ?", (evaluator_id,)
        )
    }
    return np.array([n for n, cid in enumerate(ids) if cid not in have], dtype=np.int64)


def _apply_staged(catalog: Catalog, evaluator_id: str, count: int, replace_all: bool) -> None:
    """The staged predictions into the catalog, and rating_key, in one transaction."""
    now = time.time()
    with catalog.transaction() as conn:
        rebuild = count >= REBUILD_SHARE * max(1, catalog.approximate_images())
        indexes = _drop_rating_indexes(conn) if rebuild else []
        conn.execute("INSERT INTO bulk_writes(what) VALUES ('predictions')")
        conn.execute(
            "INSERT INTO predictions(content_id, rating, model_id, at, uncertainty) "
            f"SELECT content_id, rating, ?, ?, uncertainty FROM {STAGED} WHERE true "
            "ON CONFLICT(content_id) DO UPDATE SET rating = excluded.rating, "
            "model_id = excluded.model_id, at = excluded.at, uncertainty = excluded.uncertainty",
            (evaluator_id, now),
        )
        # What the paused triggers would have done, for every staged row at once: a
        # prediction is the sort key unless the user rated the image.
        conn.execute(
            "UPDATE images SET rating_key = s.rating, rating_source = 'predicted' "
            f"FROM {STAGED} s WHERE images.content_id = s.content_id "
            "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = s.content_id) "
            "AND (images.rating_key IS NOT s.rating OR images.rating_source IS NOT 'predicted')"
        )
        conn.execute("DELETE FROM bulk_writes WHERE what = 'predictions'")
        if replace_all:  # few rows, through the triggers (they clear those images' keys)
            conn.execute("DELETE FROM predictions WHERE model_id != ?", (evaluator_id,))
        _restore_indexes(conn, indexes)


def _drop_rating_indexes(conn: sqlite3.Connection) -> list[tuple[str, str, list[tuple]]]:
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


def _restore_indexes(conn: sqlite3.Connection, indexes: list[tuple[str, str, list[tuple]]]) -> None:
    for _, sql, stats in indexes:
        conn.execute(sql)
        if stats:
            conn.executemany("INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, ?, ?)", stats)


def _predict_row_by_row(
    catalog: Catalog,
    mirror: VectorMirror,
    model: FittedModel,
    evaluator_id: str,
    only_missing: bool,
    progress: ProgressCallback,
    cancel: Callable[[], bool],
) -> int:
    ids, matrix = mirror.everything()
    rows = _rows_to_predict(catalog, ids, evaluator_id, only_missing)
    meter = StageMeter("predict", len(rows), progress)
    done = 0
    for start in range(0, len(rows), BATCH):
        if cancel():
            break
        chunk = rows[start : start + BATCH]
        scores, spread = model.predict(np.asarray(matrix[chunk], dtype=np.float32))
        now = time.time()
        with catalog.transaction() as conn:
            conn.executemany(
                UPSERT,
                (
                    (ids[n], round(float(s), 3), evaluator_id, now, round(float(u), 3))
                    for n, s, u in zip(chunk, scores, spread, strict=True)
                ),
            )
        done += len(chunk)
        meter.advance(len(chunk))
    meter.finish()
    if not only_missing and done == len(rows):
        with catalog.transaction() as conn:
            conn.execute("DELETE FROM predictions WHERE model_id != ?", (evaluator_id,))
    return done


def clear_predictions(catalog: Catalog) -> None:
    """No evaluator applies (a model switch, a broken model file): no predictions shown."""
    with catalog.transaction() as conn:
        conn.execute("DELETE FROM predictions")
