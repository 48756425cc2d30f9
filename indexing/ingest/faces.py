"""The faces stage: find the faces in every catalogued image the detector has not seen yet.

It runs after the fast stages (an image is listed, searchable and has its vector before its
faces are found), and the same function backfills an existing catalog: whatever has no
`face_scans` row is pending, so a cancelled or killed run resumes where it stopped (each
batch of scans commits in one short transaction).

Each image is read and decoded once here (JPEG draft at DECODE_SIDE on the long side,
turned upright by its EXIF orientation; greyscale and 16-bit images become 8-bit RGB in
decode). The detector sees a 640 px copy; the landmarks and the descriptor see the decode.
Named face regions in the image's XMP are matched to the detected faces by overlap; a
named region no face matches is kept as a face of its own (without a descriptor). A file
that cannot be read right now stays pending; one that cannot be decoded gets a scan row
with its one-line reason, and is not retried until it changes.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from indexing.errors import BadImage
from indexing.ingest.decode import decode, flatten
from indexing.ingest.hashing import content_id as hash_content
from indexing.ingest.scan import hash_stable, is_video_name, read_stable
from indexing.ingest.workers import bounded_map
from indexing.ingest.xmp_regions import NamedRegion, regions_for
from indexing.models.faces import FACE_MODEL_ID, FaceModel, FoundFace
from indexing.progress import CancelToken, ProgressCallback, StageMeter
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable, NewFace, ScanResult, descriptor_blob

DECODE_SIDE = 1024  # JPEG draft: a 3000x2000 photo decodes at 1/2 scale (1500x1000)
COMMIT_EVERY = 32
COMMIT_SECONDS = 2.0
MATCH_OVERLAP = 0.3  # intersection over union for an XMP region to name a detected face
# dlib holds the GIL while it detects and describes, so threads do not add cores: a run
# with this many images or more uses worker processes (spawned, each loading its own
# model in about a second); a smaller one runs in this process.
PROCESSES_FROM = 48
# A video: the faces of its sampled moments, one per person seen (faces closer than this
# are the same person: the grouping's threshold, docs/people.md), the clearest kept.
SAME_PERSON = 0.5
VIDEO_MOMENTS = 40  # at most this many of a video's moments are looked at, evenly spread


@dataclass
class FaceRunCounts:
    """What one run of the stage did."""

    scanned: int = 0
    faces: int = 0
    failed: int = 0
    new_faces: list[int] | None = None


def find_pending_faces(
    catalog: Catalog,
    model: FaceModel,
    *,
    threads: int,
    max_pixels: int,
    progress: ProgressCallback,
    cancel: CancelToken,
    limit: int | None = None,
) -> FaceRunCounts:
    """Scan every pending image (at most `limit`), committing in small batches."""
    table = FaceTable(catalog)
    pending = table.pending_scans(limit)
    counts = FaceRunCounts(new_faces=[])
    if not pending:
        return counts
    model.load()
    meter = StageMeter("faces", len(pending), progress)
    batch: list[ScanResult] = []
    since = time.monotonic()

    def commit() -> None:
        nonlocal since
        if batch:
            assert counts.new_faces is not None
            counts.new_faces += table.put_scans(batch, FACE_MODEL_ID)
            meter.advance(len(batch), force=True)
            batch.clear()
        since = time.monotonic()

    with _pool(threads, len(pending), model) as pool:
        results = bounded_map(
            pool,
            _scan_item,
            [(cid, path, max_pixels) for cid, path in pending],
            max_in_flight=threads * 2,
            should_stop=lambda: cancel.cancelled,
        )
        for result in results:
            if result is None:
                continue  # unreadable right now, or changed since its scan: stays pending
            batch.append(result)
            counts.scanned += 1
            counts.faces += len(result.faces)
            counts.failed += result.error is not None
            if len(batch) >= COMMIT_EVERY or time.monotonic() - since >= COMMIT_SECONDS:
                commit()
        commit()
    meter.finish()
    return counts


_worker_model: FaceModel | None = None


def _use_model(model: FaceModel | None = None) -> None:
    """Set the model _scan_item uses (a worker process loads its own)."""
    global _worker_model
    _worker_model = (model or FaceModel()).load()


def _scan_item(item: tuple[str, str, int]) -> ScanResult | None:
    assert _worker_model is not None
    if is_video_name(item[1]):
        return scan_video(_worker_model, *item)
    return scan_image(_worker_model, *item)


def _start_worker() -> None:
    """A worker process: load the model, and leave as soon as the indexing process is
    gone (killed with SIGKILL, its workers would otherwise wait on their queue forever:
    each holds a copy of the queue's write end, so no end of file ever comes)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="pictor-faces-parent", daemon=True).start()
    _use_model()


def _pool(threads: int, pending: int, model: FaceModel) -> Executor:
    """Worker processes for a large run on several cores, else one thread here."""
    if threads > 1 and pending >= PROCESSES_FROM:
        return ProcessPoolExecutor(
            threads, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
        )
    return ThreadPoolExecutor(1, thread_name_prefix="pictor-faces", initializer=_use_model,
                              initargs=(model,))  # fmt: skip


def scan_image(model: FaceModel, content_id: str, path: str, max_pixels: int) -> ScanResult | None:
    """The faces of one image; None when it cannot be read now or has changed."""
    try:
        data = read_stable(path).data
    except OSError:
        return None
    if hash_content(data) != content_id:
        return None
    try:
        decoded = decode(data, min_side=1, long_side=DECODE_SIDE, max_pixels=max_pixels)
        found = model.find(flatten(decoded.pixels))
    except BadImage as exc:
        return ScanResult(content_id, error=f"cannot decode for faces: {exc}")
    except Exception as exc:  # one image must never end the run
        return ScanResult(content_id, error=f"face detection failed: {type(exc).__name__}: {exc}")
    regions, _warning = regions_for(path, decoded.metadata.texts.get("XMP"))
    return ScanResult(content_id, tuple(named_faces(found, regions)))


def scan_video(model: FaceModel, content_id: str, path: str, max_pixels: int) -> ScanResult | None:
    """The people seen in a video's sampled moments (the moments the embedding stage
    samples, at most VIDEO_MOMENTS): one face per person, the most confident, with the
    moment it was seen at. None when the file cannot be read now or has changed."""
    from indexing.ingest.video import BadVideo, decode_video  # PyAV: only for videos

    try:
        if hash_stable(path)[0] != content_id:
            return None
    except OSError:
        return None
    try:
        video = decode_video(path, min_side=1, long_side=DECODE_SIDE,
                             max_frames=VIDEO_MOMENTS, max_pixels=max_pixels)  # fmt: skip
        seen = [(frame.time, face) for frame in video.frames for face in model.find(frame.pixels)]
    except (BadVideo, BadImage) as exc:
        return ScanResult(content_id, error=f"cannot decode for faces: {exc}")
    except Exception as exc:  # one video must never end the run
        return ScanResult(content_id, error=f"face detection failed: {type(exc).__name__}: {exc}")
    return ScanResult(content_id, tuple(one_per_person(seen)))


def one_per_person(seen: Sequence[tuple[float, FoundFace]]) -> list[NewFace]:
    """Faces seen at several moments, one kept per person (the most confident first; a
    face within SAME_PERSON of one kept is that person again)."""
    kept: list[tuple[float, FoundFace]] = []
    for at, face in sorted(seen, key=lambda pair: -pair[1].score):
        if all(
            float(np.linalg.norm(face.descriptor - other.descriptor)) > SAME_PERSON
            for _, other in kept
        ):
            kept.append((at, face))
    return [
        NewFace(f.left, f.top, f.width, f.height, f.score, descriptor_blob(f.descriptor),
                moment_ms=round(at * 1000))
        for at, f in sorted(kept, key=lambda pair: (pair[0], pair[1].left))
    ]  # fmt: skip


def named_faces(found: Sequence[FoundFace], regions: Sequence[NamedRegion]) -> list[NewFace]:
    """Detected faces, each named by the XMP region that overlaps it most (if any), plus
    the named regions that no detected face matched."""
    faces = [
        NewFace(f.left, f.top, f.width, f.height, f.score, descriptor_blob(f.descriptor))
        for f in found
    ]
    taken: set[int] = set()
    for region in regions:
        best, best_overlap = None, MATCH_OVERLAP
        for index, face in enumerate(faces):
            overlap = _overlap(face, region)
            if index not in taken and overlap >= best_overlap:
                best, best_overlap = index, overlap
        if best is None:
            faces.append(
                NewFace(region.left, region.top, region.width, region.height, None, None, "xmp",
                        region.name)
            )  # fmt: skip
        else:
            taken.add(best)
            face = faces[best]
            faces[best] = NewFace(
                face.left, face.top, face.width, face.height, face.score, face.descriptor,
                name=region.name,
            )  # fmt: skip
    return faces


def _overlap(face: NewFace, region: NamedRegion) -> float:
    """Intersection over union of two boxes (fractions of the image)."""
    width = min(face.left + face.width, region.left + region.width) - max(face.left, region.left)
    height = min(face.top + face.height, region.top + region.height) - max(face.top, region.top)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (face.width * face.height + region.width * region.height - inter)


def face_crop(
    path: str,
    box: tuple[float, float, float, float],
    size: int = 160,
    moment_ms: int | None = None,
) -> Image.Image:
    """A square crop around a face (its box, as fractions of the upright image, with a
    margin), size pixels a side: the People view's cards. A video's face is cropped from
    the frame at its moment. BadImage or OSError if the file cannot be read."""
    if moment_ms is not None:
        from indexing.ingest.video import BadVideo, frames_near  # PyAV: only for videos

        try:
            frames = frames_near(path, [moment_ms / 1000], min_side=1, long_side=DECODE_SIDE)
        except BadVideo as exc:
            raise BadImage(str(exc)) from None
        if not frames:
            raise BadImage("the video has no frame at that moment")
        pixels = flatten(frames[0].pixels)
    else:
        with open(path, "rb") as file:
            data = file.read()
        pixels = flatten(decode(data, min_side=1, long_side=DECODE_SIDE, max_pixels=10**10).pixels)
    width, height = pixels.size
    left, top, box_width, box_height = box
    centre_x, centre_y = (left + box_width / 2) * width, (top + box_height / 2) * height
    half = max(box_width * width, box_height * height) * 0.8
    square = (centre_x - half, centre_y - half, centre_x + half, centre_y + half)
    return pixels.crop(square).resize((size, size), Image.Resampling.LANCZOS)
