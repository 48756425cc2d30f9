"""What runs CLIP: OpenVINO on a CPU by default, on the model exported once to ONNX and
cached in the data folder (ONNX Runtime reads the same files); torch when asked or on a
GPU, and torch again when the fast backend cannot run. The rest of the suite runs the tiny
model on torch (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexing.models import onnx_export
from indexing.models.clip import ClipEmbedder, model_id_for
from tests.conftest import REPO_ROOT, TINY_CLIP, TINY_CLIP_CONFIG
from tests.library_builder import LibraryBuilder, smooth_image

IMAGES = [smooth_image((320, 240), seed=n) for n in range(6)]
TEXTS = ["a red car at night", "two dogs on a beach", "x"]


def embedder(cache: Path | None, backend: str = "auto", **options) -> ClipEmbedder:
    return ClipEmbedder(
        TINY_CLIP, "random", model_config=str(TINY_CLIP_CONFIG), threads=2, device="cpu",
        backend=backend, cache_dir=cache, **options,
    ).load()  # fmt: skip


@pytest.fixture(scope="module")
def reference() -> tuple[np.ndarray, np.ndarray]:
    torch_run = embedder(None, "torch")
    return torch_run.embed_images(IMAGES), torch_run.embed_texts(TEXTS)


def exported(cache: Path) -> Path:
    return onnx_export.folder_for(cache, model_id_for(TINY_CLIP, "random"))


def test_a_cpu_runs_openvino_by_default_with_the_same_vectors(tmp_path: Path, reference, capfd):
    fast = embedder(tmp_path)
    assert (fast.backend, fast.runs_on) == ("openvino", "openvino on cpu")
    images, texts = reference
    # The same vectors: one Chroma collection (one model id) serves every backend.
    assert (fast.embed_images(IMAGES) * images).sum(axis=1).min() >= 0.999
    assert (fast.embed_texts(TEXTS) * texts).sum(axis=1).min() >= 0.999
    assert fast.model_id == embedder(None, "torch").model_id
    folder = exported(tmp_path)
    assert {p.name for p in folder.iterdir()} == {
        "image.onnx",
        "text.onnx",
        "export.json",
        "openvino-cache",
    }
    assert "preparing the fast CPU model, once" in capfd.readouterr().err


def test_onnx_runtime_runs_the_same_export(tmp_path: Path, reference):
    fast = embedder(tmp_path, "onnx")
    assert fast.backend == "onnx"
    assert (fast.embed_images(IMAGES) * reference[0]).sum(axis=1).min() >= 0.999
    assert (fast.embed_texts(TEXTS) * reference[1]).sum(axis=1).min() >= 0.999


def test_the_export_is_kept_and_not_redone(tmp_path: Path, capfd):
    embedder(tmp_path)
    first = (exported(tmp_path) / "image.onnx").stat().st_mtime_ns
    capfd.readouterr()
    again = embedder(tmp_path)
    assert again.backend == "openvino"
    assert (exported(tmp_path) / "image.onnx").stat().st_mtime_ns == first
    assert "preparing" not in capfd.readouterr().err


def test_a_corrupt_cached_file_is_exported_again(tmp_path: Path, reference):
    embedder(tmp_path)
    damaged = exported(tmp_path) / "image.onnx"
    size = damaged.stat().st_size
    damaged.write_bytes(b"not a model" * 10)
    fast = embedder(tmp_path)
    assert fast.backend == "openvino"
    assert damaged.stat().st_size == size
    assert (fast.embed_images(IMAGES) * reference[0]).sum(axis=1).min() >= 0.999


def test_an_interrupted_export_is_redone(tmp_path: Path):
    """kill -9 mid-export: files written aside, no stamp. The next start exports again."""
    folder = exported(tmp_path)
    folder.mkdir(parents=True)
    (folder / "image.onnx.partial").write_bytes(b"half")
    (folder / "image.onnx").write_bytes(b"an older, half-renamed file")
    fast = embedder(tmp_path)
    assert fast.backend == "openvino"
    assert json.loads((folder / "export.json").read_text())["fingerprint"]
    assert fast.embed_images(IMAGES[:1]).shape == (1, fast.embed_images(IMAGES[:1]).shape[1])


def test_other_weights_under_the_same_name_are_exported_again(tmp_path: Path):
    embedder(tmp_path)
    stamp = exported(tmp_path) / "export.json"
    stamp.write_text(json.dumps({"fingerprint": "weights-of-another-day", "schema": 1}))
    fast = embedder(tmp_path)
    assert fast.backend == "openvino"
    assert json.loads(stamp.read_text())["fingerprint"] != "weights-of-another-day"


def test_the_fingerprint_follows_the_weights():
    import open_clip
    import torch

    open_clip.add_model_config(str(TINY_CLIP_CONFIG))
    torch.manual_seed(0)
    one = open_clip.create_model(TINY_CLIP)
    torch.manual_seed(1)
    other = open_clip.create_model(TINY_CLIP)
    assert onnx_export.fingerprint(one, "m") != onnx_export.fingerprint(other, "m")
    assert onnx_export.fingerprint(one, "m") == onnx_export.fingerprint(one, "m")


def test_without_onnx_runtime_torch_runs_and_says_why(tmp_path: Path, reference, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    fallback = embedder(tmp_path, "onnx")
    assert fallback.backend == "torch"
    assert "onnx is not available" in fallback.runs_on
    assert "torch runs the model" in fallback.runs_on
    assert (fallback.embed_images(IMAGES) * reference[0]).sum(axis=1).min() >= 0.9999


def test_a_failed_export_falls_back_to_torch(tmp_path: Path, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("Exporting the operator 'aten::something' is not supported")

    monkeypatch.setattr("torch.onnx.export", refuse)
    fallback = embedder(tmp_path)
    assert fallback.backend == "torch"
    assert "the export failed: RuntimeError" in fallback.backend_note
    assert not (exported(tmp_path) / "export.json").exists()


def test_torch_when_asked_and_for_int8(tmp_path: Path):
    assert embedder(tmp_path, "torch").backend == "torch"
    int8 = embedder(tmp_path, "auto", int8=True)
    assert (int8.backend, int8.runs_on) == ("torch", "torch on cpu, int8")
    assert not exported(tmp_path).exists()


def test_without_openvino_the_default_is_torch(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)
    fallback = embedder(tmp_path)
    assert fallback.backend == "torch"
    assert "openvino is not available" in fallback.runs_on


def test_the_cli_indexes_and_searches_with_the_default_backend(
    cli, library: LibraryBuilder, tmp_path: Path
):
    """Both towers through ONNX: indexing embeds with the image tower, a text search runs
    the text tower, and a photo from outside the library is embedded to find its original."""
    auto = {"PICTOR_BACKEND": "auto", "PICTOR_MODELS_DIR": None}  # the default models folder
    for n in range(4):
        smooth_image((300, 200), seed=n).save(library.path(f"p{n}.jpg"), quality=95)
    indexed = cli("index", str(library.root), env=auto)
    assert indexed["embeddings"]["embedded"] == 4
    models = tmp_path / "data" / "models"  # the export and the vocabulary's vectors
    assert [*models.glob("*/export.json")] and [*models.glob("subjects/*.npz")]
    outside = tmp_path / "outside.jpg"
    smooth_image((300, 200), seed=2).save(outside, quality=60)  # other bytes, same picture
    found = cli("search", "--image", str(outside), "--top", "1", env=auto)
    assert Path(found["results"][0]["path"]).name == "p2.jpg"
    assert len(cli("search", "a red car", "--top", "3", env=auto)["results"]) == 3
    # A fresh process has loaded no model yet: status says so rather than guess.
    fresh = cli("status", env=auto, separate=True)
    assert fresh["backend"] == {"setting": "auto", "in_use": None}


def test_libraries_share_one_models_folder(
    tmp_path: Path, pictor_env: Path, library: LibraryBuilder
):
    """PICTOR_MODELS_DIR: what is derived from the model alone is made once for every data
    folder that names it, and none is kept in the data folders (the vocabulary's vectors
    kept by an older version in data/subjects/ are dropped)."""
    from tests.conftest import Pictor

    for n in range(3):
        smooth_image((300, 200), seed=n).save(library.path(f"p{n}.jpg"), quality=95)
    shared = tmp_path / "shared-models"
    old_cache = tmp_path / "one" / "subjects" / "clip-old.npz"
    old_cache.parent.mkdir(parents=True)
    old_cache.write_bytes(b"vectors of an older version")
    first = Pictor(tmp_path / "one", models_dir=shared)
    first.index(library.root)
    (vectors,) = (shared / "subjects").glob("*.npz")
    made = vectors.stat().st_mtime_ns
    second = Pictor(tmp_path / "two", models_dir=shared)
    second.index(library.root)
    assert [*(shared / "subjects").iterdir()] == [vectors]  # read, not made again
    assert vectors.stat().st_mtime_ns == made
    for data in ("one", "two"):
        assert not (tmp_path / data / "models").exists()
        assert not (tmp_path / data / "subjects").exists()
    for pictor in (first, second):  # both libraries tagged every photo, alike
        assert len(pictor.rows("SELECT content_id FROM subject_tagged")) == 3
    tags = "SELECT content_id, tag, round(score, 4) FROM subjects ORDER BY content_id, tag"
    assert [*map(tuple, first.rows(tags))] == [*map(tuple, second.rows(tags))]


# Text searches without torch


def test_the_torch_free_tokenizer_gives_open_clips_ids():
    import random

    import open_clip

    from indexing.models.text_tokens import PROBES, ClipBpe

    rng = random.Random(7)
    alphabet = "abcXYZ019 ,.!?'-_éüßñ東京ночь🐱&;<>\t\n" + "".join(map(chr, range(0x370, 0x3A0)))
    texts = [*PROBES, *("".join(rng.choices(alphabet, k=rng.randint(1, 300))) for _ in range(300))]
    theirs = open_clip.get_tokenizer("ViT-B-32")
    ours = ClipBpe()
    assert np.array_equal(ours(texts), theirs(texts).numpy())
    assert [len(ours.encode(t)) for t in texts] == [len(theirs.encode(t)) for t in texts]


def test_a_tokenizer_with_other_settings_is_not_replaced():
    from open_clip.tokenizer import SimpleTokenizer

    from indexing.models.text_tokens import matches

    assert matches(SimpleTokenizer()) == {"kind": "clip-bpe", "context_length": 77}
    assert matches(SimpleTokenizer(clean="canonicalize")) is None  # drops punctuation
    assert matches(SimpleTokenizer(context_length=32)) == {"kind": "clip-bpe", "context_length": 32}
    assert matches(object()) is None


@pytest.fixture(scope="module")
def exported_once(tmp_path_factory) -> Path:
    """One export of the tiny model (a full load: both towers and the stamp)."""
    cache = tmp_path_factory.mktemp("export")
    embedder(cache)
    return cache


@pytest.fixture
def export_copy(exported_once: Path, tmp_path: Path) -> Path:
    """This test's own copy of that export, as a data folder's models/ would hold it."""
    cache = tmp_path / "models"
    shutil.copytree(exported_once, cache)
    return cache


def fresh(cache: Path, backend: str = "auto") -> ClipEmbedder:
    """An embedder not loaded yet, as a new process has."""
    return ClipEmbedder(
        TINY_CLIP, "random", model_config=str(TINY_CLIP_CONFIG), threads=2, device="auto",
        backend=backend, cache_dir=cache,
    )  # fmt: skip


def test_texts_run_on_the_exported_text_tower_alone(export_copy: Path, reference):
    cold = fresh(export_copy)  # a full load exported, and stamped what texts alone need
    vectors = cold.embed_texts(TEXTS)
    assert not cold.loaded  # the model (and torch) were not needed
    assert (vectors * reference[1]).sum(axis=1).min() >= 0.999
    assert cold.count_tokens("a red car") == 5 and cold.context_length == 77
    assert cold.load().backend == "openvino"  # what indexing does
    assert (cold.embed_texts(TEXTS) * reference[1]).sum(axis=1).min() >= 0.999


def test_images_run_on_the_exported_image_tower_alone(export_copy: Path, reference):
    cold = fresh(export_copy)  # a full load exported, and stamped what images alone need
    assert cold.input_size == 32  # the tiny model's, from the stamp: query images decode to it
    vectors = cold.embed_images(IMAGES)
    assert not cold.loaded  # the model (and torch) were not needed
    assert (vectors * reference[0]).sum(axis=1).min() >= 0.999
    long_strip = smooth_image((900, 30), seed=9)  # cropped to its centre first, as at a load
    want = embedder(None, "torch").embed_images([long_strip])
    assert float((cold.embed_images([long_strip]) * want).sum()) >= 0.999
    assert not cold.loaded


@pytest.mark.parametrize(
    "change",
    [{"quick": "other torch or open_clip"}, {"image_pixels": None}, {"fingerprint": "x"}],
)
def test_a_stamp_that_does_not_vouch_for_images_alone_loads_the_model(
    export_copy: Path, reference, change
):
    stamp = exported(export_copy) / "export.json"
    fields = json.loads(stamp.read_text())
    if "fingerprint" in change:  # an export from before the image entry: a full load adds it
        fields.pop("image_pixels")
    stamp.write_text(json.dumps({**fields, **change} if "fingerprint" not in change else fields))
    cold = fresh(export_copy)
    assert cold.input_size == 224  # the default: nothing vouches for the stamp's size
    assert (cold.embed_images(IMAGES) * reference[0]).sum(axis=1).min() >= 0.999
    assert cold.loaded and cold.input_size == 32
    if "fingerprint" in change:
        again = fresh(export_copy)
        again.embed_images(IMAGES)
        assert not again.loaded


def test_the_numpy_preprocessing_matches_open_clips_transform():
    import open_clip

    from indexing.models import image_pixels
    from indexing.models.clip import _center_square_if_extreme

    photos = [*IMAGES, smooth_image((4000, 90), seed=3), smooth_image((97, 1203), seed=4)]
    for size, interpolation, mean, std in (
        (224, "bicubic", open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD),  # ViT-B-32
        (336, "bilinear", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ):
        transform = open_clip.image_transform(
            size, is_train=False, mean=mean, std=std, interpolation=interpolation
        )
        entry = image_pixels.matches(transform, _center_square_if_extreme)
        assert entry is not None and entry["kind"] == "pil-numpy"
        light = image_pixels.PilNumpyTransform(entry["steps"])
        for photo in [*photos, photos[0].convert("L"), photos[1].convert("RGBA")]:
            photo = _center_square_if_extreme(photo)
            want = transform(photo).numpy()
            got = light(photo)
            assert got.shape == want.shape == (3, size, size) and got.dtype == np.float32
            assert np.abs(got - want).max() <= image_pixels.MAX_DIFFERENCE
    # A transform it does not reproduce (letterboxing to the longest side): no light path.
    letterbox = open_clip.image_transform(224, is_train=False, resize_mode="longest")
    assert image_pixels.matches(letterbox) is None
    assert image_pixels.matches(lambda image: image) is None


@pytest.mark.parametrize(
    "change",
    [{"quick": "other torch or open_clip"}, {"text_tokenizer": None}, {"fingerprint": "x"}],
)
def test_a_stamp_that_does_not_vouch_for_texts_alone_loads_the_model(
    export_copy: Path, reference, change
):
    stamp = exported(export_copy) / "export.json"
    if "fingerprint" not in change:
        stamp.write_text(json.dumps({**json.loads(stamp.read_text()), **change}))
    else:  # an export from before the quick key: the next full load adds it
        fields = json.loads(stamp.read_text())
        stamp.write_text(json.dumps({"fingerprint": fields["fingerprint"], "schema": 1}))
    cold = fresh(export_copy)
    assert (cold.embed_texts(TEXTS) * reference[1]).sum(axis=1).min() >= 0.999
    assert cold.loaded
    if "fingerprint" in change:
        again = fresh(export_copy)
        again.embed_texts(TEXTS)
        assert not again.loaded


def test_torch_when_asked_runs_texts_on_torch(export_copy: Path):
    cold = fresh(export_copy, "torch")
    cold.embed_texts(TEXTS)
    assert cold.loaded and cold.backend == "torch"


def test_a_cold_text_search_from_the_cli_does_not_import_torch(
    cli, library: LibraryBuilder, tmp_path: Path
):
    auto = {"PICTOR_BACKEND": "auto"}
    for n in range(5):
        smooth_image((300, 200), seed=n).save(library.path(f"p{n}.jpg"), quality=95)
    cli("index", str(library.root), env=auto)
    expected = cli("search", "a red car", "--not", "a dog", env={"PICTOR_BACKEND": "torch"})
    marker = tmp_path / "modules.txt"
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['launch.py', '--data-dir', {str(tmp_path / 'data')!r}, "
        "'search', 'a red car', '--not', 'a dog', '--json']\n"
        "try:\n"
        f"    runpy.run_path({str(REPO_ROOT / 'launch.py')!r}, run_name='__main__')\n"
        "finally:\n"
        f"    open({str(marker)!r}, 'w').write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, **auto}, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = set(marker.read_text().split())
    assert "torch" not in imported and "open_clip" not in imported
    found = json.loads(done.stdout)["results"]
    assert [hit["path"] for hit in found] == [hit["path"] for hit in expected["results"]]
    scores = [hit["score"] for hit in found], [hit["score"] for hit in expected["results"]]
    assert np.allclose(*scores, atol=2e-3)


def test_a_cold_image_search_from_the_cli_does_not_import_torch(
    cli, library: LibraryBuilder, tmp_path: Path
):
    auto = {"PICTOR_BACKEND": "auto"}
    for n in range(5):
        smooth_image((300, 200), seed=n).save(library.path(f"p{n}.jpg"), quality=95)
    cli("index", str(library.root), env=auto)
    query = tmp_path / "query.png"  # not in the library: it is embedded, not looked up
    smooth_image((400, 260), seed=2).save(query)
    clip = tmp_path / "query.gif"  # an animation: a clip query, its frames embedded
    frames = [smooth_image((120, 90), seed=n) for n in (1, 3)]
    frames[0].save(clip, save_all=True, append_images=frames[1:], duration=200, loop=0)
    for path in (query, clip):
        expected = cli("search", "--image", str(path), env={"PICTOR_BACKEND": "torch"})
        marker = tmp_path / "modules.txt"
        script = (
            "import runpy, sys\n"
            f"sys.argv = ['launch.py', '--data-dir', {str(tmp_path / 'data')!r}, "
            f"'search', '--image', {str(path)!r}, '--json']\n"
            "try:\n"
            f"    runpy.run_path({str(REPO_ROOT / 'launch.py')!r}, run_name='__main__')\n"
            "finally:\n"
            f"    open({str(marker)!r}, 'w').write(' '.join(sorted(sys.modules)))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
            env={**os.environ, **auto}, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        imported = set(marker.read_text().split())
        assert "torch" not in imported and "open_clip" not in imported, path.name
        found = json.loads(done.stdout)["results"]
        if path == clip:  # a clip is matched against videos only: there are none here
            assert found == expected["results"] == []
            continue
        assert Path(found[0]["path"]).name == "p2.jpg"  # the same picture, larger
        # The same scores as torch's (OpenVINO runs in bf16: near ties may swap places).
        scores = {hit["path"]: hit["score"] for hit in found}
        want = {hit["path"]: hit["score"] for hit in expected["results"]}
        assert scores.keys() == want.keys()
        assert np.allclose([scores[p] for p in want], list(want.values()), atol=2e-3)


def test_the_reading_commands_import_neither_gradio_nor_a_model(
    cli, library: LibraryBuilder, tmp_path: Path
):
    """list, find, facets, timeline, status and duplicates answer in well under a second:
    none of them may pull in gradio (2 s) or torch and open_clip (3 s)."""
    for n in range(3):
        smooth_image((300, 200), seed=n).save(library.path(f"p{n}.jpg"), quality=95)
    cli("index", str(library.root))
    data = str(tmp_path / "data")
    commands = [["list"], ["find", "p1"], ["facets"], ["timeline"], ["status"], ["duplicates"]]
    script = (
        "import contextlib, io, json, sys\n"
        "import launch\n"
        "codes = []\n"
        f"for command in {commands!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"        codes.append(launch.main(['--data-dir', {data!r}, *command, '--json']))\n"
        "    json.loads(out.getvalue())\n"
        "heavy = sorted({'gradio', 'torch', 'open_clip', 'chromadb'} & set(sys.modules))\n"
        "print(json.dumps({'codes': codes, 'heavy': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"codes": [0] * len(commands), "heavy": []}


def test_a_models_folder_that_cannot_hold_files_costs_time_not_the_index(
    run_cli, library: LibraryBuilder, tmp_path: Path
):
    """PICTOR_MODELS_DIR naming a file: the index runs, every photo is embedded and tagged,
    and one line says the vocabulary's vectors could not be kept; nothing else is lost."""
    for n in range(3):
        smooth_image((300, 200), seed=n).save(library.path(f"p{n}.jpg"), quality=95)
    not_a_folder = tmp_path / "models.txt"
    not_a_folder.write_text("a file, not a folder")
    data = tmp_path / "data"
    code, out, err = run_cli(
        ["--data-dir", str(data), "index", str(library.root), "--json"],
        env={"PICTOR_MODELS_DIR": str(not_a_folder)},
        separate=True,  # what a process's stderr shows (pytest captures logging in its own)
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["embeddings"]["embedded"] == 3 and summary["errors"] == []
    said = [line for line in err.splitlines() if "cannot be kept" in line]
    assert len(said) == 1 and str(not_a_folder) in said[0], err
    assert "Traceback" not in err
    assert not_a_folder.read_text() == "a file, not a folder"
    with sqlite3.connect(data / "catalog.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM subject_tagged").fetchone() == (3,)
