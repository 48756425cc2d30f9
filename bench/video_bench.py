"""Videos: indexing throughput, and finding a video (and the moment) from a screenshot.

    PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/video_bench.py [--minutes 10]
    (--minutes 0: the accuracy part only)

(1) Throughput: a generated 720p H.264 video (moving shapes, a scene cut every 4 to 12 s,
    key frames every 10 s) indexed by the whole pipeline with the default backend (key frames
    decoded, moments sampled, thumbnails, CLIP, Chroma, the catalog): video-seconds per
    wall-second, with the decode alone for comparison.
(2) Accuracy: 20 generated videos of 60 s (each its own shapes and colours) are indexed; from
    each, a screenshot at a random moment (the frame decoded at that time, scaled to another
    size and saved as a JPEG, as a screen grab would be) is the query of
    a search by image, in this process, twice: the moment looked for around each video's best
    sampled moment only (as before), and around its best REFINE_MOMENTS. Reported for each:
    the share whose top result is the right video, and the share whose moment is within 2 s
    of the screenshot's time; and one such search as a cold `launch.py search --image`.

Weights are random (the speed is the same as trained weights'), so the match is of the
picture itself, not of its meaning: what finding a screenshot's source needs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent


def make_video(
    path: Path, seconds: float, size: tuple[int, int], fps: int, seed: int, gop_s: float = 10.0
) -> list[tuple[float, float]]:
    """Moving coloured shapes over a gradient; a new scene (shapes, colours, background)
    every 4 to 12 s. Returns the scenes' (start, end) times."""
    import av

    rng = np.random.default_rng(seed)
    width, height = size
    scenes: list[tuple[float, float]] = []
    start = 0.0
    while start < seconds:
        end = min(seconds, start + float(rng.uniform(4, 12)))
        scenes.append((start, end))
        start = end
    looks = [_scene_look(rng, width, height) for _ in scenes]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.gop_size = int(gop_s * fps)
        # ultrafast turns scene-cut key frames off; encoders in phones and on video sites
        # keep them on, so they are turned back on.
        stream.options = {"preset": "ultrafast", "crf": "26", "x264-params": "scenecut=40"}
        stream.thread_type = "AUTO"
        stream.codec_context.time_base = Fraction(1, fps)
        scene = 0
        for index in range(int(seconds * fps)):
            t = index / fps
            while scenes[scene][1] <= t and scene < len(scenes) - 1:
                scene += 1
            pixels = _draw(looks[scene], t - scenes[scene][0], width, height)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return scenes


def _scene_look(rng: np.random.Generator, width: int, height: int) -> dict:
    shapes = []
    for _ in range(int(rng.integers(2, 5))):
        colour, radius = rng.integers(0, 256, 3), rng.uniform(0.05, 0.2)
        shapes.append((colour, radius, rng.uniform(-0.3, 0.3, 2), rng.uniform(0, 1, 2)))
    return {"top": rng.integers(0, 256, 3), "bottom": rng.integers(0, 256, 3), "shapes": shapes}


def _draw(look: dict, t: float, width: int, height: int) -> np.ndarray:
    """The scene at t seconds into it: its shapes (discs) move across the gradient."""
    if "base" not in look:
        ramp = np.linspace(0, 1, height)[:, None, None]
        look["base"] = ((look["top"] * (1 - ramp) + look["bottom"] * ramp) * np.ones(
            (1, width, 1))).astype(np.uint8)  # fmt: skip
    pixels = look["base"].copy()
    for colour, radius, speed, origin in look["shapes"]:
        r = radius * height
        cx = ((origin[0] + speed[0] * t) % 1.0) * width
        cy = ((origin[1] + speed[1] * t) % 1.0) * height
        x0, x1 = max(0, int(cx - r)), min(width, int(cx + r) + 1)
        y0, y1 = max(0, int(cy - r)), min(height, int(cy + r) + 1)
        ys, xs = np.ogrid[y0:y1, x0:x1]
        inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r
        pixels[y0:y1, x0:x1][inside] = colour
    return pixels


