"""Videos in search results: each video once, at its best-matching moment.

A video has one vector in the model's collection (the mean of its moments, so everything
that ranks, filters, groups or rates contents treats it as one) and one vector per sampled
moment in the model's frames collection (indexing.store.vectors.frames_of). A search ranks
contents as usual, then:

- asks the frames collection for the moments nearest the query, so that a video whose one
  scene matches is found even when its mean does not;
- scores every video among the results by its best moment (exact, over all its moments),
  and gives that moment's time;
- for a screenshot, decodes the frames around the video's few best moments and finds the
  one it shows (`refine_moments`): the best by CLIP, and among frames that CLIP scores
  alike (a scene's frames), the one whose pixels are most like the screenshot's.

A clip (an animated GIF or a short video) is matched by all its frames at once
(`match_clip`): a video scores the mean, over the clip's frames, of each frame's best
similarity near the place the clip would start, so that one lucky frame does not win.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from indexing.errors import BadImage
from indexing.ingest.decode import decode, flatten
from indexing.query.filters import Filter
from indexing.query.ranking import KeepRule, passing_ids
from indexing.store import image_reads
from indexing.store.catalog import Catalog
from indexing.store.vectors import VectorStore, frame_id, frames_of, parse_frame_id

Vectors = npt.NDArray[np.float32]

FRAME_WINDOW = 64  # moments asked of the frames collection, at least
CLIP_CANDIDATES = 32  # moments per clip frame that nominate a video
CONSISTENT = 0.03  # a clip frame agrees when it is this close to its best anywhere in the video
TOLERANCE = 1.0  # seconds: a scene's moment may be sampled at the key frame after its cut


@dataclass(frozen=True, slots=True)
class Moment:
    score: float
    time: float  # seconds
    end: float | None = None  # a clip's match: where the clip's last frame falls
    consistency: float | None = None  # a clip's match: the share of its frames that agree


def has_videos(catalog: Catalog) -> bool:
    """Any present video (a partial index: free for a library of photos)."""
    return image_reads.has_videos(catalog)


def moment_times(catalog: Catalog, video: str) -> list[float]:
    """The seconds of a video's sampled moments, in order (the catalog's video_frames)."""
    return [ms / 1000 for ms in image_reads.frame_ms(catalog, video)]


def moments_of(
    catalog: Catalog, store: VectorStore, model_id: str, video: str
) -> tuple[np.ndarray, Vectors]:
    """(times in seconds, vectors) of a video's embedded moments, in time order."""
    times = moment_times(catalog, video)
    ids = [frame_id(video, t) for t in times]
    found = store.get(frames_of(model_id), ids) if ids else {}
    kept = [(t, found[fid]) for t, fid in zip(times, ids, strict=True) if fid in found]
    if not kept:
        return np.zeros(0), np.zeros((0, 0), dtype=np.float32)
    return np.array([t for t, _ in kept]), np.stack([v for _, v in kept])


def best_of(times: Sequence[float] | np.ndarray, vectors: Vectors, vector: Vectors) -> Moment:
    """The moment among these (seconds, vectors) most like the query vector."""
    scores = vectors @ vector
    best = int(np.argmax(scores))
    return Moment(float(scores[best]), float(times[best]))


def best_moments(
    catalog: Catalog, store: VectorStore, model_id: str, vector: Vectors, videos: list[str]
) -> dict[str, Moment]:
    """Each video's best moment for the query vector, over all its moments."""
    out: dict[str, Moment] = {}
    for video in videos:
        times, vectors = moments_of(catalog, store, model_id, video)
        if len(times):
            out[video] = best_of(times, vectors, vector)
    return out


def with_moments(
    catalog: Catalog,
    store: VectorStore,
    model_id: str,
    vector: Vectors,
    ranked: list[tuple[str, float]],
    where: Filter,
    keep: KeepRule | None,
    needed: int,
) -> tuple[list[tuple[str, float]], dict[str, Moment]]:
    """The ranking with every video scored by its best moment, and videos whose best moment
    is among the nearest moments added; the moments by video."""
    if not has_videos(catalog):
        return ranked, {}
    frames = frames_of(model_id)
    total = store.count(frames)
    nominated: list[str] = []
    if total:
        for fid, _ in store.query(frames, vector, min(total, max(FRAME_WINDOW, 2 * needed))):
            video = parse_frame_id(fid)[0]
            if video not in nominated:
                nominated.append(video)
    listed = {cid for cid, _ in ranked}
    fresh = [cid for cid in nominated if cid not in listed]
    if fresh:
        passing = passing_ids(catalog, where, fresh)
        fresh = [cid for cid in fresh if cid in passing]
    if fresh and keep is not None:  # the filter's text categories, on the video's own vector
        own = store.get(model_id, fresh)
        fresh = [cid for cid in fresh if cid in own]
        if fresh:
            mask = keep(np.stack([own[cid] for cid in fresh]))
            fresh = [cid for cid, ok in zip(fresh, mask, strict=True) if ok]
    videos = sorted(passing_ids(catalog, Filter(kind="video"), list(listed))) + fresh
    moments = best_moments(catalog, store, model_id, vector, videos)
    scores = dict(ranked)
    for video, moment in moments.items():
        scores[video] = max(moment.score, scores.get(video, -1.0))
    merged = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return merged[: max(needed, len(ranked))], moments


