"""End-to-end indexing throughput against bare CLIP throughput, in one run.

    PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/index_bench.py [--n 300] [--int8]

(a) bare model: encode_image on already-preprocessed tensors, images/s, with the default
    backend (PICTOR_BACKEND; OpenVINO on a CPU) and with torch fp32, the reference;
(b) the whole pipeline on new photo-like JPEGs with the default backend: read, hash,
    metadata, decode, pHash, thumbnail, preprocess, embed, store in ChromaDB and the
    catalog, images/s;
the ratios b/a (same backend) and b/(torch fp32 a), and peak RSS. Also the CPU each photo
costs outside the model (the pipeline's own worker: read, hash, metadata, decode,
thumbnail, pHash/dHash, preprocess; one thread, over 32 of the photos), and from it the
ceiling of b/a on this machine: with every core busy, the model's share of the CPU,
(cores / a) / (cores / a + outside). With --int8 it also
measures torch's dynamic-int8 vision tower: its pipeline rate against the fp32 bare rate,
and its cosine similarity to fp32 vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexing.ingest.analyse import Analysed, FileAnalyser, KnownContent
from indexing.ingest.decode import decode, flatten
from indexing.library import Library
from indexing.models.clip import ClipEmbedder
from indexing.records import FileStat
from indexing.settings import Settings
from indexing.store.catalog import Catalog
from indexing.store.thumbnails import ThumbnailStore


def make_photos(folder: Path, count: int, width: int, height: int) -> None:
    """Photo-like JPEGs: smooth gradients plus noise, so they compress like real photos."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    small = (rng.random((height // 50, width // 50, 3)) * 255).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC))
    for index in range(count):
        noise = rng.integers(-12, 13, size=(height, width, 1), dtype=np.int16)
        shifted = np.roll(base, shift=index * 37, axis=1).astype(np.int16) + noise
        pixels = np.clip(shifted, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"photo_{index:05d}.jpg", quality=90)


def bare_rate(embedder: ClipEmbedder, batch_size: int, batches: int) -> float:
    import torch

    batch = torch.randn(batch_size, 3, embedder.input_size, embedder.input_size)
    embedder.embed_tensors(batch)  # warm-up
    started = time.perf_counter()
    for _ in range(batches):
        embedder.embed_tensors(batch)
    return batch_size * batches / (time.perf_counter() - started)


def outside_model_ms(
    embedder: ClipEmbedder, settings: Settings, photos: Path, thumbs: Path
) -> float:
    """CPU ms per photo of what a worker does besides the model (the pipeline's own
    FileAnalyser: read, hash, metadata, decode, thumbnail, pHash/dHash, preprocess), in one
    thread, over 32 of the photos. Its thumbnails go to a folder of their own."""
    with Catalog(settings.catalog_path):  # made (empty) if new: every photo decodes
        known = KnownContent(settings.catalog_path)
    analyse = FileAnalyser(
        known,
        ThumbnailStore(thumbs, settings.thumb_size),
        min_side=embedder.input_size,
        long_side=settings.thumb_size,
        max_pixels=settings.max_image_pixels,
        preprocess=lambda pixels: embedder.preprocess(flatten(pixels)),
    )
    files = sorted(photos.iterdir())[:32]
    started = time.thread_time()
    try:
        for path in files:
            stat = path.stat()
            outcome = analyse(FileStat(str(path), stat.st_size, stat.st_mtime_ns))
            assert isinstance(outcome, Analysed) and outcome.tensor is not None, outcome
    finally:
        known.close()
    return 1000 * (time.thread_time() - started) / len(files)


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """A progress callback that notes RSS a third of the way in, to see if memory grows."""

    def __init__(self) -> None:
        self.at_third: float | None = None

    def __call__(self, progress) -> None:
        started = progress.stage == "index" and progress.total and self.at_third is None
        if started and progress.done >= progress.total / 3:
            self.at_third = current_rss_mb()


def pipeline_rate(settings: Settings, photos: Path) -> tuple[float, float]:
    """Images/s of a first index, and RSS growth (MB) over its last two thirds."""
    library = Library(settings)
    # Not part of throughput: the model's load, and the subject vocabulary's vectors (about
    # 3,000 texts through the text tower, once per model and data folder).
    library.subject_model()
    sampler = RssSampler()
    started = time.perf_counter()
    summary = library.index([str(photos)], sampler)
    seconds = time.perf_counter() - started
    growth = current_rss_mb() - (sampler.at_third or current_rss_mb())
    assert summary.new == len(list(photos.iterdir())), summary.as_dict()
    assert summary.embeddings is not None and summary.embeddings.embedded == summary.new, (
        summary.as_dict()
    )
    return summary.new / seconds, growth


