"""Predicted ratings for every embedded image, in batches, into the catalog.

Vectors stream from the vector mirror (a memory map) a batch at a time, so a million images
never sit in memory at once. A prediction records the evaluator's id and an uncertainty
(rating points). After a full run, predictions of other evaluators are removed, so sorting
and filtering use one evaluator's view.

How the predictions are written is the store's (indexing/store/predictions.py): staged
batch by batch without a lock, then applied in one set-based transaction. The row-by-row
path is kept as the reference the tests and the benchmark compare with.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from evaluator.model import FittedModel
from indexing.progress import ProgressCallback, StageMeter, no_progress
from indexing.store import predictions as stored
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
    with stored.StagedPredictions(catalog) as staged:
        for start in range(0, len(rows), BATCH):
            if cancel():
                return 0
            chunk = rows[start : start + BATCH]
            scores, spread = model.predict(np.asarray(matrix[chunk], dtype=np.float32))
            staged.add(
                (ids[n], round(float(s), 3), round(float(u), 3))
                for n, s, u in zip(chunk, scores, spread, strict=True)
            )
            meter.advance(len(chunk))
        if len(rows) or not only_missing:  # nothing new: no write, no lock
            staged.apply(evaluator_id, len(rows), replace_all=not only_missing)
    meter.finish()
    return len(rows)


def _rows_to_predict(
    catalog: Catalog, ids: list[str], evaluator_id: str, only_missing: bool
) -> np.ndarray:
    if not only_missing:
        return np.arange(len(ids))
    have = stored.predicted_by(catalog, evaluator_id)
    return np.array([n for n, cid in enumerate(ids) if cid not in have], dtype=np.int64)


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
        stored.upsert(
            catalog,
            (
                (ids[n], round(float(s), 3), evaluator_id, now, round(float(u), 3))
                for n, s, u in zip(chunk, scores, spread, strict=True)
            ),
        )
        done += len(chunk)
        meter.advance(len(chunk))
    meter.finish()
    if not only_missing and done == len(rows):
        stored.keep_only(catalog, evaluator_id)
    return done


def clear_predictions(catalog: Catalog) -> None:
    """No evaluator applies (a model switch, a broken model file): no predictions shown."""
    stored.clear(catalog)
