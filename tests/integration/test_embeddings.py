"""CLIP embeddings: the model's own vectors, stored once per content and model, offline-safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch

from indexing.ingest.decode import decode, flatten
from indexing.store.vectors import VectorStore
from tests.conftest import LAUNCH, REPO_ROOT, Pictor
from tests.library_builder import LibraryBuilder, noise_image

TINY = "pictor-tiny-clip"
TINY_CONFIG = REPO_ROOT / "tests" / "assets" / f"{TINY}.json"


def store(pictor: Pictor) -> VectorStore:
    return VectorStore.embedded(pictor.settings.vectors_dir)


def reference_vector(path: Path, long_side: int) -> np.ndarray:
    """Embed one file with a freshly built open_clip model, outside Pictor's code."""
    open_clip.add_model_config(str(TINY_CONFIG))
    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms(TINY, pretrained=None)
    model.eval()
    size = model.visual.image_size
    short = size[0] if isinstance(size, tuple) else size
    data = path.read_bytes()
    pixels = decode(data, min_side=short, long_side=long_side, max_pixels=10**9).pixels
    with torch.inference_mode():
        vector = model.encode_image(preprocess(flatten(pixels)).unsqueeze(0))[0].numpy()
    return vector / np.linalg.norm(vector)


def test_every_new_image_gets_the_models_own_embedding(
    pictor: Pictor, library: LibraryBuilder
) -> None:
    paths = library.many(5, size=(1200, 800))  # large enough for a reduced JPEG decode
    summary = pictor.index(library.root)
    assert summary.embeddings is not None
    assert summary.embeddings.model == f"{TINY}@random"
    assert summary.embeddings.embedded == 5
    assert summary.embeddings.pending == 0
    vectors = store(pictor)
    assert vectors.count(summary.embeddings.model) == 5
    cid = pictor.image_for(paths[0])["content_id"]
    stored = vectors.get(summary.embeddings.model, [cid])[cid]
    expected = reference_vector(paths[0], pictor.settings.thumb_size)
    assert stored.dtype == np.float32
    assert np.linalg.norm(stored) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(stored, expected, atol=1e-4)
    recorded = pictor.rows(
        "SELECT content_id FROM embeddings WHERE model_id = ?", summary.embeddings.model
    )
    assert len(recorded) == 5


def test_moved_and_copied_files_are_not_embedded_again(
    pictor: Pictor, library: LibraryBuilder
) -> None:
    paths = library.many(4)
    first = pictor.index(library.root)
    model = first.embeddings.model
    cid = pictor.image_for(paths[0])["content_id"]
    before = store(pictor).get(model, [cid])[cid]
    moved = library.root / "elsewhere" / "renamed.jpg"
    moved.parent.mkdir()
    paths[0].rename(moved)
    (library.root / "copy.jpg").write_bytes(paths[1].read_bytes())
    second = pictor.index(library.root)
    assert second.moved == 1
    assert second.embeddings.embedded == 0
    assert store(pictor).count(model) == 4
    assert np.array_equal(store(pictor).get(model, [cid])[cid], before)


def test_another_model_gets_its_own_collection(
    pictor: Pictor, library: LibraryBuilder, tmp_path: Path
) -> None:
    library.many(3)
    first = pictor.index(library.root)
    other_config = tmp_path / "pictor-tiny-clip-wide.json"
    config = json.loads(TINY_CONFIG.read_text())
    config["embed_dim"] = 48
    other_config.write_text(json.dumps(config))
    other = Pictor(
        pictor.settings.data_dir,
        clip_model="pictor-tiny-clip-wide",
        clip_model_config=str(other_config),
    )
    second = other.index(library.root)
    assert second.new == 0 and second.unchanged == 3
    assert second.embeddings.model == "pictor-tiny-clip-wide@random"
    assert second.embeddings.embedded == 3
    vectors = store(pictor)
    assert set(vectors.model_ids()) == {first.embeddings.model, second.embeddings.model}
    assert vectors.count(first.embeddings.model) == 3
    assert vectors.count(second.embeddings.model) == 3
    some = vectors.get(
        second.embeddings.model,
        [r["content_id"] for r in pictor.rows("SELECT content_id FROM images")],
    )
    assert {v.shape for v in some.values()} == {(48,)}


def test_without_weights_everything_else_is_indexed_and_embedding_waits(
    pictor: Pictor, library: LibraryBuilder
) -> None:
    library.many(3)
    offline = Pictor(
        pictor.settings.data_dir, clip_model="ViT-B-32", clip_pretrained="no_such_tag_offline"
    )
    summary = offline.index(library.root)
    assert summary.new == 3 and summary.errors == []
    assert summary.embeddings.embedded == 0
    assert summary.embeddings.pending == 3
    message = summary.embeddings.message
    assert "could not be loaded" in message and "PICTOR_CLIP_PRETRAINED" in message
    assert "\n" not in message, "one line"
    later = pictor.index(library.root)
    assert later.unchanged == 3
    assert later.embeddings.embedded == 3 and later.embeddings.pending == 0


