"""Scan benchmark: first index, unchanged re-index, and the bare walk they are judged by.

Usage (from the repository root):

    .venv/bin/python bench/scan_bench.py            # 10,000 files
    .venv/bin/python bench/scan_bench.py --large    # 100,000 files
    .venv/bin/python bench/scan_bench.py --n 2000 --json

It makes N small, real JPEG files (64x48, different pixels each, so every content id
differs) in folders of about 100 files, then measures in one run:

1. the first index (what the indexer does today: read, hash, decode, thumbnail; no
   embeddings), as files per second;
2. a re-index of the unchanged library (best of 3), which must report every file unchanged;
3. a bare recursive os.scandir walk of the same tree (no stat), and a walk that also calls
   entry.stat() on every file (best of 3 each);
4. re-index / bare walk and re-index / walk-with-stat. Target: re-index <= 3x bare walk.

The walks and re-indexes run warm (the first index leaves the tree in the page cache) and
interleaved, so noise hits them alike. Generating the files is not part of the figures.
Progress goes to stderr; the table (or with --json one JSON document) to stdout.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from indexing.library import Library  # noqa: E402
from indexing.settings import Settings  # noqa: E402

TARGET_RATIO = 3.0
FILES_PER_FOLDER = 100
FOLDERS_PER_PARENT = 50
WIDTH, HEIGHT = 64, 48
REPEATS = 3


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Generating the tree


def folder_for(index: int) -> str:
    """Two levels: about 100 files per leaf folder, 50 leaf folders per parent."""
    leaf = index // FILES_PER_FOLDER
    return os.path.join(f"group{leaf // FOLDERS_PER_PARENT:03d}", f"set{leaf:05d}")


def make_tree(root: Path, n: int, seed: int = 1234) -> float:
    """Write n distinct, valid JPEGs under root; return the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    # One big noise field; each file takes a different window of it and stamps its own
    # number into the first pixels, so no two files have the same pixels (or bytes).
    field_h, field_w = 512, 512
    noise = rng.integers(0, 256, size=(field_h, field_w, 3), dtype=np.uint8)
    # Smooth gradients make the images look less like pure noise and keep JPEGs small.
    gy, gx = np.mgrid[0:HEIGHT, 0:WIDTH]
    gradient = np.stack([gx * 4, gy * 5, (gx + gy) * 2], axis=-1).astype(np.int16)
    made_dirs: set[str] = set()
    report_every = max(n // 10, 1)
    for i in range(n):
        rel_dir = folder_for(i)
        if rel_dir not in made_dirs:
            (root / rel_dir).mkdir(parents=True, exist_ok=True)
            made_dirs.add(rel_dir)
        y = (i * 7) % (field_h - HEIGHT)
        x = (i * 13) % (field_w - WIDTH)
        window = noise[y : y + HEIGHT, x : x + WIDTH].astype(np.int16) // 2
        pixels = np.clip(window + gradient + (i % 97), 0, 255).astype(np.uint8)
        pixels[0, :4] = np.frombuffer(i.to_bytes(12, "little"), dtype=np.uint8).reshape(4, 3)
        buffer = io.BytesIO()
        Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=85)
        (root / rel_dir / f"img{i:06d}.jpg").write_bytes(buffer.getvalue())
        if (i + 1) % report_every == 0:
            note(f"  generated {i + 1:,} / {n:,} files")
    return time.perf_counter() - started


# What we time


def bare_walk(root: str) -> int:
    """Recursive os.scandir, no stat (d_type only): the floor for any scan."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    count += 1
    return count


def walk_with_stat(root: str) -> int:
    """Recursive os.scandir plus one entry.stat() per file: what change detection needs."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    info = entry.stat()
                    count += info.st_size > 0
    return count


