"""Predicted ratings for every embedded image, in batches, into the catalog.

Vectors stream from the vector mirror (a memory map) a batch at a time, so a million images
never sit in memory at once; each batch is one short transaction. A prediction records
the evaluator's id and an uncertainty (rating points). After a full run, predictions of
other evaluators are removed, so sorting and filtering use one evaluator's view.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from evaluator.model import FittedModel
from indexing.progress import ProgressCallback, StageMeter, no_progress
from indexing.store.catalog import Catalog
from indexing.store.vector_mirror import VectorMirror

BATCH = 20_000


def predict_all(
    catalog: Catalog,
    mirror: VectorMirror,
    model: FittedModel,
    evaluator_id: str,
    *,
    only_missing: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] = lambda: False,
) -> int:
    """Predict (all, or those without a prediction by this evaluator); return how many."""
    ids, matrix = mirror.everything()
    rows = np.arange(len(ids))
    if only_missing:
        have = {
            r[0]
            for r in catalog.conn.execute(
                "SELECT content_id FROM predictions WHERE model_id = ?", (evaluator_id,)
            )
        }
        rows = np.array([n for n, cid in enumerate(ids) if cid not in have], dtype=np.int64)
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
                "INSERT INTO predictions(content_id, rating, model_id, at, uncertainty) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(content_id) DO UPDATE SET "
                "rating = excluded.rating, model_id = excluded.model_id, at = excluded.at, "
                "uncertainty = excluded.uncertainty",
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
