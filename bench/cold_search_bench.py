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
"""

from __future__ import annotations

import argparse
import json
import os
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


def launch(data: Path, *args: str, env: dict[str, str] | None = None) -> tuple[float, dict]:
    """Seconds from a fresh process's start to its exit, and its JSON answer."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(REPO / "launch.py"), "--data-dir", str(data), *args, "--json"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **(env or {})},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"launch.py {' '.join(args)} failed: {done.stderr.strip()[-800:]}")
    return seconds, json.loads(done.stdout)


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
    args = parser.parse_args()
    if os.environ.get("PICTOR_CLIP_PRETRAINED") is None:
        raise SystemExit("set PICTOR_CLIP_PRETRAINED=random (or to real weights)")
    with tempfile.TemporaryDirectory(prefix="pictor-cold-bench-") as tmp:
        work = Path(tmp)
        library, data = work / "library", work / "data"
        library.mkdir()
        for n in range(args.images):
            photo(n).save(library / f"photo-{n:03d}.jpg", quality=90)
        make_video(library / "clip-source.mp4", 20, (480, 270), 15, seed=5)
        query = work / "query.jpg"
        photo(7, (800, 533)).save(query, quality=85)  # photo 7, another size and encoding
        clip = work / "query-clip.mp4"
        make_video(clip, 4, (320, 180), 15, seed=5)  # the same scenes as the indexed video
        started = time.perf_counter()
        launch(data, "index", str(library))
        print(f"indexed {args.images} photos and a 20 s video (export included) in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
        launch(data, "search", "--image", str(query))  # the stamp gains its image entry
        times: dict[str, list[float]] = {}
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
                seconds, answer = launch(data, "search", *query_args)
                times.setdefault(name, []).append(seconds)
                results = answer.get("results") or [{}]
                tops[name] = Path(results[0].get("path", "-")).name
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model")), "?")
    print(
        f"| cold `launch.py search … --json`, {args.images} photos + 1 video, ViT-B-32, "
        f"{os.cpu_count()} cores ({cpu}) | median | min–max of {args.runs} | top hit |"
    )
    print("|---|---:|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f}–"
              f"{max(values):.2f} s | {tops[name]} |")  # fmt: skip
    for kind in ("image", "clip"):
        before, now = (statistics.median(times[f"{kind}, {w}"]) for w in ("before", "now"))
        print(f"{kind}: before / now = {before / now:.1f}x")
    print("command: PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/cold_search_bench.py")


if __name__ == "__main__":
    main()
