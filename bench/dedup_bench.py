"""Duplicate-finding benchmark: planted near-duplicates, per transform, against two peers.

Usage (from the repository root):

    .venv/bin/python bench/dedup_bench.py                        # generated photo-like images
    .venv/bin/python bench/dedup_bench.py --photos ~/Pictures/some-folder --originals 300
    .venv/bin/python bench/dedup_bench.py --imagededup-python /tmp/imagededup-venv/bin/python
    .venv/bin/python bench/dedup_bench.py --scale 100000 1000000 --skip-planted

Planted run. Each original (from --photos, else generated: smooth colour fields with
shapes, texture and noise, some dark and nearly flat to stress precision) gets six planted
copies: resized to 50 %, re-saved at JPEG quality 30, brightened 15 % (saved as PNG),
rotated 90 degrees, mirrored (WebP), and a 10 % crop. The originals are each other's
unrelated images. For each method the script counts, over every pair of files, the pairs it
puts together: recall per transform (original with its copy), precision over all pairs it
reports, F1 over the five near transforms (the crop is reported apart: it belongs to the
similar tier), time and peak RSS. Methods, on the same files:
- Pictor: `Library.index` (read, content hash, decode, EXIF, thumbnail, hashes) plus the
  near tier's grouping, in a child process (so its RSS is its own);
- findimagedupes (Debian package), if installed: its own hashing plus search;
- imagededup's PHash (max distance 10), if --imagededup-python names a venv that has it;
- imagehash's classic pHash (upright only, at most 10 bits), in-process, as the textbook
  baseline: the same hash without orientations, compared all against all.

Scale mode (--scale N...): grouping alone on synthetic data, each tier in a child
process: near (uniform random 64-bit hashes in 8 orientations, with planted near pairs),
similar (clustered unit 512-d vectors in a memory map, with planted near copies), clusters.
Targets: 100,000 images in <= 60 s with <= 2 GB RSS; 1,000,000 in <= 10 min.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

NEAR = ("resize", "jpeg30", "bright", "rot90", "mirror")
TRANSFORMS = (*NEAR, "crop")


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM). ru_maxrss would not do: on Linux a
    child inherits its parent's peak across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The planted library


def generated_photo(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(3, 10)), int(rng.integers(3, 10)), 3)
    palette = rng.integers(0, 256, shape, dtype=np.uint8)
    if seed % 10 == 0:  # dark, nearly flat scenes: the hard case for precision
        palette = (palette // 8).astype(np.uint8)
    image = Image.fromarray(palette).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 8))):
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        w, h = int(rng.integers(20, 300)), int(rng.integers(20, 300))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x, y, x + w, y + h], fill=colour)
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0, rng.uniform(1, 10), pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def originals(photos: Path | None, count: int) -> list[Image.Image]:
    if photos is None:
        return [generated_photo(seed) for seed in range(count)]
    found = sorted(
        p for p in photos.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")
    )
    images = []
    for path in found[:count]:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((1600, 1600))
            images.append(image)
    return images


def plant(folder: Path, images: list[Image.Image]) -> dict[str, tuple[int, str]]:
    """Write originals and copies; return file name -> (original number, transform)."""
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, tuple[int, str]] = {}

    def save(image: Image.Image, name: str, number: int, kind: str, **options) -> None:
        image.save(folder / name, **options)
        truth[name] = (number, kind)

    for n, image in enumerate(images):
        save(image, f"{n:04d}_original.jpg", n, "original", quality=92)
        save(image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS),
             f"{n:04d}_resize.jpg", n, "resize", quality=90)  # fmt: skip
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=30)
        (folder / f"{n:04d}_jpeg30.jpg").write_bytes(buffer.getvalue())
        truth[f"{n:04d}_jpeg30.jpg"] = (n, "jpeg30")
        save(ImageEnhance.Brightness(image).enhance(1.15), f"{n:04d}_bright.png", n, "bright")
        save(
            image.transpose(Image.Transpose.ROTATE_90), f"{n:04d}_rot90.jpg", n, "rot90", quality=92
        )
        save(ImageOps.mirror(image), f"{n:04d}_mirror.webp", n, "mirror", quality=90)
        w, h = image.size
        crop = image.crop((w // 20, h // 20, w - w // 20, h - h // 20))
        save(crop, f"{n:04d}_crop.jpg", n, "crop", quality=92)
    return truth


def score(groups: list[list[str]], truth: dict[str, tuple[int, str]]) -> dict:
    """Pair precision and per-transform recall of a grouping of file names."""
    predicted = {tuple(sorted(p)) for g in groups for p in combinations(sorted(set(g)), 2)}
    per = {}
    for kind in TRANSFORMS:
        wanted = {
            tuple(sorted((f"{n:04d}_original.jpg", name)))
            for name, (n, k) in truth.items()
            if k == kind
        }
        per[kind] = len(wanted & predicted) / len(wanted) if wanted else float("nan")
    same = {p for p in predicted if truth.get(p[0], (-1,))[0] == truth.get(p[1], (-2,))[0]}
    near_pairs = {p for p in same if "crop" not in p[0] and "crop" not in p[1]}
    crop_pairs = same - near_pairs
    precision = (len(near_pairs) + len(crop_pairs)) / len(predicted) if predicted else 1.0
    recall = float(np.mean([per[k] for k in NEAR]))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "per_transform": per}


# Methods


def pictor_run(folder: str, data: str, out: multiprocessing.Queue) -> None:
    from indexing.library import Library
    from indexing.query.duplicates import all_groups
    from indexing.settings import Settings

    started = time.perf_counter()
    library = Library(Settings(data_dir=data, embed=False, threads=2))
    library.index([folder])
    indexed = time.perf_counter()
    groups = [
        [Path(p).name for m in g.members for p in m.paths] for g in all_groups(library, "near")
    ]
    done = time.perf_counter()
    rss = peak_rss_mb()
    out.put({"groups": groups, "seconds": done - started, "index_s": indexed - started,
             "group_s": done - indexed, "rss_mb": rss})  # fmt: skip


def in_child(target, *args) -> dict:
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def findimagedupes(folder: Path) -> dict | None:
    if shutil.which("findimagedupes") is None:
        note("findimagedupes is not installed (apt-get install findimagedupes): skipped")
        return None
    started = time.perf_counter()
    done = measured(["findimagedupes", "-R", "-t", "90%", str(folder)])
    seconds = time.perf_counter() - started
    # One group per line, paths separated by spaces (the planted names have none).
    groups = [[Path(p).name for p in line.split()] for line in done["stdout"].splitlines()]
    return {"groups": groups, "seconds": seconds, "rss_mb": done["rss_mb"]}


def measured(command: list[str]) -> dict:
    """Run a command; its peak RSS is read from its own VmHWM (a high-water mark) until it
    exits, since a child's ru_maxrss would include this process's own peak."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    status = Path(f"/proc/{process.pid}/status")
    peak = 0.0
    chunks: list[str] = []
    while process.poll() is None:
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
            peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, StopIteration):
            pass
        try:
            chunks.append(process.communicate(timeout=0.05)[0])
        except subprocess.TimeoutExpired:
            continue
    rest = process.stdout.read() if process.stdout and not process.stdout.closed else ""
    return {"stdout": "".join(c for c in chunks if c) + (rest or ""), "rss_mb": peak}