def cosine_to_fp32(settings: Settings, photos: Path) -> float:
    fp32 = ClipEmbedder(settings.clip_model, settings.clip_pretrained, threads=settings.threads)
    int8 = ClipEmbedder(
        settings.clip_model, settings.clip_pretrained, threads=settings.threads, int8=True
    )
    images = [
        flatten(decode(p.read_bytes(), min_side=320, max_pixels=10**9).pixels)
        for p in sorted(photos.iterdir())[:32]
    ]
    a, b = fp32.embed_images(images), int8.embed_images(images)
    return float(np.min(np.sum(a * b, axis=1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--width", type=int, default=3000)
    parser.add_argument("--height", type=int, default=2000)
    parser.add_argument("--int8", action="store_true", help="also measure the int8 CPU path")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)  # child: write photos
    args = parser.parse_args()
    if args.make:
        make_photos(args.make, args.n, args.width, args.height)
        return
    os.environ.setdefault("PICTOR_CLIP_PRETRAINED", "random")
    work = Path(tempfile.mkdtemp(prefix="pictor-index-bench-"))
    try:
        photos = work / "photos"
        print(f"making {args.n} JPEGs of {args.width}x{args.height}…", file=sys.stderr)
        # In a child process, so that making the photos does not count in our peak RSS.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--make",
                str(photos),
                "--n",
                str(args.n),
                "--width",
                str(args.width),
                "--height",
                str(args.height),
            ],
            check=True,
        )
        settings = Settings(data_dir=work / "data")
        embedder = Library(settings).embedder().load()  # the same model the pipeline uses
        batches = max(2, args.n // settings.batch_size // 2)
        a = bare_rate(embedder, settings.batch_size, batches)
        reference = ClipEmbedder(settings.clip_model, settings.clip_pretrained,
                                 threads=settings.threads, backend="torch").load()  # fmt: skip
        a_torch = bare_rate(reference, settings.batch_size, batches)
        del reference
        outside = outside_model_ms(embedder, settings, photos, work / "thumbs")
        b, growth = pipeline_rate(settings, photos)
        model_ms = 1000 * settings.threads / a  # CPU ms per image with every thread busy
        figures = {
            "model": embedder.model_id,
            "device": embedder.device,
            "backend": embedder.runs_on,
            "n": args.n,
            "size": f"{args.width}x{args.height}",
            "threads": settings.threads,
            "cpus": os.cpu_count(),
            "bare_images_per_s": round(a, 2),
            "pipeline_images_per_s": round(b, 2),
            "ratio_b_over_a": round(b / a, 3),
            "torch_fp32_bare_images_per_s": round(a_torch, 2),
            "pipeline_over_torch_fp32_bare": round(b / a_torch, 3),
            "model_cpu_ms_per_image": round(model_ms, 1),
            "outside_model_cpu_ms_per_photo": round(outside, 1),
            "ceiling_b_over_a": round(model_ms / (model_ms + outside), 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_growth_last_two_thirds_mb": round(growth),
        }
        if args.int8:
            int8_settings = Settings(data_dir=work / "data-int8", clip_int8=True)
            b8, _ = pipeline_rate(int8_settings, photos)
            figures["int8_pipeline_images_per_s"] = round(b8, 2)
            figures["int8_pipeline_over_fp32_bare"] = round(b8 / a, 3)
            figures["int8_min_cosine_to_fp32"] = round(cosine_to_fp32(settings, photos), 4)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:32} {value}")
        verdict = "PASS" if figures["ratio_b_over_a"] >= 0.85 else "FAIL"
        print(f"target b/a >= 0.85: {verdict}")
        verdict = "PASS" if figures["pipeline_over_torch_fp32_bare"] >= 1.4 else "FAIL"
        print(f"target b >= 1.4x torch fp32 bare: {verdict}")
        if args.int8:
            ok = (
                figures["int8_pipeline_over_fp32_bare"] >= 1.4
                and figures["int8_min_cosine_to_fp32"] >= 0.99
            )
            print(f"target int8 b >= 1.4x fp32 bare, cosine >= 0.99: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