REFINE_VIDEOS = 3  # a screenshot's best videos whose moment is found between sampled ones
REFINE_MOMENTS = 3  # per video, the best sampled moments whose surroundings are searched
REFINE_FRAMES = 24  # frames decoded and embedded between a moment's two neighbours, at most
LAST_SPAN = 10.0  # seconds searched after the last moment when the length is unknown
TIE = 0.01  # CLIP scores this close to the best are a tie, which the pixels break
LOOK_SIDE = 32  # a picture's look (look_of): this many pixels a side, grey


def refine_moments(
    catalog: Catalog,
    store: VectorStore,
    model_id: str,
    vector: Vectors,
    moments: dict[str, Moment],
    videos: list[str],
    frames_of_video: Callable[[str, list[float]], tuple[list[float], Vectors, Vectors]],
    per_video: int = REFINE_MOMENTS,
    look: Vectors | None = None,
) -> dict[str, Moment]:
    """Where a screenshot was taken, to within a fraction of a second: for each video (the
    first REFINE_VIDEOS), the frames between the sampled moments either side of each of its
    `per_video` best sampled moments (and those moments) are decoded and embedded (in one
    pass), and the best of them is the moment. Not only around the best one: a sampled
    moment stands for its scene from where it was taken, and the screenshot's scene may look
    most like another one.

    The best: the frame CLIP scores highest; but CLIP sees a scene's frames alike (it looks
    at what is shown, not where it is in the frame), so among the frames within TIE of the
    best score, the one whose look is most like the screenshot's (`look`, from look_of): a
    screenshot is a frame, and its pixels tell its frame from its neighbours'.

    frames_of_video(content id, times) -> (the times decoded, their vectors, their looks)."""
    out = dict(moments)
    for video in videos[:REFINE_VIDEOS]:
        moment = moments.get(video)
        if moment is None:
            continue
        times, vectors = moments_of(catalog, store, model_id, video)
        if not len(times):
            continue
        best = np.argsort(-(vectors @ vector), kind="stable")[: max(1, per_video)]
        end = duration_of(catalog, video)
        targets = {float(times[at]) for at in best}
        targets.update(t for at in best for t in _between(times, int(at), end))
        try:
            found, frames, looks = frames_of_video(video, sorted(targets))
        except Exception:  # the file moved or broke since indexing: keep the sampled moment
            continue
        if not found:
            continue
        closer = closest_frame(found, frames, looks, vector, look, moment.score)
        if closer is not None:
            out[video] = closer
    return out


def closest_frame(
    times: Sequence[float],
    vectors: Vectors,
    looks: Vectors,
    vector: Vectors,
    look: Vectors | None,
    sampled: float,
) -> Moment | None:
    """The frame (of these, at `times`) a screenshot shows, or None where the sampled moment
    (scoring `sampled`) is better: the best CLIP score; without the screenshot's look,
    only where it beats the sampled moment; with it, the frame of best look among those
    within TIE of the best score (the sampled moment's included)."""
    scores = vectors @ vector
    if look is None or len(looks) != len(scores):
        best = int(np.argmax(scores))
        return Moment(float(scores[best]), float(times[best])) if scores[best] > sampled else None
    near = np.flatnonzero(scores >= max(float(scores.max()), sampled) - TIE)
    if not len(near):
        return None
    pick = int(near[np.argmax(looks[near] @ look)])  # the first of equal looks
    return Moment(float(scores[pick]), float(times[pick]))


