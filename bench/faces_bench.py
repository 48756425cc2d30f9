"""People: the faces stage's throughput beside the pipeline's, detection recall, grouping
precision and recall on real faces, and grouping time and memory at scale.

    .venv/bin/python bench/faces_bench.py [--n 24] [--synthetic 100000] [--pipeline]
        [--video SECONDS]

(a) the faces stage on new 3000x2000 JPEGs with faces in them (read, hash, decode at JPEG
    draft, detect on the 640 px copy, landmarks and descriptor per face), photos/s with
    PICTOR_THREADS workers, and the same with one worker;
(b) with --pipeline, the rest of indexing on the same photos in the same run (scan, read,
    hash, metadata, decode, thumbnail, hashes, CLIP ViT-B-32 with random weights, which
    costs what the real weights cost), photos/s: the faces stage runs after it;
(c) detection recall on the labelled real faces (tests/assets/faces: 9 faces in 8 photos),
    at their own size and pasted into the 3000x2000 photos;
(d) grouping of the real faces: pairwise precision and recall against their labels;
(e) grouping N synthetic descriptors (spread like dlib's: a person's faces ~0.3 apart,
    people ~0.95), in a child process: seconds, peak RSS, pairwise precision and recall;
(f) with --video, a 1280x720 video of that many seconds (a new scene every 5 s, a real face
    in every other one): the faces stage on its sampled moments, in seconds, beside the
    rest of indexing of the same video (without embeddings) in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexing.curate.face_groups import plan_grouping
from indexing.library import Library
from indexing.models.faces import FaceModel
from indexing.settings import Settings

FACES = Path(__file__).resolve().parent.parent / "tests" / "assets" / "faces"
LABELLED = {  # file stem -> the people in it, left to right
    "obama_2012_portrait": ["obama"], "obama_2009_congress": ["obama"],
    "obama_2010_blue_room": ["obama"], "biden_2010_blue_room": ["biden"],
    "biden_2013_portrait": ["biden"], "group_obama_biden_2010": ["obama", "biden"],
    "hopper_1984_portrait": ["hopper"], "collins_1992_portrait": ["collins"],
}  # fmt: skip


def big_photos(folder: Path, count: int) -> list[Path]:
    """3000x2000 JPEGs: a photo-like background with one of the real photos pasted in at
    about half the height (a portrait-sized face), each different."""
    rng = np.random.default_rng(0)
    sources = sorted(FACES.glob("*.jpg"))
    paths = []
    for index in range(count):
        coarse = Image.fromarray(rng.integers(0, 256, (8, 12, 3), dtype=np.uint8))
        canvas = coarse.resize((3000, 2000), Image.Resampling.BICUBIC)
        photo = Image.open(sources[index % len(sources)]).convert("RGB")
        scale = 1400 / photo.height
        photo = photo.resize((round(photo.width * scale), 1400), Image.Resampling.BICUBIC)
        canvas.paste(photo, (200 + 37 * index % 1200, 300))
        path = folder / f"photo_{index:04d}.jpg"
        canvas.save(path, quality=90)
        paths.append(path)
    return paths


def stage_rates(folder: Path, threads: int, clip: bool) -> tuple[float, float, dict]:
    """(b) then (a) on the same photos: `index` with the faces stage off (CLIP ViT-B-32 with
    random weights if clip, else no embeddings), then the faces stage alone (find_faces, as
    `index` runs it after the rest, and `people scan` as a backfill), photos/s each."""
    with tempfile.TemporaryDirectory() as data:
        settings: dict = {"data_dir": Path(data), "threads": threads, "faces": False}
        if clip:
            settings.update(clip_model="ViT-B-32", clip_pretrained="random")
            warm = Path(data) / "warm"
            warm.mkdir()
            Image.open(next(folder.glob("*.jpg"))).save(warm / "w.jpg")
            Library(Settings(**settings, embed=True)).index([str(warm)])  # loads the model
        rest = Library(Settings(**settings, embed=clip))
        summary = rest.index([str(folder)])
        rest_rate = summary.new / summary.seconds
        faces = Library(Settings(**{**settings, "faces": True}, embed=False))
        started = time.perf_counter()
        report = faces.find_faces()
        faces_rate = report["scanned"] / (time.perf_counter() - started)
        return faces_rate, rest_rate, report


def face_video(path: Path, seconds: int) -> set[str]:
    """(f)'s video: 5 fps, a new scene every 5 s; every other scene has a real photo of
    people in it. The people shown."""
    import av

    rng = np.random.default_rng(1)
    sources = sorted(FACES.glob("*.jpg"))
    shown: set[str] = set()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=5, options={"preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for scene in range(max(1, seconds // 5)):
            coarse = Image.fromarray(rng.integers(0, 256, (6, 10, 3), dtype=np.uint8))
            picture = coarse.resize((1280, 720), Image.Resampling.BICUBIC)
            if scene % 2:
                shown.update(LABELLED[sources[scene % len(sources)].stem])
                photo = Image.open(sources[scene % len(sources)]).convert("RGB")
                photo.thumbnail((600, 600))
                picture.paste(photo, (340, 60))
            frame = av.VideoFrame.from_image(picture)
            for _ in range(25):
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return shown


def video_rates(seconds: int, threads: int) -> str:
    """(f): the rest of indexing of one video, then the faces stage on its moments."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as data:
        shown = face_video(Path(folder) / "faces.mp4", seconds)
        settings: dict = {"data_dir": Path(data), "threads": threads, "embed": False}
        started = time.perf_counter()
        Library(Settings(**settings, faces=False)).index([folder])
        rest = time.perf_counter() - started
        started = time.perf_counter()
        report = Library(Settings(**settings, faces=True)).find_faces()
        faces = time.perf_counter() - started
    return (
        f"(f) a {seconds} s 1280x720 video: the rest of indexing {rest:.2f} s, the faces stage "
        f"{faces:.2f} s ({faces / rest:.1f}x the rest), {report['faces']} faces kept "
        f"of {len(shown)} people shown ({', '.join(sorted(shown))})"
    )


