"""Predicting every image writes its ratings in bulk (set-based, the rating indexes rebuilt
when most of the library changes); what the rating sort shows is exactly what the
row-by-row path, kept as the reference, gives: yours first where you rated, else the
prediction, and images with neither last."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from evaluator import predictions
from evaluator.predictions import predict_all
from indexing.query.filters import SortKey
from indexing.store import predictions as stored_predictions
from indexing.store.catalog import Catalog
from tests.unit.test_listing import everything, make_catalog

DIM = 8


class Mirror:
    """What predict_all reads from the vector mirror: ids and a matrix."""

    def __init__(self, ids: list[str], seed: int = 0):
        self.ids = ids
        self.matrix = np.random.default_rng(seed).normal(size=(len(ids), DIM)).astype(np.float32)

    def everything(self) -> tuple[list[str], np.ndarray]:
        return self.ids, self.matrix


class Model:
    """A fitted model stand-in: a rating in [0, 10] from the vector, and an uncertainty."""

    def __init__(self, seed: int):
        self.weights = np.random.default_rng(seed).normal(size=DIM)

    def predict(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        score = 10 / (1 + np.exp(-(vectors @ self.weights)))
        return score, np.abs(vectors[:, 0]) + 0.1


def state(path: Path) -> dict:
    """What a user sees (the rating sort, both ways, and each image's rating and source),
    and what is stored (predictions and the planner's statistics for the rating indexes)."""
    with Catalog(path) as catalog:
        seen = {
            "down": everything(catalog, page_size=50, sort=SortKey.rating, descending=True),
            "up": everything(catalog, page_size=50, sort=SortKey.rating, descending=False),
        }
        conn = catalog.conn
        seen["keys"] = conn.execute(
            "SELECT content_id, rating_key, rating_source FROM images ORDER BY content_id"
        ).fetchall()
        seen["predictions"] = conn.execute(
            "SELECT content_id, rating, model_id, uncertainty FROM predictions ORDER BY content_id"
        ).fetchall()
        seen["indexes"] = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'images' AND type = 'index' "
            "ORDER BY name"
        ).fetchall()
        seen["stats"] = conn.execute(
            "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'images' ORDER BY idx"
        ).fetchall()
        seen["user"] = dict(conn.execute("SELECT content_id, rating FROM ratings").fetchall())
        seen["bulk_writes"] = conn.execute("SELECT COUNT(*) FROM bulk_writes").fetchone()[0]
    return seen


@pytest.fixture
def two_catalogs(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """Two copies of one catalog: 400 images, some rated by the user, a third predicted by
    an older evaluator, some with every file gone; planner statistics gathered."""
    first = tmp_path / "row-by-row.sqlite3"
    images = make_catalog(first, count=400, seed=3)
    conn = sqlite3.connect(first)
    conn.execute("ANALYZE")
    conn.close()  # the last connection: its log is folded into the file the copy reads
    second = tmp_path / "bulk.sqlite3"
    shutil.copy(first, second)
    return first, second, [image.content_id for image in images]


@pytest.mark.parametrize("share", ["all", "new only"])
def test_bulk_predictions_sort_exactly_as_row_by_row_ones(two_catalogs, share, monkeypatch):
    old_way, bulk, ids = two_catalogs
    mirror = Mirror(ids)
    if share == "new only":  # a tenth of the library lacks a prediction, as after indexing
        for path in (old_way, bulk):
            with Catalog(path) as catalog:
                predict_all(catalog, mirror, Model(1), "evaluator-2", row_by_row=True)
                catalog.conn.execute("DELETE FROM predictions WHERE rowid % 10 = 0")
    kept = {"only_missing": share == "new only"}
    with Catalog(old_way) as catalog:
        expected = predict_all(catalog, mirror, Model(2), "evaluator-2", row_by_row=True, **kept)
    rebuilt = []
    real_drop = stored_predictions._drop_rating_indexes
    monkeypatch.setattr(
        stored_predictions,
        "_drop_rating_indexes",
        lambda conn: rebuilt.append(1) or real_drop(conn),
    )
    with Catalog(bulk) as catalog:
        done = predict_all(catalog, mirror, Model(2), "evaluator-2", **kept)
    assert done == expected == (400 if share == "all" else 40)
    # The whole library: its rating indexes are built again; a tenth: updated in place.
    assert bool(rebuilt) == (share == "all")
    want, got = state(old_way), state(bulk)
    assert got["down"] == want["down"] and got["up"] == want["up"]
    assert got == want  # every key, prediction, index and statistic, too
    # Your ratings still win over any prediction.
    keys = {cid: (key, source) for cid, key, source in got["keys"]}
    assert got["user"] and all(keys[cid] == (r, "user") for cid, r in got["user"].items())
    predicted = [cid for cid, (_, source) in keys.items() if source == "predicted"]
    assert len(predicted) == 400 - len(got["user"])
    assert got["stats"] and got["bulk_writes"] == 0


def test_a_cancelled_run_writes_nothing(two_catalogs, monkeypatch):
    _, bulk, ids = two_catalogs
    before = state(bulk)
    calls = iter([False, True])  # cancelled after the first batch
    monkeypatch.setattr(predictions, "BATCH", 100)
    with Catalog(bulk) as catalog:
        done = predict_all(
            catalog, Mirror(ids), Model(1), "evaluator-2", cancel=lambda: next(calls)
        )
    assert done == 0 and state(bulk) == before