IMAGEDEDUP = """
import json, sys, time
from imagededup.methods import PHash
started = time.perf_counter()
hasher = PHash(verbose=False)
encodings = hasher.encode_images(image_dir=sys.argv[1])
found = hasher.find_duplicates(encoding_map=encodings, max_distance_threshold=10)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"found": found, "seconds": time.perf_counter() - started,
                  "rss_mb": int(hwm) / 1024}))
"""


def imagededup(folder: Path, python: str | None) -> dict | None:
    if not python or not Path(python).exists():
        note("imagededup: no --imagededup-python given (a venv with imagededup): skipped")
        return None
    done = subprocess.run([python, "-c", IMAGEDEDUP, str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        note(f"imagededup failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    groups = [[name, *others] for name, others in result["found"].items() if others]
    return {"groups": groups, "seconds": result["seconds"], "rss_mb": result["rss_mb"]}


def imagehash_run(folder: str, out: multiprocessing.Queue) -> None:
    """Classic median pHash of every file (imagehash), all pairs within 10 bits, union-find."""
    import imagehash

    from indexing.dedup.unionfind import components, groups_from_labels

    started = time.perf_counter()
    names = sorted(p.name for p in Path(folder).iterdir())
    hashes = []
    for name in names:
        with Image.open(Path(folder) / name) as image:
            hashes.append(int(str(imagehash.phash(image.convert("L"))), 16))
    words = np.array(hashes, dtype=np.uint64)
    a, b = [], []
    for row in range(len(names) - 1):
        close = np.flatnonzero(np.bitwise_count(words[row + 1 :] ^ words[row]) <= 10) + row + 1
        a += [row] * len(close)
        b += close.tolist()
    labels = components(len(names), np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    groups = [[names[r] for r in rows] for rows in groups_from_labels(labels)]
    out.put({"groups": groups, "seconds": time.perf_counter() - started, "rss_mb": peak_rss_mb()})


def planted_run(args: argparse.Namespace, work: Path) -> None:
    folder = work / "planted"
    images = originals(args.photos, args.originals)
    note(f"planting {len(images)} originals x {len(TRANSFORMS)} transforms in {folder} …")
    truth = plant(folder, images)
    results = {"Pictor (near tier)": in_child(pictor_run, str(folder), str(work / "data"))}
    peers = {
        "findimagedupes": lambda: findimagedupes(folder),
        "imagededup PHash": lambda: imagededup(folder, args.imagededup_python),
        "imagehash pHash (upright)": lambda: in_child(imagehash_run, str(folder)),
    }
    for name, run in peers.items():
        found = run()
        if found is not None:
            results[name] = found
    header = (
        "| method | precision | recall (5 near) | F1 | "
        + " | ".join(TRANSFORMS)
        + " | time | peak RSS |"
    )
    print(f"\n{len(images)} originals, {len(truth)} files\n")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, found in results.items():
        s = score(found["groups"], truth)
        per = " | ".join(f"{s['per_transform'][k]:.3f}" for k in TRANSFORMS)
        print(f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {per} | "
              f"{found['seconds']:.1f} s | {found['rss_mb']:.0f} MB |", flush=True)  # fmt: skip
    ours = results["Pictor (near tier)"]
    print(f"\nPictor: index {ours['index_s']:.1f} s + grouping {ours['group_s']:.2f} s")


# Scale mode


def scale_near(n: int, out: multiprocessing.Queue) -> None:
    from indexing.dedup.groups import groups_from_pairs
    from indexing.dedup.near import NearIndex, pairs_among

    rng = np.random.default_rng(1)
    phash = rng.integers(0, 2**63, size=(n, 8), dtype=np.uint64) * np.uint64(2) + rng.integers(
        0, 2, size=(n, 8), dtype=np.uint64
    )
    dhash = rng.integers(0, 2**63, size=(n, 8), dtype=np.uint64)
    planted = n // 100
    for i in range(0, 2 * planted, 2):  # 1 % of images have a near copy, up to 8 bits off
        flips = sum(1 << int(b) for b in rng.choice(64, int(rng.integers(0, 9)), replace=False))
        t = int(rng.integers(0, 8))
        phash[i + 1, t], dhash[i + 1, t] = phash[i, 0] ^ np.uint64(flips), dhash[i, 0]
    started = time.perf_counter()
    pairs = pairs_among(NearIndex(phash, dhash))
    groups = groups_from_pairs(n, pairs.a, pairs.b)
    seconds = time.perf_counter() - started
    found = sum(
        1
        for a, b in zip(pairs.a, pairs.b, strict=True)
        if a % 2 == 0 and b == a + 1 and a < 2 * planted
    )
    out.put({"seconds": seconds, "groups": len(groups), "recall": found / planted,
             "rss_mb": peak_rss_mb()})  # fmt: skip


def _vectors(n: int, path: Path) -> np.memmap:
    rng = np.random.default_rng(2)
    topics = rng.normal(size=(200, 512)).astype(np.float32)
    matrix = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 512))
    for start in range(0, n, 50_000):
        rows = min(50_000, n - start)
        block = topics[rng.integers(0, 200, rows)] + rng.normal(scale=1.2, size=(rows, 512)).astype(
            np.float32
        )
        copies = np.arange(0, rows - 1, 100)
        block[copies + 1] = block[copies] + rng.normal(scale=0.1, size=(len(copies), 512)).astype(
            np.float32
        )
        matrix[start : start + rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    matrix.flush()
    return np.load(path, mmap_mode="r")


def scale_vectors(n: int, path: str, tier: str, out: multiprocessing.Queue) -> None:
    from indexing.dedup.clusters import cluster
    from indexing.dedup.groups import SIMILAR_CAP, groups_from_pairs
    from indexing.dedup.similar import similar_pairs

    matrix = np.load(path, mmap_mode="r")
    started = time.perf_counter()
    if tier == "similar":
        pairs = similar_pairs(matrix, 0.9)
        count = len(groups_from_pairs(n, pairs.a, pairs.b, pairs.similarity, SIMILAR_CAP))
    else:
        count = len(cluster(matrix).centroids)
    out.put({"seconds": time.perf_counter() - started, "groups": count,
             "rss_mb": peak_rss_mb()})  # fmt: skip


def scale_run(sizes: list[int], work: Path) -> None:
    print("\n| images | tier | grouping time | groups | peak RSS | note |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        near = in_child(scale_near, n)
        print(f"| {n:,} | near | {near['seconds']:.1f} s | {near['groups']:,} | "
              f"{near['rss_mb']:.0f} MB | planted pairs found: {near['recall']:.3f} |",
              flush=True)  # fmt: skip
        path = work / f"vectors-{n}.npy"
        if not path.exists():
            note(f"writing {n:,} synthetic vectors …")
            _vectors(n, path)
        for tier in ("similar", "clusters"):
            result = in_child(scale_vectors, n, str(path), tier)
            print(f"| {n:,} | {tier} | {result['seconds']:.1f} s | {result['groups']:,} | "
                  f"{result['rss_mb']:.0f} MB | vectors memory-mapped |", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=Path, help="a folder of photos to plant copies of")
    parser.add_argument("--originals", type=int, default=300)
    parser.add_argument("--imagededup-python", help="python of a venv with imagededup installed")
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="e.g. 100000 1000000")
    parser.add_argument("--skip-planted", action="store_true")
    parser.add_argument("--work", type=Path, help="keep files here (default: a temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="pictor-dedup-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PICTOR_EMBED", "false")
    if not args.skip_planted:
        planted_run(args, work)
    if args.scale:
        scale_run(args.scale, work)


if __name__ == "__main__":
    main()
