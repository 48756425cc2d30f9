"""Cold searches: `launch.py search … --json` in a fresh process, as a user runs it once.

    PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/cold_search_bench.py [--images 50]

A small library (generated photos, and one short video) is indexed once with the default
architecture and backend (the export is made then, outside the clock). Then each query
runs RUNS times, each in a new Python process, timed from the start of the process to its
exit:
- a text query (the exported text tower alone, without torch);
- an image query, a picture not in the library (so it is embedded, not looked up): now
  (the exported image tower alone, PIL and numpy preprocessing, without torch) and before
  (the same export, with the stamp's image entry taken out, so the process loads the whole
  model as Pictor did before; the entry is taken out again before each run, since that
  load writes it back);
- a clip query (a short video: its frames embedded, matched against the library's video),
  now and before.
Before and now alternate run by run, so the shared machine's noise falls on both alike.
Each run's CPU time (user + system, from the child's rusage) is reported beside its wall
time: on a machine other work shares, it is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from video_bench import make_video  # noqa: E402  (beside this script)

RUNS = 5


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Smooth colour fields with a few shapes: photo-like, different for every seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width] / max(size)
    channels = [np.sin(x * rng.uniform(1, 9) + y * rng.uniform(1, 9) + rng.uniform(0, 6))
                for _ in range(3)]  # fmt: skip
    pixels = (np.stack(channels, axis=-1) * 110 + 128).clip(0, 255)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def launch(data: Path, *args: str, env: dict[str, str] | None = None) -> tuple[float, float, dict]:
    """Seconds from a fresh process's start to its exit, its CPU seconds, its JSON answer."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, str(REPO / "launch.py"), "--data-dir", str(data), *args, "--json"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **(env or {})},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"launch.py {' '.join(args)} failed: {done.stderr.strip()[-800:]}")
    return seconds, cpu, json.loads(done.stdout)


def forget_image_entry(data: Path) -> None:
    """The export's stamp as before this change: no image entry, so images load the model."""
    for stamp in (data / "models").rglob("export.json"):
        fields = json.loads(stamp.read_text())
        fields.pop("image_pixels", None)
        stamp.write_text(json.dumps(fields))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--data", type=Path, help="keep the library and its index here, reuse them")
    args = parser.parse_args()
    if os.environ.get("PICTOR_CLIP_PRETRAINED") is None:
        raise SystemExit("set PICTOR_CLIP_PRETRAINED=random (or to real weights)")
    with tempfile.TemporaryDirectory(prefix="pictor-cold-bench-") as tmp:
        work = args.data or Path(tmp)
        library, data = work / "library", work / "data"
        query, clip = work / "query.jpg", work / "query-clip.mp4"
        if not (data / "catalog.sqlite3").exists():
            library.mkdir(parents=True, exist_ok=True)
            for n in range(args.images):
                photo(n).save(library / f"photo-{n:03d}.jpg", quality=90)
            make_video(library / "clip-source.mp4", 20, (480, 270), 15, seed=5)
            photo(7, (800, 533)).save(query, quality=85)  # photo 7, another size, encoding
            make_video(clip, 4, (320, 180), 15, seed=5)  # the indexed video's scenes
            started = time.perf_counter()
            launch(data, "index", str(library))
            print(f"indexed {args.images} photos and a 20 s video (export included) in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
        launch(data, "search", "--image", str(query))  # the stamp gains its image entry
        times: dict[str, list[float]] = {}
        cpus: dict[str, list[float]] = {}
        tops: dict[str, str] = {}
        cases = [
            ("text", ["a red square"], False),
            ("image, now", ["--image", str(query)], False),
            ("image, before", ["--image", str(query)], True),
            ("clip, now", ["--image", str(clip)], False),
            ("clip, before", ["--image", str(clip)], True),
        ]
        for _ in range(args.runs):
            for name, query_args, before in cases:
                if before:
                    forget_image_entry(data)
                seconds, cpu, answer = launch(data, "search", *query_args)
                times.setdefault(name, []).append(seconds)
                cpus.setdefault(name, []).append(cpu)
                results = answer.get("results") or [{}]
                tops[name] = Path(results[0].get("path", "-")).name
    names = [line for line in Path("/proc/cpuinfo").read_text().splitlines()
             if line.startswith("model name")]  # fmt: skip
    cpu = names[0].split(":", 1)[1].strip() if names else "?"
    load = os.getloadavg()[0]
    print(f"| cold `launch.py search … --json`, {args.images} photos + 1 video, ViT-B-32, "
          f"{os.cpu_count()} cores ({cpu}), load {load:.1f} after | wall, median | "
          f"min–max of {args.runs} | CPU, median | top hit |")  # fmt: skip
    print("|---|---:|---|---:|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f}–"
              f"{max(values):.2f} s | {statistics.median(cpus[name]):.2f} s | "
              f"{tops[name]} |")  # fmt: skip
    for kind in ("image", "clip"):
        wall = [statistics.median(times[f"{kind}, {w}"]) for w in ("before", "now")]
        used = [statistics.median(cpus[f"{kind}, {w}"]) for w in ("before", "now")]
        print(f"{kind}: before / now = {wall[0] / wall[1]:.1f}x wall, "
              f"{used[0] / used[1]:.1f}x CPU")  # fmt: skip
    print("command: PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/cold_search_bench.py")


if __name__ == "__main__":
    main()
