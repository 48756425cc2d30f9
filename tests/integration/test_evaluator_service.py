"""The evaluator through the catalog and the CLI: train, predict, registry, staleness,
bad input, and predictions for images indexed later. Vectors are planted with a hidden
taste, so a trained evaluator has something real to learn."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from evaluator import service
from evaluator.metrics import spearman
from evaluator.training_data import Cancelled
from indexing.curate.rating_service import RatingService
from indexing.library import Library
from indexing.settings import Settings
from indexing.store.vectors import VectorStore
from tests.conftest import REPO_ROOT, fails
from tests.library_builder import smooth_image

DIM = 32  # the tiny test CLIP's embedding size
SLOW_CLIP_CONFIGS = REPO_ROOT / "tests" / "assets" / "slow"


def tasteful_library(library, tmp_path: Path, count: int = 80) -> dict[str, float]:
    """Images with planted vectors; returns each file's hidden taste (0-10)."""
    for n in range(count):
        library.save(f"img{n:03d}.jpg", smooth_image((96, 72), seed=n), quality=90)
    settings = Settings(data_dir=tmp_path / "data")
    pictor = Library(settings)
    pictor.index([str(library.root)])
    with pictor.open_catalog() as catalog:
        files = dict(catalog.conn.execute("SELECT path, content_id FROM files").fetchall())
    rng = np.random.default_rng(5)
    direction = rng.normal(size=DIM)
    names = sorted(Path(p).name for p in files)
    vectors = rng.normal(size=(len(names), DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    raw = vectors @ direction
    taste = 5 + 2.2 * (raw - raw.mean()) / raw.std()
    ids = [files[str(library.root / name)] for name in names]
    VectorStore.embedded(settings.vectors_dir).upsert(
        pictor.model_id, ids, vectors.astype(np.float32)
    )
    shutil.rmtree(settings.data_dir / "vector-mirror", ignore_errors=True)  # rebuilt from Chroma
    return {name: float(np.clip(t, 0, 10)) for name, t in zip(names, taste, strict=True)}


def rate_all(tmp_path: Path, library, scores: dict[str, float]) -> None:
    """Your ratings, written in this process by the service `launch.py rate` calls (the
    command itself: test_rating_cli.py): a process per rating cost seconds each."""
    ratings = RatingService(Library(Settings(data_dir=tmp_path / "data")))
    for name, score in scores.items():
        ratings.rate_path(str(library.root / name), score)


def rate(tmp_path: Path, library, taste: dict[str, float], names: list[str]) -> None:
    rng = np.random.default_rng(9)
    scores = {
        name: float(np.clip(round(taste[name] + rng.normal(0, 0.3), 1), 0, 10)) for name in names
    }
    rate_all(tmp_path, library, scores)


def predictions(tmp_path: Path) -> dict[str, tuple[float, str]]:
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    try:
        rows = conn.execute(
            "SELECT f.path, p.rating, p.model_id FROM predictions p JOIN files f USING (content_id)"
        ).fetchall()
    finally:
        conn.close()
    return {Path(path).name: (rating, model) for path, rating, model in rows}


def test_train_learns_the_taste_and_predicts_every_image(cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path)
    names = sorted(taste)
    rate(tmp_path, library, taste, names[:50])
    outcome = cli("train")
    assert outcome["ratings"] == 50 and outcome["skipped"] == 0
    assert outcome["metrics"]["mae"] < outcome["baseline"]["mae"]
    assert outcome["metrics"]["rating_order_accuracy"] > 0.7
    assert outcome["baseline"]["rating_order_accuracy"] == 0.5
    assert outcome["predicted"] == 80
    predicted = predictions(tmp_path)
    unrated = names[50:]
    assert all(predicted[n][1] == outcome["model_id"] for n in unrated)
    agreement = spearman(
        np.array([taste[n] for n in unrated]), np.array([predicted[n][0] for n in unrated])
    )
    assert agreement > 0.7
    listed = cli("list", "--sort", "rating", "--desc", "--page-size", "100")["items"]
    sources = {Path(i["path"]).name: i["rating_source"] for i in listed}
    assert all(sources[n] == "predicted" for n in unrated)  # the rating sort uses them


def test_registry_history_and_switching_back(cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=40)
    rate(tmp_path, library, taste, sorted(taste)[:20])
    first = cli("train")["model_id"]
    rate(tmp_path, library, taste, sorted(taste)[20:30])
    second = cli("train")["model_id"]
    listed = cli("evaluators")["evaluators"]
    assert [e["id"] for e in listed] == [second, first]
    assert [e["active"] for e in listed] == [True, False]
    assert listed[1]["ratings"] == 20 and listed[0]["ratings"] == 30
    cli("evaluators", "--use", first)
    assert {model for _, model in predictions(tmp_path).values()} == {first}
    again = Library(Settings(data_dir=tmp_path / "data"))  # a restart keeps the active one
    assert service.status(again)["active"]["id"] == first


def test_too_few_identical_or_unembedded_ratings_say_why(run_cli, cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=30)
    names = sorted(taste)
    rate(tmp_path, library, taste, names[:4])
    assert "more images" in fails(run_cli, tmp_path, "train")
    rate_all(tmp_path, library, dict.fromkeys(names[:14], 7.0))
    message = fails(run_cli, tmp_path, "train")
    assert "7" in message and "no taste" in message.lower()
    assert "No evaluator is trained yet" in fails(run_cli, tmp_path, "predict")


def test_ratings_without_vectors_say_how_to_get_them(run_cli, cli, library, tmp_path) -> None:
    for n in range(12):
        library.save(f"img{n}.jpg", smooth_image((64, 48), seed=n), quality=90)
    cli("index", str(library.root), "--no-embed")
    rate_all(tmp_path, library, {f"img{n}.jpg": float(n % 10) for n in range(12)})
    message = fails(run_cli, tmp_path, "train")
    assert "CLIP vector" in message and "weights" in message


def test_a_model_switch_makes_the_evaluator_stale(run_cli, cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=30)
    rate(tmp_path, library, taste, sorted(taste)[:15])
    cli("train")
    other = {
        "PICTOR_CLIP_MODEL": "pictor-slow-clip",
        "PICTOR_CLIP_MODEL_CONFIG": str(SLOW_CLIP_CONFIGS),
    }
    listed = cli("evaluators", env=other)
    assert listed["stale"] is True
    assert "Retrain" in fails(run_cli, tmp_path, "predict", env=other)


def test_a_corrupt_model_file_falls_back_to_no_evaluator(run_cli, cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=30)
    rate(tmp_path, library, taste, sorted(taste)[:15])
    model_id = cli("train")["model_id"]
    (tmp_path / "data" / "evaluators" / f"{model_id}.npz").write_bytes(b"not a model")
    message = fails(run_cli, tmp_path, "predict")
    assert "unreadable" in message and "train a new one" in message
    assert cli("evaluators")["evaluators"][0]["active"] is False
    assert predictions(tmp_path) == {}


def test_cancelled_training_keeps_the_previous_evaluator(cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=30)
    rate(tmp_path, library, taste, sorted(taste)[:15])
    first = cli("train")["model_id"]
    pictor = Library(Settings(data_dir=tmp_path / "data"))
    with pytest.raises(Cancelled):
        service.train(pictor, cancel=lambda: True)
    assert service.status(pictor)["active"]["id"] == first
    assert {model for _, model in predictions(tmp_path).values()} == {first}


def test_images_indexed_later_get_predictions(cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=30)
    rate(tmp_path, library, taste, sorted(taste)[:15])
    cli("train")
    library.save("later.jpg", smooth_image((96, 72), seed=999), quality=90)
    summary = cli("index", str(library.root))
    assert summary["new"] == 1 and summary["predicted"] == 1
    assert "later.jpg" in predictions(tmp_path)


def test_a_broken_model_file_is_said_in_one_line_when_switching_back(
    run_cli, cli, library, tmp_path
) -> None:
    taste = tasteful_library(library, tmp_path, count=30)
    rate(tmp_path, library, taste, sorted(taste)[:15])
    first = cli("train")["model_id"]
    second = cli("train")["model_id"]
    (tmp_path / "data" / "evaluators" / f"{first}.npz").unlink()
    message = fails(run_cli, tmp_path, "evaluators", "--use", first)
    assert "missing" in message
    assert {e["id"]: e["active"] for e in cli("evaluators")["evaluators"]} == {
        first: False,
        second: True,
    }
    (tmp_path / "data" / "evaluators" / f"{second}.npz").unlink()
    state = service.status(Library(Settings(data_dir=tmp_path / "data")))
    assert state["broken"] is True and "train again" in state["message"]


def test_taste_lifts_liked_matches_and_pages_stay_disjoint(cli, library, tmp_path) -> None:
    taste = tasteful_library(library, tmp_path, count=40)
    names = sorted(taste)
    rate(tmp_path, library, taste, names[:20])
    cli("train")
    query = str(library.root / names[0])
    plain = cli("search", "--image", query, "--top", "40")["results"]
    liked = cli("search", "--image", query, "--top", "40", "--taste", "1")["results"]
    assert sorted(r["path"] for r in plain) == sorted(r["path"] for r in liked)

    rating = {i["path"]: i["rating"] for i in cli("list", "--page-size", "100")["items"]}
    similarity = {r["path"]: r["score"] for r in plain}
    for result in liked:  # the documented formula, yours where given else predicted
        expected = similarity[result["path"]] + 0.01 * (rating[result["path"]] - 5)
        assert result["score"] == pytest.approx(expected, abs=2e-4)
    assert [r["score"] for r in liked] == sorted((r["score"] for r in liked), reverse=True)
    assert [r["path"] for r in liked] != [r["path"] for r in plain]  # taste re-ordered them
    paged = [
        r["path"]
        for page in range(1, 5)
        for r in cli("search", "--image", query, "--top", "10", "--taste", "1", "--page",
                     str(page))["results"]
    ]  # fmt: skip
    assert paged == [r["path"] for r in liked]


def test_a_model_worse_than_the_baseline_is_not_made_active(
    run_cli, cli, library, tmp_path
) -> None:
    """Ratings that have nothing to do with the images: the new evaluator cannot beat the
    mean, says so in text and JSON, and the evaluator trained before stays in use until the
    user asks for the new one (--activate-anyway)."""
    taste = tasteful_library(library, tmp_path, count=40)
    names = sorted(taste)
    rate(tmp_path, library, taste, names[:20])
    first = cli("train")["model_id"]
    before = predictions(tmp_path)
    ratings = RatingService(Library(Settings(data_dir=tmp_path / "data")))
    noise = np.random.default_rng(3).permutation(np.linspace(0, 10, 40))
    for name, score in zip(names, noise, strict=True):  # every rating replaced by noise
        ratings.rate_path(str(library.root / name), round(float(score), 1))

    worse = cli("train")
    assert worse["beats_baseline"] is False and worse["activated"] is False
    assert worse["metrics"]["mae"] >= worse["baseline"]["mae"]
    assert worse["active_model_id"] == first and "does not beat the baseline" in worse["message"]
    assert worse["predicted"] == 0 and predictions(tmp_path) == before
    listed = cli("evaluators")["evaluators"]
    assert [(e["id"], e["active"]) for e in listed] == [(worse["model_id"], False), (first, True)]

    code, out, _ = run_cli(["--data-dir", str(tmp_path / "data"), "train"])
    assert code == 0 and "WARNING" in out and "does not beat the baseline" in out
    assert f"{first} stays active" in out

    anyway = cli("train", "--activate-anyway")
    assert anyway["activated"] is True and anyway["active_model_id"] == anyway["model_id"]
    assert {model for _, model in predictions(tmp_path).values()} == {anyway["model_id"]}


def test_train_reports_what_the_plus_minus_holds(cli, library, tmp_path) -> None:
    """The ± stored with each prediction is calibrated on held-out error: a typical one is
    wider than the held-out MAE, and the report says what share of held-out ratings fell
    inside it."""
    taste = tasteful_library(library, tmp_path)
    rate(tmp_path, library, taste, sorted(taste)[:50])
    outcome = cli("train")
    interval = outcome["interval"]
    assert interval["coverage_target"] == 0.8
    assert 0.6 <= interval["held_out_coverage"] <= 0.95
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    try:
        spreads = [r[0] for r in conn.execute("SELECT uncertainty FROM predictions")]
    finally:
        conn.close()
    assert np.median(spreads) > outcome["metrics"]["mae"]
