"""CPU backends for CLIP, in one run: speed, load time and agreement with torch fp32.

    PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/backend_bench.py [--model ViT-B-32]

For each backend: the image tower's rate at batch 32 (images/s, on preprocessed tensors),
the text tower's time for one query (ms, p50), the load time (building the model and its
runtime in this process; the ONNX export, once per model, is reported apart), and the
lowest cosine similarity to torch fp32 over 256 photo-like images and 64 texts.

- torch fp32: the reference;
- torch int8: `quantize_dynamic` of the vision tower's Linear layers (PICTOR_CLIP_INT8);
- onnx fp32: ONNX Runtime on the exported towers (PICTOR_BACKEND=onnx; the default on a CPU);
- onnx int8: the exported towers with ONNX Runtime's dynamic int8 quantisation;
- openvino: OpenVINO on the same exported files, at its own precision (bf16 on a CPU with
  bf16 units): PICTOR_BACKEND=openvino, the default on a CPU; openvino f32: forced to fp32.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexing.models import onnx_export
from indexing.models.clip import ClipEmbedder
from tests.library_builder import smooth_image

WORDS = tuple(
    [
        "a",
        "photo",
        "of",
        "the",
        "beach",
        "at",
        "sunset",
        "with",
        "two",
        "dogs",
        "running",
        "near",
        "red",
        "boats",
        "and",
        "a",
        "city",
    ]
)


def texts(count: int) -> list[str]:
    rng = np.random.default_rng(3)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 12)))) for _ in range(count)]


def image_rate(embed, batch: np.ndarray, rounds: int) -> float:
    embed(batch)  # warm-up
    started = time.perf_counter()
    for _ in range(rounds):
        embed(batch)
    return len(batch) * rounds / (time.perf_counter() - started)


def text_ms(embed, queries: list[str]) -> float:
    embed(queries[:1])
    times = []
    for query in queries[:20]:
        started = time.perf_counter()
        embed([query])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def lowest_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.environ.get("PICTOR_CLIP_MODEL", "ViT-B-32"))
    parser.add_argument("--pretrained", default=os.environ.get("PICTOR_CLIP_PRETRAINED", "random"))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=3, help="batches of 32 timed per backend")
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--model-config", default=os.environ.get("PICTOR_CLIP_MODEL_CONFIG"))
    args = parser.parse_args()
    import torch

    cache = Path(tempfile.mkdtemp(prefix="pictor-backend-bench-"))
    common = {"threads": args.threads, "model_config": args.model_config, "cache_dir": cache}

    def embedder(**options) -> tuple[ClipEmbedder, float]:
        started = time.perf_counter()
        made = ClipEmbedder(args.model, args.pretrained, **common, **options).load()
        return made, time.perf_counter() - started

    reference, reference_load = embedder(backend="torch")
    photos = [smooth_image((400, 300), seed=n) for n in range(args.images)]
    pixels = torch.stack([reference.preprocess(photo) for photo in photos])
    batch = pixels[:32]
    queries = texts(64)
    want_images = reference.embed_tensors(pixels)
    want_texts = reference.embed_texts(queries)

    rows = []

    def measure(name: str, image, text, load_s: float, note: str = "") -> None:
        rate = image_rate(image, batch, args.rounds)
        rows.append(
            (name, rate, text_ms(text, queries), load_s,
             lowest_cosine(want_images, np.concatenate([image(pixels[i : i + 32])
                                                        for i in range(0, len(pixels), 32)])),
             lowest_cosine(want_texts, text(queries)), note)
        )  # fmt: skip
        print(f"  {name}: {rate:.1f} images/s", file=sys.stderr, flush=True)

    measure("torch fp32", reference.embed_tensors, reference.embed_texts, reference_load)
    int8, int8_load = embedder(backend="torch", int8=True)
    measure("torch int8", int8.embed_tensors, int8.embed_texts, int8_load)
    del int8

    started = time.perf_counter()
    fast, _ = embedder(backend="onnx")  # exports (first use of this model)
    export_s = time.perf_counter() - started
    del fast
    fast, fast_load = embedder(backend="onnx")  # from the cache
    assert fast.backend == "onnx", fast.backend_note
    measure(
        "onnx fp32", fast.embed_tensors, fast.embed_texts, fast_load, f"export {export_s:.0f} s"
    )
    del fast

    folder = onnx_export.folder_for(cache, reference.model_id)
    quantised = quantise(folder)
    started = time.perf_counter()
    towers = onnx_export.open_towers(quantised, "onnx", args.threads)
    q_load = time.perf_counter() - started + reference_load  # the model, then the sessions
    measure("onnx int8", *tower_calls(reference, towers), q_load)
    del towers

    for name, precision in (("openvino", None), ("openvino f32", "f32")):
        try:
            started = time.perf_counter()
            towers = onnx_export.open_towers(folder, "openvino", args.threads, precision)
            ov_load = time.perf_counter() - started + reference_load
            note = "its own precision: bf16 where the CPU has bf16 units" if not precision else ""
            measure(name, *tower_calls(reference, towers), ov_load, note)
            del towers
        except onnx_export.BackendUnavailable as exc:
            rows.append((name, None, None, None, None, None, str(exc)))

    print(f"{args.model} ({args.pretrained} weights), {args.threads} threads, batch 32, "
          f"{args.images} images, {len(queries)} texts")  # fmt: skip
    print("| backend | images/s | × torch fp32 | text query | load | lowest cosine (images, "
          "texts) | |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|---|")
    base = rows[0][1]
    for name, rate, text, load, cos_i, cos_t, note in rows:
        if rate is None:
            print(f"| {name} | – | – | – | – | – | {note} |")
            continue
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}× | {text:.1f} ms | {load:.1f} s | "
              f"{cos_i:.5f}, {cos_t:.5f} | {note} |")  # fmt: skip
    print("command: PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/backend_bench.py")


def quantise(folder: Path) -> Path:
    """The exported towers with ONNX Runtime's dynamic int8 quantisation (weights int8)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = folder.with_name(folder.name + "-int8")
    out.mkdir(exist_ok=True)
    for name in ("image", "text"):
        quantize_dynamic(str(folder / f"{name}.onnx"), str(out / f"{name}.onnx"),
                         weight_type=QuantType.QInt8)  # fmt: skip
    return out


def tower_calls(reference: ClipEmbedder, towers: onnx_export.Towers):
    from indexing.models.clip import normalise

    def image(batch) -> np.ndarray:
        return normalise(towers.encode_image(batch.numpy()))

    def text(queries: list[str]) -> np.ndarray:
        return normalise(towers.encode_text(reference._tokenizer(queries).numpy()))

    return image, text


if __name__ == "__main__":
    main()