def recall_and_grouping() -> dict:
    """(c) and (d) on the labelled real faces at their own size."""
    model = FaceModel()
    found, truth, descriptors = 0, [], []
    for path in sorted(FACES.glob("*.jpg")):
        faces = sorted(model.find(Image.open(path).convert("RGB")), key=lambda f: f.left)
        people = LABELLED[path.stem]
        found += min(len(faces), len(people))
        if len(faces) == len(people):
            truth += people
            descriptors += [f.descriptor for f in faces]
    there = sum(len(p) for p in LABELLED.values())
    plan = plan_grouping(
        np.array(descriptors), np.zeros((0, 128), np.float32), np.zeros(0, np.int64), {}
    )
    labels = np.empty(len(truth), np.int64)
    for number, members in enumerate(plan.groups):
        labels[members] = number
    precision, recall = pair_scores(np.array(truth), labels)
    return {"faces_there": there, "faces_found": found, "recall": found / there,
            "grouping_precision": precision, "grouping_recall": recall}  # fmt: skip


def pair_scores(truth: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    together = pairs(Counter(zip(truth.tolist(), labels.tolist(), strict=True)))
    return together / max(1, pairs(Counter(labels.tolist()))), together / max(
        1, pairs(Counter(truth.tolist()))
    )


def synthetic(count: int) -> dict:
    """(e), run in this process (call it in a child to measure its peak RSS alone)."""
    rng = np.random.default_rng(1)
    people = max(1, count // 10)
    centres = rng.normal(0, 0.06, (people, 128)).astype(np.float32)
    truth = rng.integers(0, people, count)
    faces = np.empty((count, 128), np.float32)
    for start in range(0, count, 65536):  # in chunks: the data, not its making, is measured
        part = slice(start, start + 65536)
        noise = rng.standard_normal((len(truth[part]), 128), dtype=np.float32) * 0.018
        faces[part] = centres[truth[part]] + noise
    del centres
    started = time.perf_counter()
    plan = plan_grouping(faces, np.zeros((0, 128), np.float32), np.zeros(0, np.int64), {})
    seconds = time.perf_counter() - started
    labels = np.empty(count, np.int64)
    for number, members in enumerate(plan.groups):
        labels[members] = number
    precision, recall = pair_scores(truth, labels)
    return {
        "faces": count, "people": people, "groups": len(plan.groups),
        "seconds": round(seconds, 1), "precision": round(precision, 4),
        "recall": round(recall, 4),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24, help="3000x2000 photos (24)")
    parser.add_argument("--synthetic", type=int, action="append", default=None,
                        help="synthetic descriptors to group (repeatable; 100000)")  # fmt: skip
    parser.add_argument("--pipeline", action="store_true", help="(b): the rest of indexing")
    parser.add_argument("--video", type=int, default=None, help="(f): a video this long (s)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(synthetic(args.child)))
        return
    threads = int(os.environ.get("PICTOR_THREADS", os.cpu_count() or 2))
    print(f"cores: {os.cpu_count()}, threads: {threads}")
    if args.video:
        print(video_rates(args.video, threads))
        return
    print(json.dumps(recall_and_grouping()))
    with tempfile.TemporaryDirectory() as folder:
        paths = big_photos(Path(folder), args.n)
        stems = [p.stem for p in sorted(FACES.glob("*.jpg"))]
        there = sum(len(LABELLED[stems[i % len(stems)]]) for i in range(len(paths)))
        rate, rest, report = stage_rates(Path(folder), threads, args.pipeline)
        what = "with CLIP ViT-B-32 (random weights)" if args.pipeline else "without embeddings"
        print(f"(b) the rest of indexing {what}: {rest:.2f} photos/s")
        print(
            f"(a) faces stage: {rate:.2f} photos/s ({threads} workers), {rate / rest:.2f}x the "
            f"rest; {report['faces']} faces found of {there} there ({report['faces'] / there:.0%})"
        )
    for count in args.synthetic or [100_000]:
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(count)], capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        print("(e) grouping:", child.stdout.strip())


if __name__ == "__main__":
    main()