def test_missing_weights_file_is_explained_on_the_cli(
    run_cli, library: LibraryBuilder, tmp_path: Path
) -> None:
    library.many(2)
    code, out, err = run_cli(
        ["index", str(library.root), "--json"],
        env={"PICTOR_CLIP_PRETRAINED": str(tmp_path / "missing.bin")},
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["new"] == 2
    assert summary["embeddings"]["pending"] == 2
    assert "missing.bin" in summary["embeddings"]["message"]
    assert "could not be loaded" in err and "Traceback" not in err


def test_tiny_and_extreme_images_are_embedded(pictor: Pictor, library: LibraryBuilder) -> None:
    library.save("dot.png", noise_image((1, 1), seed=1))
    library.save("strip.png", noise_image((10000, 3), seed=2))
    library.save("tower.png", noise_image((3, 4000), seed=3))
    summary = pictor.index(library.root)
    assert summary.errors == []
    assert summary.embeddings.embedded == 3
    ids = [r["content_id"] for r in pictor.rows("SELECT content_id FROM images")]
    vectors = store(pictor).get(summary.embeddings.model, ids)
    assert len(vectors) == 3
    for vector in vectors.values():
        assert np.all(np.isfinite(vector))
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_cancel_leaves_catalog_and_vectors_consistent(
    pictor: Pictor, library: LibraryBuilder
) -> None:
    from indexing.progress import CancelToken

    library.many(80)
    token = CancelToken()

    def cancel_midway(progress) -> None:
        if progress.stage == "index" and progress.done >= 20:
            token.cancel()

    pictor.library.settings.batch_size = 8
    first = pictor.library.index([str(library.root)], cancel_midway, token)
    assert first.cancelled
    model = first.embeddings.model
    recorded = {
        r["content_id"]
        for r in pictor.rows("SELECT content_id FROM embeddings WHERE model_id = ?", model)
    }
    assert recorded, "work done before the cancel is kept"
    assert set(store(pictor).get(model, sorted(recorded))) == recorded
    second = pictor.index(library.root)
    assert not second.cancelled
    total = pictor.one("SELECT COUNT(*) AS n FROM images")["n"]
    assert total == 80
    assert store(pictor).count(model) == 80


def test_kill_9_during_embedding_then_resume(
    pictor_env: Path, library: LibraryBuilder, tmp_path: Path
) -> None:
    library.many(150, size=(64, 48))
    data = tmp_path / "killed"
    env = {
        **os.environ,
        "PICTOR_DATA_DIR": str(data),
        "PICTOR_COMMIT_EVERY": "5",
        "PICTOR_BATCH_SIZE": "4",
        "PICTOR_THREADS": "2",
    }
    command = [
        sys.executable,
        str(LAUNCH),
        "index",
        str(library.root),
        "--progress",
        "json",
        "--json",
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed = False
    for line in process.stderr:
        if not line.startswith("{"):
            continue
        progress = json.loads(line)
        if progress["stage"] in ("index", "embed") and progress["done"] >= 40:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
    process.wait(timeout=120)
    assert killed, "the run ended before it could be killed"
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["unchanged"] > 0
    after = Pictor(data)
    assert after.one("PRAGMA integrity_check")[0] == "ok"
    model = summary["embeddings"]["model"]
    assert after.one("SELECT COUNT(*) AS n FROM images")["n"] == 150
    assert after.one("SELECT COUNT(*) AS n FROM embeddings WHERE model_id = ?", model)["n"] == 150
    assert VectorStore.embedded(data / "vectors").count(model) == 150


def test_a_collection_made_with_a_narrower_search_gets_todays_breadth(tmp_path: Path):
    """ef_search 128 lost recall at a million vectors (0.85); an older library's collection
    is raised to today's setting when it is opened, keeping its vectors."""
    from indexing.store import vectors as store_module

    older = VectorStore.embedded(tmp_path / "vectors")
    name = store_module.collection_name("old@model")
    made = older.client.create_collection(
        name,
        configuration={"hnsw": {**store_module.HNSW, "ef_search": 128}},
        metadata={"model_id": "old@model"},
        embedding_function=None,
    )
    made.add(ids=["a"], embeddings=[[1.0, 0.0, 0.0]])
    store = VectorStore.embedded(tmp_path / "vectors")
    opened = store.collection("old@model")
    assert opened.configuration["hnsw"]["ef_search"] == store_module.HNSW["ef_search"] > 128
    assert store.count("old@model") == 1
    assert store.query("old@model", np.array([1.0, 0.0, 0.0], dtype=np.float32), 1)[0][0] == "a"