def frame_at(path: Path, t: float) -> Image.Image:
    """The picture shown at t seconds: an accurate seek (decode from the key frame before)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        container.seek(int(t / stream.time_base), stream=stream, backward=True)
        last = None
        for frame in container.decode(stream):
            if frame.time is not None and frame.time > t + 1e-6:
                break
            last = frame
        return (last or frame).to_image()


def launch(data: Path, *args: str) -> dict:
    env = {**os.environ, "PICTOR_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, str(REPO / "launch.py"), *args, "--json"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"launch.py {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout)


def throughput(work: Path, minutes: float) -> list[str]:
    from indexing.ingest.video import decode_video

    folder = work / "long"
    folder.mkdir()
    video = folder / "ten-minutes.mp4"
    started = time.perf_counter()
    scenes = len(make_video(video, minutes * 60, (1280, 720), 25, seed=1))
    made = time.perf_counter() - started
    seconds = minutes * 60
    started = time.perf_counter()
    decoded = decode_video(str(video), min_side=224, long_side=320)
    decode_s = time.perf_counter() - started
    data = work / "data-long"
    # Once per data folder, not per video: the model's export and the subject vocabulary's
    # vectors. A short video indexed first makes them, before the clock starts.
    warm = work / "warm"
    warm.mkdir()
    make_video(warm / "warm-up.mp4", 5, (320, 180), 10, seed=2)
    launch(data, "index", str(warm))
    started = time.perf_counter()
    summary = launch(data, "index", str(folder))
    index_s = time.perf_counter() - started
    assert summary["new"] == 1, summary
    return [
        f"video: {minutes:g} min of 1280x720 H.264 at 25 fps, key frames every 10 s "
        f"({video.stat().st_size / 1e6:.0f} MB, generated in {made:.0f} s)",
        f"scenes: {scenes}; moments sampled: {len(decoded.frames)} (the key frames at scene "
        "cuts, and at least one every 10 s)",
        f"decode and sample alone: {decode_s:.1f} s = {seconds / decode_s:.0f} video-s per s",
        f"index (a fresh process: model load, decode, CLIP, Chroma, catalog): {index_s:.1f} s "
        f"= {seconds / index_s:.0f} video-seconds per wall-second",
    ]


def accuracy(work: Path, count: int) -> list[str]:
    from indexing.library import Library
    from indexing.query import video_search
    from indexing.query.search import Searcher, SearchQuery
    from indexing.settings import Settings

    folder = work / "videos"
    folder.mkdir()
    rng = np.random.default_rng(7)
    truth: list[tuple[Path, float]] = []
    for n in range(count):
        path = folder / f"video-{n:02d}.mp4"
        make_video(path, 60, (480, 270), 15, seed=100 + n)
        truth.append((path, float(rng.uniform(2, 58))))
    data = work / "data-shots"
    launch(data, "index", str(folder))
    shots = work / "shots"
    shots.mkdir()
    for n, (path, t) in enumerate(truth):
        picture = frame_at(path, t)
        picture = picture.resize((picture.width * 2 // 3, picture.height * 2 // 3))
        picture.save(shots / f"shot-{n:02d}.jpg", quality=85)
    # The same searches in this process, the moment looked for around each video's best
    # sampled moment only (as before) and around its best REFINE_MOMENTS.
    searcher = Searcher.for_library(Library(Settings(data_dir=data)))
    lines = [
        f"{count} videos of 60 s (480x270, 15 fps); one screenshot each, at a random time, "
        "scaled to 2/3 and saved as JPEG",
    ]
    for per_video in (1, video_search.REFINE_MOMENTS):
        searcher.refine_per_video = per_video
        top1, errors = 0, []
        started = time.perf_counter()
        for n, (path, t) in enumerate(truth):
            query = SearchQuery(image_path=str(shots / f"shot-{n:02d}.jpg"), top=3)
            hits = searcher.search(query).hits
            if hits and hits[0].path == str(path) and hits[0].moment is not None:
                top1 += 1
                errors.append(abs(hits[0].moment.time - t))
        each = (time.perf_counter() - started) / count
        timed = sum(error <= 2.0 for error in errors)
        median = f"{np.median(errors):.2f}" if errors else "nan"
        lines.append(
            f"refined around the best {per_video} moment(s) of each video: top-1 is the right "
            f"video {top1}/{count}, and the moment within 2 s {timed}/{count} (median error "
            f"{median} s); a search, model loaded: {each:.2f} s"
        )
    started = time.perf_counter()
    launch(data, "search", "--image", str(shots / "shot-00.jpg"), "--top", "3")
    lines.append(f"a search by screenshot, cold CLI process: {time.perf_counter() - started:.1f} s")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--videos", type=int, default=20)
    args = parser.parse_args()
    if os.environ.get("PICTOR_CLIP_PRETRAINED") is None:
        raise SystemExit("set PICTOR_CLIP_PRETRAINED=random (or to real weights)")
    with tempfile.TemporaryDirectory(prefix="pictor-video-bench-") as tmp:
        work = Path(tmp)
        lines = throughput(work, args.minutes) if args.minutes > 0 else []
        lines += accuracy(work, args.videos)
    for line in lines:
        print(line)
    print("command: PICTOR_CLIP_PRETRAINED=random .venv/bin/python bench/video_bench.py")


if __name__ == "__main__":
    main()