def look_of(picture: Image.Image) -> Vectors:
    """A picture's look, to tell a screenshot's frame from its neighbours: grey, area-averaged
    to LOOK_SIDE x LOOK_SIDE, less its mean and scaled to unit length, so that the dot product
    of two looks is the correlation of their pixels (a screen grab's other size, brightness
    or contrast does not count). Zeros for a flat picture."""
    small = picture.convert("L").resize((LOOK_SIDE, LOOK_SIDE), Image.Resampling.BOX)
    grey = np.asarray(small, dtype=np.float32).reshape(-1)
    grey = grey - grey.mean()
    norm = float(np.linalg.norm(grey))
    return grey / norm if norm >= 1.0 else np.zeros_like(grey)


def look_of_file(path: str, max_pixels: int) -> Vectors | None:
    """The look of the image file at path (look_of), or None where it cannot be read."""
    try:
        with open(path, "rb") as file:
            data = file.read()
        pixels = decode(data, min_side=LOOK_SIDE, max_pixels=max_pixels).pixels
    except (OSError, BadImage):
        return None
    return look_of(flatten(pixels))


def duration_of(catalog: Catalog, video: str) -> float | None:
    """The video's length in seconds, as the catalog has it (None when unknown)."""
    return image_reads.duration_of(catalog, video)


def _between(times: np.ndarray, at: int, end: float | None = None) -> list[float]:
    """The times to decode around sampled moment `at`: from the moment before to the one
    after, at most REFINE_FRAMES of them. After the last moment, to the video's end (the
    last moment stands for everything after it), else LAST_SPAN past it."""
    low = float(times[at - 1]) if at > 0 else 0.0
    if at + 1 < len(times):
        high = float(times[at + 1])
    else:
        high = max(float(times[at]), end) if end else float(times[at]) + LAST_SPAN
    step = max(0.2, (high - low) / REFINE_FRAMES)
    return [round(float(t), 3) for t in np.arange(low, high + 1e-9, step)]


def match_clip(
    catalog: Catalog,
    store: VectorStore,
    model_id: str,
    clip: Vectors,
    clip_times: list[float],
    where: Filter,
    needed: int,
) -> list[tuple[str, Moment]]:
    """The videos a clip (frames `clip` at seconds `clip_times`, from 0) comes from, best
    first: each video's best placement of the whole clip, with its time range."""
    frames = frames_of(model_id)
    total = store.count(frames) if has_videos(catalog) else 0
    if not total:
        return []
    nominated: dict[str, None] = {}
    for vector in clip:
        for fid, _ in store.query(frames, vector, min(total, CLIP_CANDIDATES)):
            nominated.setdefault(parse_frame_id(fid)[0], None)
    passing = passing_ids(catalog, where, list(nominated))
    found: list[tuple[str, Moment]] = []
    for video in (cid for cid in nominated if cid in passing):
        times, vectors = moments_of(catalog, store, model_id, video)
        if len(times):
            found.append((video, place_clip(clip @ vectors.T, np.asarray(clip_times), times)))
    found.sort(key=lambda item: (-item[1].score, item[0]))
    return found[:needed]


def place_clip(similarity: np.ndarray, clip_times: np.ndarray, times: np.ndarray) -> Moment:
    """The best start for a clip in one video.

    similarity[i, j]: the clip's frame i against the video's moment j. A sampled moment
    stands for the video until the next one (moments are taken at scene changes and at
    least every interval), so clip frame i placed at time T is compared with the moment
    showing at T (the last at or before T, or one starting within TOLERANCE after it).
    Each pairing of a clip frame with a moment proposes a start; a start scores the mean,
    over the clip's frames, of their similarity to the moments showing where they fall:
    a start that only one frame supports scores low.
    """
    best_anywhere = similarity.max(axis=1)
    starts = np.unique(np.round((times[None, :] - clip_times[:, None]).reshape(-1), 2))
    span = float(clip_times.max() - clip_times.min())
    best: Moment | None = None
    rows = np.arange(len(clip_times))
    for start in starts:
        at = start + clip_times
        showing = np.searchsorted(times, at + TOLERANCE, side="right") - 1
        placed = np.where(showing >= 0, similarity[rows, np.maximum(showing, 0)], -1.0)
        before = np.maximum(showing - 1, 0)  # the moment before, when the cut is that close
        close = (showing >= 1) & (times[showing.clip(0)] > at)
        placed = np.where(close, np.maximum(placed, similarity[rows, before]), placed)
        score = float(placed.mean())
        if best is None or score > best.score + 1e-9:
            agree = float(np.mean(placed >= best_anywhere - CONSISTENT))
            start_at = max(0.0, float(start))
            best = Moment(score, start_at, start_at + span, agree)
    assert best is not None
    return best
