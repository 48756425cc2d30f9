"""One library, several users at once: readers and short writers never wait on inference,
one indexing run per data directory, and Chroma's first open is safe when raced."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexing.library import Library
from indexing.query.filters import Filter
from indexing.query.listing import ListRequest, list_library
from indexing.settings import Settings
from indexing.store.catalog import Catalog
from indexing.store.locks import index_lock
from indexing.store.vectors import VectorStore
from tests.conftest import LAUNCH, REPO_ROOT
from tests.library_builder import LibraryBuilder

SLOW_CLIP_CONFIGS = REPO_ROOT / "tests" / "assets" / "slow"


def start_index(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(LAUNCH), *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_progress(process: subprocess.Popen, stage: str, done: int) -> None:
    """Read JSON progress lines from stderr until the stage reports `done` items."""
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("{"):
            update = json.loads(line)
            if update["stage"] == stage and update["done"] >= done:
                return
    pytest.fail(f"the run ended before {stage} reached {done}: {process.wait()}")


@pytest.mark.slow
def test_readers_and_short_writers_never_wait_on_inference(
    pictor_env: Path, tmp_path: Path, monkeypatch
) -> None:
    """While a long run embeds, a text-category listing and a rating each take under 2 s."""
    library = LibraryBuilder(tmp_path / "photos")
    library.many(300, size=(64, 64))
    data = tmp_path / "data"
    env = {
        **os.environ,
        "PICTOR_CLIP_MODEL": "pictor-slow-clip",  # about 4 s of CPU per batch of 32
        "PICTOR_CLIP_MODEL_CONFIG": str(SLOW_CLIP_CONFIGS),
        "PICTOR_COMMIT_EVERY": "16",
        "PICTOR_THREADS": "1",
    }
    for name in ("PICTOR_CLIP_MODEL", "PICTOR_CLIP_MODEL_CONFIG"):
        monkeypatch.setenv(name, env[name])
    indexer = start_index(
        ["--data-dir", str(data), "index", str(library.root), "--progress", "json"], env
    )
    try:
        wait_for_progress(indexer, "index", 96)  # three batches embedded, two commits since
        pictor = Library(Settings(data_dir=data))
        pictor.embedder().load()  # loading the model is not what this measures
        request = ListRequest(filter=Filter(exclude_text=("nsfw",)))

        started = time.monotonic()
        listing = list_library(pictor, request)
        listed_in = time.monotonic() - started

        started = time.monotonic()
        with Catalog(pictor.settings.catalog_path) as catalog, catalog.transaction():
            cid = catalog.conn.execute("SELECT content_id FROM images LIMIT 1").fetchone()[0]
            catalog.conn.execute(
                "INSERT OR REPLACE INTO ratings(content_id, rating, rated_at) VALUES (?, 7, ?)",
                (cid, time.time()),
            )
        rated_in = time.monotonic() - started
        assert indexer.poll() is None, "the indexing run had already finished"
    finally:
        indexer.send_signal(signal.SIGKILL)
        indexer.communicate(timeout=60)
    assert listing.total >= 96
    assert listed_in < 2.0, f"the text-category listing waited {listed_in:.1f}s"
    assert rated_in < 2.0, f"the rating waited {rated_in:.1f}s"


def test_a_second_run_waits_for_the_first(run_cli, pictor_env: Path, tmp_path: Path) -> None:
    library = LibraryBuilder(tmp_path / "photos")
    library.many(5)
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "index", str(library.root), "--no-embed", "--json"]
    with index_lock(data):  # this test process is "the other run"
        code, out, err = run_cli([*args, "--no-wait"])
        assert (code, out) == (2, "")
        assert err.strip() == (
            f"error: indexing is already running (pid {os.getpid()}); wait for it to finish"
        )
        second = start_index(args, {**os.environ})
        assert second.stderr is not None
        line = second.stderr.readline()
        assert line.strip() == f"waiting for another indexing run (pid {os.getpid()}) to finish…"
        assert second.poll() is None  # it waits while we hold the lock
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert json.loads(out)["new"] == 5


def test_two_runs_started_together_do_the_work_once(pictor_env: Path, tmp_path: Path) -> None:
    library = LibraryBuilder(tmp_path / "photos")
    library.many(40)
    args = ["--data-dir", str(tmp_path / "data"), "index", str(library.root), "--json"]
    runs = [start_index(args, {**os.environ}) for _ in range(2)]
    results = [run.communicate(timeout=180) for run in runs]
    for run, (_, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err and "already exists" not in err
    summaries = [json.loads(out) for out, _ in results]
    assert sorted(s["new"] for s in summaries) == [0, 40]
    assert sorted(s["embeddings"]["embedded"] for s in summaries) == [0, 40]


def _open_and_write(path: str, barrier, seed: int) -> str:
    barrier.wait()
    try:
        store = VectorStore.embedded(Path(path))
        vector = np.random.default_rng(seed).random((1, 8), dtype=np.float32)
        store.upsert("model@test", [f"id{seed}"], vector)
        return "ok"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def test_first_open_of_chroma_is_safe_when_raced(tmp_path: Path) -> None:
    folder = tmp_path / "vectors"
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(4)
        with context.Pool(4) as pool:
            outcomes = pool.starmap(_open_and_write, [(str(folder), barrier, n) for n in range(4)])
    assert outcomes == ["ok"] * 4
    assert VectorStore.embedded(folder).count("model@test") == 4