def timed(function: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def profile_reindex(library: Library, root: str, top: int) -> None:
    """cProfile one more unchanged re-index; print the top costs to stderr."""
    profiler = cProfile.Profile()
    profiler.enable()
    library.index([root])
    profiler.disable()
    for order in ("tottime", "cumulative"):
        note(f"\n--- re-index profile, top {top} by {order} ---")
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats(order).print_stats(top)


def run(n: int, workdir: Path, profile_top: int = 0) -> dict[str, object]:
    tree = workdir / "tree"
    data = workdir / "data"
    if tree.exists() or data.exists():
        raise SystemExit(f"{workdir} already holds a tree or data folder; give an empty one")
    threads = os.cpu_count() or 2

    note(f"generating {n:,} files under {tree} ...")
    gen_seconds = make_tree(tree, n)
    note(f"  done in {gen_seconds:.1f}s")

    library = Library(Settings(data_dir=data, threads=threads, embed=False))
    root = str(tree)

    note(f"first index ({threads} threads) ...")
    first_seconds, first = timed(lambda: library.index([root]))
    if first.files_seen != n or first.new != n or first.errors:
        raise SystemExit(
            f"first index is wrong: seen={first.files_seen} new={first.new} "
            f"errors={len(first.errors)} (expected {n} new, no errors)"
        )
    with library.open_catalog() as catalog:
        distinct = catalog.conn.execute("SELECT count(*) FROM images").fetchone()[0]
    if distinct != n:
        raise SystemExit(f"expected {n} distinct contents, the catalog has {distinct}")
    note(f"  {first_seconds:.2f}s, {n / first_seconds:,.0f} files/s, {distinct:,} distinct")

    # One untimed pass of each, so the tree, the catalog and SQLite's pages are all warm.
    note("warming up ...")
    if bare_walk(root) != n or walk_with_stat(root) != n:
        raise SystemExit("the walk did not find the files just generated")
    library.index([root])

    bare_runs: list[float] = []
    stat_runs: list[float] = []
    reindex_runs: list[float] = []
    reindex_reported: list[float] = []
    for attempt in range(1, REPEATS + 1):
        seconds, count = timed(lambda: bare_walk(root))
        assert count == n, count
        bare_runs.append(seconds)
        seconds, count = timed(lambda: walk_with_stat(root))
        assert count == n, count
        stat_runs.append(seconds)
        seconds, summary = timed(lambda: library.index([root]))
        if summary.unchanged != n or summary.files_seen != n:
            raise SystemExit(
                f"re-index is wrong: seen={summary.files_seen} unchanged={summary.unchanged} "
                f"new={summary.new} changed={summary.changed} (expected {n} unchanged)"
            )
        reindex_runs.append(seconds)
        reindex_reported.append(summary.seconds)
        note(
            f"  round {attempt}: bare walk {bare_runs[-1] * 1000:.1f} ms, "
            f"walk+stat {stat_runs[-1] * 1000:.1f} ms, re-index {seconds * 1000:.1f} ms"
        )

    if profile_top:
        profile_reindex(library, root, profile_top)

    bare = min(bare_runs)
    with_stat = min(stat_runs)
    reindex = min(reindex_runs)
    ratio_bare = reindex / bare
    return {
        "n": n,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "files_per_folder": FILES_PER_FOLDER,
        "generate_seconds": round(gen_seconds, 3),
        "first_index_seconds": round(first_seconds, 3),
        "first_index_files_per_s": round(n / first_seconds, 1),
        "reindex_seconds": round(reindex, 4),
        "reindex_runs": [round(s, 4) for s in reindex_runs],
        "reindex_summary_seconds": reindex_reported,
        "bare_walk_seconds": round(bare, 4),
        "bare_walk_runs": [round(s, 4) for s in bare_runs],
        "walk_stat_seconds": round(with_stat, 4),
        "walk_stat_runs": [round(s, 4) for s in stat_runs],
        "walk_stat_over_bare_walk": round(with_stat / bare, 2),
        "reindex_over_bare_walk": round(ratio_bare, 2),
        "reindex_over_walk_stat": round(reindex / with_stat, 2),
        "target_reindex_over_bare_walk": TARGET_RATIO,
        "pass": ratio_bare <= TARGET_RATIO,
    }


def print_table(r: dict[str, object]) -> None:
    n = int(r["n"])  # type: ignore[call-overload]
    rows = [
        ("files (N)", f"{n:,}"),
        ("python", f"{r['implementation']} {r['python']}"),
        ("os.cpu_count()", str(r["cpu_count"])),
        ("indexer threads", str(r["threads"])),
        (
            "first index",
            f"{r['first_index_seconds']:.2f} s  ({r['first_index_files_per_s']:,.0f} files/s)",
        ),
        ("re-index, unchanged (best of 3)", f"{r['reindex_seconds'] * 1000:,.1f} ms"),
        ("bare walk, scandir (best of 3)", f"{r['bare_walk_seconds'] * 1000:,.1f} ms"),
        ("walk + stat (best of 3)", f"{r['walk_stat_seconds'] * 1000:,.1f} ms"),
        ("walk + stat / bare walk", f"{r['walk_stat_over_bare_walk']:.2f}x  (the stat floor)"),
        ("re-index / bare walk", f"{r['reindex_over_bare_walk']:.2f}x"),
        ("re-index / walk + stat", f"{r['reindex_over_walk_stat']:.2f}x"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    verdict = "PASS" if r["pass"] else "FAIL"
    print(
        f"{verdict}: re-index is {r['reindex_over_bare_walk']:.2f}x the bare walk "
        f"(target <= {TARGET_RATIO:g}x)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="files to make (default 10000)")
    parser.add_argument("--large", action="store_true", help="100,000 files (overrides --n)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where to make the tree and data dir (kept); default a temp dir, deleted after",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="TOP",
        help="after timing, cProfile one more re-index and print the top TOP (25) to stderr",
    )
    args = parser.parse_args(argv)
    n = 100_000 if args.large else args.n
    if n < 1:
        parser.error("--n must be at least 1")

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(n, args.workdir.resolve(), args.profile)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="pictor-scan-bench-"))
        try:
            result = run(n, workdir, args.profile)
        finally:
            note(f"removing {workdir} ...")
            shutil.rmtree(workdir, ignore_errors=True)

    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
