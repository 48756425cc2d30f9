"""Videos with PyAV: a few upright, reduced frames per video, without decoding every frame.

decode_video samples a video's moments in passes:

1. Key frames only (the decoder is sent key packets, and skips non-key frames): keep one at
   least every `interval` seconds (the last key frame before the gap would grow past it),
   and one at each scene change (a tiny colour signature that differs from the last kept
   frame's). Cheap: a key frame every few seconds of a long video.
2. Scene cuts that pass 1 did not see, from what it read anyway: key frames it did not
   decode (FFmpeg, asked for key frames only, passes over an I-frame that does not reset
   the decoder, as encoders put at cuts close after a key frame), and cuts the encoder gave
   no key frame (a frame far larger than the frames either side of it: coded afresh). Such
   a frame is decoded with the few before it since its key frame (an accurate seek); where
   two successive frames' signatures differ as a scene change's do (a key frame: its and
   the last kept frame's), the cut is a moment. At most max_frames, the likeliest first.
3. Where key frames lie further apart than `interval` (long GOPs, a single key frame), an
   accurate seek: back to the key frame before each target, decoding forward to the first
   frame at or after it. Targets that share a GOP are served by one forward decode.
4. The poster: the frame at min(duration * 0.1, 10 s), found by the same accurate seek, so
   a copy of the video re-encoded with other key frames gets the same poster picture.

Every frame is reduced right after decoding (short side >= min_side where the video is
that big) and turned upright by the stream's display matrix (phone videos). Anything that
cannot be read raises BadVideo, whose message is a one-line reason for the user; a video
damaged part way is indexed up to the damage, with a warning.
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import re
import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageSequence, UnidentifiedImageError

from indexing.errors import BadImage
from indexing.ingest.scan import is_video_name
from indexing.records import timecode

DEFAULT_MAX_PIXELS = 178_956_970

SIGNATURE_SIDE = 16  # the scene-change signature: 16x16 RGB, area-averaged
SCENE_THRESHOLD = 30.0  # mean absolute difference (0-255) of two signatures: a new scene
CUT_WINDOW = 16  # a frame's size is compared with the non-key frames either side of it
CUT_RATIO = 1.8  # this many times the second largest of those either side: maybe a cut
CUT_LOOKBACK = 8  # frames before such a frame where the cut may be (B-frames before it)
EPSILON = 1e-3  # seconds: timestamps this close count as the same moment
MAX_DECODE_ERRORS = 50  # corrupt packets skipped before a pass gives up on the file
POSTER_AT_MOST = 10.0  # seconds: the poster is the frame at 10% of the video, at most this
GIF_DEFAULT_DURATION_MS = 100  # what browsers show a GIF frame with no (or a 0-10 ms) delay

# Exceptions that PyAV, FFmpeg or Pillow raise for a file they cannot handle. MemoryError
# is deliberately absent: the caller reports it as such.
_DECODE_ERRORS = (
    av.error.FFmpegError,
    OSError,
    ValueError,
    RuntimeError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    OverflowError,
    ZeroDivisionError,
    struct.error,
)

# Clockwise degrees that turn a frame upright -> the PIL transpose that does it.
_UPRIGHT = {
    90: Image.Transpose.ROTATE_270,  # PIL rotates counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


class BadVideo(BadImage):
    """A file that cannot be indexed as a video; message = one-line reason for the user."""


@dataclass(slots=True)
class SampledFrame:
    time: float  # seconds from the video's start (presentation time, stream start subtracted)
    pixels: Image.Image  # upright RGB, reduced (short side >= min_side where the video allows)


@dataclass(slots=True)
class DecodedVideo:
    frames: list[SampledFrame]  # time order, at least 1, at most max_frames
    poster: Image.Image  # upright RGB, same reduction: the frame shown on the video's card
    poster_time: float  # the poster frame's time: the first frame at min(duration/10, 10 s)
    duration: float  # seconds (the stream's or container's duration; else last frame time)
    width: int  # full size as displayed (after rotation)
    height: int
    codec: str  # e.g. "h264", "hevc", "vp9", "av1", "mpeg4"
    container: str  # e.g. "MP4", "MOV", "MKV", "WEBM", "AVI"
    fps: float | None  # average frame rate when known
    created_at: str | None  # the file's creation time tag, ISO 8601
    rotation: int  # 0, 90, 180 or 270: clockwise degrees applied to make frames upright
    warnings: list[str] = field(default_factory=list)  # indexed, with a caveat


def decode_video(
    path: str,
    *,
    min_side: int,
    long_side: int,
    interval: float = 10.0,
    max_frames: int = 120,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> DecodedVideo:
    """A video's moments: frames at key frames, scene changes and at least every interval
    seconds (at most max_frames, evenly thinned beyond), plus a poster and the facts.

    Raises BadVideo with a one-line reason for anything that cannot be indexed.
    """
    max_frames = max(1, int(max_frames))
    interval = interval if interval > 0 else 10.0
    with _open(path, max_pixels) as video:
        try:
            return video.decode(
                min_side=min_side, long_side=long_side, interval=interval, max_frames=max_frames
            )
        except BadVideo:
            raise
        except _DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {_one_line(exc)}") from None


def sample_clip(
    path: str, *, min_side: int, max_frames: int = 16, max_pixels: int = DEFAULT_MAX_PIXELS
) -> list[SampledFrame]:
    """Frames of a query clip: an animated GIF (or WEBP/PNG with several frames, via Pillow's
    ImageSequence, times from the frames' durations) or a short video; evenly spread over the
    clip, at most max_frames, at least 1. Raises BadVideo (one line) for anything unusable.

    A still image is a clip of one frame.
    """
    max_frames = max(1, int(max_frames))
    _check_not_empty(path)
    if not is_video_name(path):
        frames = _image_clip(path, min_side=min_side, max_frames=max_frames, max_pixels=max_pixels)
        if frames is not None:
            return frames
    with _open(path, max_pixels) as video:
        try:
            return video.clip(min_side=min_side, max_frames=max_frames)
        except BadVideo:
            raise
        except _DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {_one_line(exc)}") from None


def frames_near(
    path: str,
    times: list[float],
    *,
    min_side: int,
    long_side: int = 0,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[SampledFrame]:
    """The frames shown at these times (seconds): accurate seeks, neighbouring times served
    by one forward decode; a time past the end gives the last frame, once. For the moment a
    screenshot was taken, between two sampled moments. Raises BadVideo."""
    with _open(path, max_pixels) as video:
        try:
            found = video.frames_at(sorted(times))
            frames: list[SampledFrame] = []
            for _target, at, frame in found:
                if frames and at <= frames[-1].time + EPSILON:
                    continue
                frames.append(SampledFrame(at, video.picture(frame, min_side, long_side)))
            return frames
        except BadVideo:
            raise
        except _DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {_one_line(exc)}") from None


def poster_still(path: str, *, side: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The poster frame (the one decode_video picks) with its long side at most `side`:
    the large picture of a video where a still is shown (the Rate tab, previews)."""
    with _open(path, max_pixels) as video:
        duration = video.header_duration() or 0.0
        try:
            found = list(video.frames_at([min(duration * 0.1, POSTER_AT_MOST)]))
        except _DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {_one_line(exc)}") from None
        if not found:
            raise BadVideo("cannot read video: the file is truncated or damaged")
        picture = video.picture(found[0][2], 1, side)
        picture.thumbnail((side, side))
        return picture


# Opening and checking


def _check_not_empty(path: str) -> None:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise BadVideo(f"cannot open file: {exc.strerror or _one_line(exc)}") from None
    if size == 0:
        raise BadVideo("empty file (0 bytes)")


def _open(path: str, max_pixels: int) -> _Video:
    """The file opened, its video stream picked and checked; a context manager."""
    _check_not_empty(path)
    try:
        container = av.open(path, "r", metadata_errors="replace")
    except av.error.FileNotFoundError:
        raise BadVideo("cannot open file: no such file") from None
    except av.error.PermissionError:
        raise BadVideo("cannot open file: permission denied") from None
    except _DECODE_ERRORS:
        raise BadVideo("cannot read video: the file is truncated or damaged") from None
    try:
        return _Video(path, container, max_pixels)
    except BaseException:
        container.close()
        raise


class _Video:
    """One open video file and its chosen video stream."""

    def __init__(self, path: str, container: Any, max_pixels: int) -> None:
        self.path = path
        self.container = container
        self.stream = self._pick_stream()
        stream = self.stream
        context = stream.codec_context
        if context is None:
            raise BadVideo(f"unsupported video codec: {_codec_tag(path) or 'unknown to FFmpeg'}")
        width, height = int(context.width or 0), int(context.height or 0)
        if width * height > max_pixels:
            raise BadVideo(
                f"refused: {width}x{height} video frames exceed the {max_pixels:,}-pixel limit"
            )
        self.max_pixels = max_pixels
        context.thread_type = "AUTO"  # before the decoder opens: frame and slice threads
        self.codec = context.codec.canonical_name or context.name
        self.time_base: Fraction = stream.time_base or Fraction(1, 90000)
        self.start_pts: int | None = stream.start_time
        self.rotation = 0  # clockwise; from the first decoded frame's display matrix
        self.frame_size: tuple[int, int] | None = None  # stored size of the first frame
        self._sizes: dict[tuple[int, int], tuple[int, int]] = {}
        # One scaler each, reused: a fresh one per frame costs more than the scaling.
        self._shrinker = VideoReformatter()
        self.signer = VideoReformatter()
        self.sar = _sample_aspect_ratio(stream)
        # What the passes learn about the file
        self.key_times: list[float] = []  # key packets' times, in file order
        # Every packet's time, size and whether it is a key frame, in file order (pass 1)
        self.packet_times = array("d")
        self.packet_sizes = array("q")
        self.packet_keys = bytearray()
        self.sent_keys: list[float] = []  # the key frames pass 1 gave the decoder
        self.decoded_keys: list[float] = []  # and the frames it got back (their times)
        self.packets = 0
        self.seen_until = 0.0  # end of the last intact packet read
        self.damaged_at: float | None = None  # time of the first damage found
        self.good_after_damage = False  # frames decoded fine after that damage
        self.max_time = 0.0  # latest frame decoded so far
        self.warnings: list[str] = []

    def __enter__(self) -> _Video:
        return self

    def __exit__(self, *exc: object) -> None:
        self.container.close()

    def _pick_stream(self) -> Any:
        streams = self.container.streams
        videos = [
            s for s in streams.video if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if not videos:
            if streams.audio:
                raise BadVideo("no video stream (audio only)")
            raise BadVideo("no video stream")
        # The default stream if one is marked, else the first.
        marked = [s for s in videos if s.disposition & av.stream.Disposition.default]
        return (marked or videos)[0]

    # Facts

    def header_duration(self) -> float | None:
        """The video stream's own duration, else the container's (seconds), when known."""
        stream = self.stream
        if stream.duration and stream.duration > 0:
            return float(stream.duration * self.time_base)
        tagged = _parse_duration_tag(stream.metadata.get("DURATION") or "")
        if tagged:
            return tagged
        if self.container.duration and self.container.duration > 0:
            return self.container.duration / av.time_base
        return None

    def end_slack(self, duration: float) -> float:
        """How far before `duration` the last packet may end in an intact file. A duration
        of the whole container may cover an audio track that runs on a little longer."""
        frame = 1.0 / (self.fps() or 30.0)
        own = bool(self.stream.duration) or "DURATION" in self.stream.metadata
        return max(0.25, 2.5 * frame) if own else max(1.0, 0.02 * duration, 3 * frame)

    def fps(self) -> float | None:
        for rate in (self.stream.average_rate, self.stream.guessed_rate):
            if rate and rate > 0:
                return float(rate)
        return None

    def container_name(self) -> str:
        names = (self.container.format.name or "").split(",")
        ext = os.path.splitext(self.path)[1].lower()
        if "mov" in names or "mp4" in names:
            brand = str(self.container.metadata.get("major_brand", "")).strip().lower()
            return "MOV" if ext == ".mov" or brand == "qt" else "MP4"
        if "matroska" in names or "webm" in names:
            if ext == ".webm" or (ext != ".mkv" and self.codec in {"vp8", "vp9", "av1"}):
                return "WEBM"
            return "MKV"
        return (names[0] or "video").upper()

    def created_at(self) -> str | None:
        sources = (self.container.metadata, self.stream.metadata)
        # The phone's local time with its offset beats creation_time (UTC).
        for key in ("com.apple.quicktime.creationdate", "creation_time", "date"):
            for metadata in sources:
                when = _parse_date(metadata.get(key))
                if when:
                    return when
        return None

    # Frames

    def time_of(self, frame: Any) -> float | None:
        pts = frame.pts if frame.pts is not None else frame.dts
        if pts is None:
            return None
        if self.start_pts is None:
            self.start_pts = pts
        return max(0.0, float((pts - self.start_pts) * self.time_base))

    def picture(self, frame: Any, min_side: int, long_side: int) -> Image.Image:
        """The frame as upright RGB, reduced: short side >= min_side (where the frame is
        that big), long side long_side unless min_side needs more."""
        key = (frame.width, frame.height)
        size = self._sizes.get(key)
        if size is None:
            size = self._sizes[key] = _reduced_size(
                frame.width * float(self.sar), frame.height, min_side, long_side
            )
        small = self._shrinker.reformat(
            frame, size[0], size[1], "rgb24", interpolation="AREA", threads=0
        )
        image = Image.fromarray(small.to_ndarray(), "RGB")
        method = _UPRIGHT.get(self.rotation)
        return image.transpose(method) if method is not None else image

    def note_first_frame(self, frame: Any) -> None:
        if self.frame_size is not None:
            return
        if frame.width * frame.height > self.max_pixels:
            raise BadVideo(
                f"refused: {frame.width}x{frame.height} video frames exceed the "
                f"{self.max_pixels:,}-pixel limit"
            )
        self.frame_size = (frame.width, frame.height)
        try:
            counter_clockwise = frame.rotation
        except _DECODE_ERRORS:
            counter_clockwise = 0
        self.rotation = (-round((counter_clockwise or 0) / 90) * 90) % 360

    def display_size(self) -> tuple[int, int]:
        width, height = self.frame_size or (0, 0)
        width = round(width * self.sar)
        return (height, width) if self.rotation in (90, 270) else (width, height)

    # Pass 1: key frames

    def key_frame_pass(self, keep: Any, spacing: float = 0.0) -> None:
        """Decode the key frames only, at most one per `spacing` seconds (where every frame
        is a key frame, as in MJPEG, decoding them all would cost a full decode); call
        keep(time, frame) for each, in time order."""
        context = self.stream.codec_context
        context.skip_frame = "NONKEY"
        errors = 0
        next_key = -math.inf  # the earliest time worth decoding another key frame at
        packets = self.container.demux(self.stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except _DECODE_ERRORS:
                self._damage(self.seen_until)
                self._flush(keep)
                break
            flush = packet.size == 0
            if not flush:
                self._note_packet(packet)
                if packet.is_corrupt:
                    self._damage(self._packet_time(packet) or self.seen_until)
                    continue
                if not packet.is_keyframe:
                    continue
                at = self._packet_time(packet)
                if at is not None:
                    if at < next_key:
                        continue
                    next_key = at + spacing - EPSILON
                    self.sent_keys.append(at)
            try:
                frames = packet.decode()
            except _DECODE_ERRORS:
                self._damage(self._packet_time(packet) or self.seen_until)
                errors += 1
                if errors > MAX_DECODE_ERRORS:
                    self._flush(keep)
                    break
                continue
            for frame in frames:
                self._frame_decoded(frame, keep)
        context.skip_frame = "DEFAULT"

    def _flush(self, keep: Any) -> None:
        """The frames still inside the decoder (frame threads, reordering)."""
        try:
            frames = self.stream.codec_context.decode(None)
        except _DECODE_ERRORS:
            return
        for frame in frames:
            self._frame_decoded(frame, keep)

    def _packet_time(self, packet: Any) -> float | None:
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is None:
            return None
        start = self.start_pts if self.start_pts is not None else pts
        return max(0.0, float((pts - start) * self.time_base))

    def _note_packet(self, packet: Any) -> None:
        self.packets += 1
        at = self._packet_time(packet)
        if at is None:
            return
        if packet.is_keyframe:
            self.key_times.append(at)
        if not packet.is_corrupt:
            self.packet_times.append(at)
            self.packet_sizes.append(packet.size)
            self.packet_keys.append(1 if packet.is_keyframe else 0)
        if not packet.is_corrupt and self.damaged_at is None:
            length = float(packet.duration * self.time_base) if packet.duration else 0.0
            self.seen_until = max(self.seen_until, at + length)

    def _damage(self, at: float) -> None:
        if self.damaged_at is None:
            self.damaged_at = at

    def _frame_decoded(self, frame: Any, keep: Any) -> None:
        at = self.time_of(frame)
        if at is None:
            return
        self.note_first_frame(frame)
        if self.damaged_at is not None and at > self.damaged_at + EPSILON:
            self.good_after_damage = True
        self.max_time = max(self.max_time, at)
        self.decoded_keys.append(at)
        keep(at, frame)

    # Pass 2: scene cuts without a key frame

    def cut_candidates(
        self, scenes: list[float], min_gap: float, limit: int, until: float
    ) -> list[list[float]]:
        """Where a scene cut that pass 1 did not see is likely: a key frame it did not decode
        (one the decoder passed over, as FFmpeg does with an I-frame that does not reset the
        decoder when asked for key frames only, or one too close after another), alone; or
        a frame CUT_RATIO times as large as the second largest of the CUT_WINDOW non-key
        frames on either side of it (a frame coded afresh between predicted ones), with the
        frames before it since its key frame, CUT_LOOKBACK at most (the cut may be a few
        frames earlier: frames predicted from a later one cost little). Their times, each
        run in order; at least min_gap from the scene changes already kept and from each
        other, at most `until`; key frames and then the largest ratios first, at most
        `limit`."""
        times = np.frombuffer(self.packet_times, dtype=np.float64)
        order = np.argsort(times, kind="stable")  # packets come in decoding order
        times = times[order]
        sizes = np.frombuffer(self.packet_sizes, dtype=np.int64)[order].astype(np.float64)
        keys = np.frombuffer(bytes(self.packet_keys), dtype=np.uint8)[order].astype(bool)
        inter = np.flatnonzero(~keys)  # positions of the non-key frames, in time order
        unseen = keys & ~np.isin(np.round(times, 3), np.round(self.decoded_keys, 3))
        if not len(inter):  # every frame a key frame: pass 1 saw one every `spacing`
            unseen &= np.isin(np.round(times, 3), np.round(self.sent_keys, 3))
        score = np.where(unseen, np.inf, 0.0)
        if len(inter) > 2 * CUT_WINDOW:
            windows = np.lib.stride_tricks.sliding_window_view(sizes[inter], CUT_WINDOW)
            second = np.empty(len(windows))
            chunk = 1 << 16  # bounded memory on long videos
            for start in range(0, len(windows), chunk):
                part = np.partition(windows[start : start + chunk], CUT_WINDOW - 2, axis=1)
                second[start : start + chunk] = part[:, CUT_WINDOW - 2]
            before = np.searchsorted(inter, np.arange(len(times)))  # non-key frames before
            after = before + (~keys)  # the first non-key frame after each
            both = np.flatnonzero(~keys & (before >= CUT_WINDOW) & (after < len(second)))
            larger = np.maximum(second[before[both] - CUT_WINDOW], second[after[both]])
            score[both] = sizes[both] / np.maximum(larger, 1.0)
        likely = np.flatnonzero(score >= CUT_RATIO)
        key_positions = np.flatnonzero(keys)
        taken = sorted(scenes)
        picked: list[list[float]] = []
        for position in likely[np.argsort(-score[likely], kind="stable")]:
            at = float(times[position])
            if position == 0 or at > until + EPSILON:
                continue
            index = bisect.bisect_left(taken, at)
            if index < len(taken) and taken[index] - at < min_gap - EPSILON:
                continue
            if index > 0 and at - taken[index - 1] < min_gap - EPSILON:
                continue
            taken.insert(index, at)
            if keys[position]:
                first = position  # alone: judged as pass 1 judges key frames
            else:
                last_key = int(np.searchsorted(key_positions, position)) - 1
                gop = int(key_positions[last_key]) if last_key >= 0 else 0
                first = max(position - CUT_LOOKBACK, gop)  # frames after it depend on it
            picked.append([float(t) for t in times[first : position + 1]])
            if len(picked) >= limit:
                break
        return sorted(picked, key=lambda run: run[-1])

    def scene_cuts(
        self, runs: list[list[float]], kept: list[SampledFrame], min_side: int, long_side: int
    ) -> list[SampledFrame]:
        """The scene cuts among cut_candidates' runs, as moments: in a run of frames, the
        first whose signature differs from the one before it as much as two scenes' do; a
        key frame alone, where it differs so from the last frame kept before it (as pass 1
        judges key frames). One accurate seek per stretch between key frames."""
        run_ending = {run[-1]: run for run in runs}
        shown: dict[float, tuple[float, np.ndarray, Any]] = {}
        found: list[SampledFrame] = []
        for target, at, frame in self.frames_at(sorted({t for run in runs for t in run})):
            run = run_ending.get(target)
            if run is not None and len(run) == 1:
                before = [f for f in kept if f.time < at - EPSILON]
                picture = self.picture(frame, min_side, long_side)
                if not before or _scene_changed(
                    _picture_signature(before[-1].pixels), _picture_signature(picture)
                ):
                    found.append(SampledFrame(at, picture))
                continue
            shown[target] = (at, _signature(self.signer, frame), frame)
            if run is None:
                continue
            decoded = [shown.pop(t) for t in run if t in shown]
            for (before_at, old, _), (after_at, new, cut) in itertools.pairwise(decoded):
                if after_at > before_at + EPSILON and _scene_changed(old, new):
                    found.append(SampledFrame(after_at, self.picture(cut, min_side, long_side)))
                    break
        return found

    # Pass 3 and the poster: accurate seeks

    def frames_at(self, targets: list[float]) -> Iterator[tuple[float, float, Any]]:
        """For each target time (ascending), (target, time, frame) of the first frame at or
        after it, or of the stream's last frame when the stream ends before the target;
        given as they are decoded (a frame at full size is not held longer than needed)."""
        self.stream.codec_context.skip_frame = "DEFAULT"
        self.key_times.sort()
        reader: Any = None
        position: float | None = None  # time of the last frame the reader gave
        last: tuple[float, Any] | None = None
        for target in targets:
            if last is not None and last[0] >= target - EPSILON:
                yield (target, last[0], last[1])
                continue
            if reader is None or position is None or self._key_between(position, target):
                reader = self._seek(target)
                position, last = None, None
                if reader is None:
                    continue
            hit = None
            while True:
                try:
                    frame = next(reader)
                except StopIteration:
                    reader = None
                    break
                except _DECODE_ERRORS:
                    if self.damaged_at is None or target < self.damaged_at - 1.0:
                        self.warnings.append(
                            f"the video is damaged near {timecode(target)}; frames there "
                            "were skipped"
                        )
                    reader = None
                    break
                at = self.time_of(frame)
                if at is None:
                    continue
                self.note_first_frame(frame)
                self.max_time = max(self.max_time, at)
                position, last = at, (at, frame)
                if at >= target - EPSILON:
                    hit = last
                    break
            if hit is None and last is not None:
                hit = last  # the stream ended first: its last frame
            if hit is not None:
                yield (target, hit[0], hit[1])

    def _key_between(self, after: float, upto: float) -> bool:
        index = bisect.bisect_right(self.key_times, after + EPSILON)
        return index < len(self.key_times) and self.key_times[index] <= upto + EPSILON

    def _seek(self, target: float) -> Any:
        start = self.start_pts or 0
        offset = start + math.floor(target / self.time_base)
        try:
            self.container.seek(max(offset, start), stream=self.stream, backward=True)
        except _DECODE_ERRORS:
            try:
                self.container.seek(0, backward=True)  # no index: from the start
            except _DECODE_ERRORS:
                return None
        return self._forward()

    def _forward(self) -> Any:
        for packet in self.container.demux(self.stream):
            if packet.size and packet.is_corrupt:
                continue
            yield from packet.decode()

    # The whole job

    def decode(
        self, *, min_side: int, long_side: int, interval: float, max_frames: int
    ) -> DecodedVideo:
        header = self.header_duration()
        step = max(interval, (header or 0.0) / max_frames)
        picker = _KeyFramePicker(self, step, min_side, long_side, max_frames)
        self.key_frame_pass(picker.offer, spacing=picker.min_gap / 2)
        picker.finish()
        kept = picker.kept
        if not kept and self.packets == 0:
            if header or self.stream.frames:
                raise BadVideo("cannot read video: the file is truncated or damaged")
            raise BadVideo("the video has no frames")

        duration = header or max(self.max_time, self.seen_until)
        readable = duration
        if (
            self.damaged_at is None
            and self.seen_until
            and header
            and self.seen_until < header - self.end_slack(header)
        ):
            self._damage(self.seen_until)  # the packets stop well before the promised end
        if self.damaged_at is not None and not self.good_after_damage:
            readable = max(self.damaged_at, max((f.time for f in kept), default=0.0))

        cuts = self.cut_candidates(picker.scene_times, picker.min_gap, max_frames, readable)
        if cuts:
            kept = sorted(
                [*kept, *self.scene_cuts(cuts, kept, min_side, long_side)], key=lambda f: f.time
            )
        targets = _gap_targets([f.time for f in kept], readable, step)
        poster_target = min(duration * 0.1, POSTER_AT_MOST)
        wanted = sorted({*targets, poster_target} if poster_target <= readable else targets)
        poster: SampledFrame | None = None
        if wanted:
            known = {round(f.time, 3) for f in kept}
            for target, at, frame in self.frames_at(wanted):
                if target == poster_target and poster is None:
                    poster = SampledFrame(at, self.picture(frame, min_side, long_side))
                if target in targets and round(at, 3) not in known:
                    known.add(round(at, 3))
                    kept.append(SampledFrame(at, self.picture(frame, min_side, long_side)))
        if not kept:
            raise BadVideo("cannot read video: the file is truncated or damaged")
        kept.sort(key=lambda f: f.time)
        frames = _even_subsample(kept, max_frames)
        if poster is None:
            poster = frames[0]

        warnings = list(dict.fromkeys(self.warnings))
        if self.damaged_at is not None:
            if self.good_after_damage:
                warning = (
                    f"the video is damaged near {timecode(self.damaged_at)}; "
                    "frames there were skipped"
                )
            else:
                warning = f"the video is damaged after {timecode(readable)}; indexed up to there"
            warnings.insert(0, warning)
        width, height = self.display_size()
        return DecodedVideo(
            frames=frames,
            poster=poster.pixels,
            poster_time=poster.time,
            duration=duration,
            width=width,
            height=height,
            codec=self.codec,
            container=self.container_name(),
            fps=self.fps(),
            created_at=self.created_at(),
            rotation=self.rotation,
            warnings=list(dict.fromkeys(warnings)),
        )

    def clip(self, *, min_side: int, max_frames: int) -> list[SampledFrame]:
        """Up to max_frames frames evenly spread over the video (a query clip)."""
        duration = self.header_duration()
        if not duration:
            # No duration in the header: the key frames' times tell how long it is.
            self.key_frame_pass(lambda at, frame: None)
            duration = max(self.max_time, self.seen_until)
        targets = [i * duration / max_frames for i in range(max_frames)]
        frames: list[SampledFrame] = []
        for _target, at, frame in self.frames_at(targets):
            if frames and at <= frames[-1].time + EPSILON:
                continue
            frames.append(SampledFrame(at, self.picture(frame, min_side, min_side)))
        if not frames:
            if self.packets == 0 and self.stream.frames == 0 and not duration:
                raise BadVideo("the video has no frames")
            raise BadVideo("cannot read video: the file is truncated or damaged")
        return frames


class _KeyFramePicker:
    """Which key frames pass 1 keeps: the first; the last key frame before the gap since
    the last kept frame would exceed `step` (or the key frame itself when key frames lie
    further apart); and scene changes (from the last kept frame) at least min(step/4, 1 s)
    after the last scene change kept: a cut just after a frame kept for the interval is
    kept too (that frame shows the scene before)."""

    def __init__(
        self, video: _Video, step: float, min_side: int, long_side: int, max_frames: int
    ) -> None:
        self.video = video
        self.step = step
        self.min_gap = min(step / 4, 1.0)
        self.min_side, self.long_side = min_side, long_side
        self.max_frames = max_frames
        self.kept: list[SampledFrame] = []
        self.last_signature: np.ndarray | None = None
        self.pending: tuple[float, Any, np.ndarray] | None = None
        self.scene_times: list[float] = []  # the first frame, and those kept as cuts

    def offer(self, at: float, frame: Any) -> None:
        signature = _signature(self.video.signer, frame)
        if not self.kept:
            self._keep(at, frame, signature)
            self.scene_times.append(at)
            return
        last = self.kept[-1].time
        if at <= last + EPSILON:
            return  # out of order or a repeat: pass 1 gives key frames in time order
        if at - last > self.step + EPSILON and self.pending is not None:
            self._keep(*self.pending)
            last = self.kept[-1].time
        due = at - last >= self.step - EPSILON
        cut = at - self.scene_times[-1] >= self.min_gap - EPSILON and self._is_new_scene(signature)
        if due or cut:
            self._keep(at, frame, signature)
            if cut and not due:
                self.scene_times.append(at)
        else:
            self.pending = (at, frame, signature)

    def finish(self) -> None:
        """The last key frame, when the tail after the last kept frame is long."""
        if self.pending is None or not self.kept:
            return
        end = self.video.header_duration() or self.video.max_time
        if end - self.kept[-1].time > self.step + EPSILON:
            self._keep(*self.pending)
        self.pending = None

    def _is_new_scene(self, signature: np.ndarray) -> bool:
        return self.last_signature is None or _scene_changed(self.last_signature, signature)

    def _keep(self, at: float, frame: Any, signature: np.ndarray) -> None:
        self.kept.append(SampledFrame(at, self.video.picture(frame, self.min_side, self.long_side)))
        self.last_signature = signature
        self.pending = None
        if len(self.kept) >= 4 * self.max_frames:  # bounded memory on very long videos
            self.kept = _even_subsample(self.kept, 2 * self.max_frames)


def _signature(signer: VideoReformatter, frame: Any) -> np.ndarray:
    small = signer.reformat(
        frame, SIGNATURE_SIDE, SIGNATURE_SIDE, "rgb24", interpolation="AREA", threads=1
    )
    return small.to_ndarray().astype(np.float32)


def _picture_signature(picture: Image.Image) -> np.ndarray:
    """A reduced picture's signature (as _signature gives a frame's)."""
    small = picture.resize((SIGNATURE_SIDE, SIGNATURE_SIDE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)


def _scene_changed(before: np.ndarray, after: np.ndarray) -> bool:
    """Two signatures of different scenes (or of different sizes)."""
    if before.shape != after.shape:
        return True
    return float(np.abs(after - before).mean()) > SCENE_THRESHOLD


def _gap_targets(times: list[float], end: float, step: float) -> list[float]:
    """Times to seek to so that no gap between kept frames (or from the start, or to the
    end) is longer than step: each long gap split evenly."""
    targets: list[float] = []
    if not times:
        count = max(1, math.ceil(end / step)) if end > 0 else 1
        return [i * end / count for i in range(count)]
    if times[0] > step + EPSILON:
        count = math.ceil(times[0] / step)
        targets += [i * times[0] / count for i in range(count)]
    bounds = [*times, end]
    for a, b in itertools.pairwise(bounds):
        gap = b - a
        if gap > step + EPSILON:
            count = math.ceil(gap / step - EPSILON)
            targets += [a + i * gap / count for i in range(1, count)]
    return sorted(set(targets))


def _even_subsample(frames: list[SampledFrame], count: int) -> list[SampledFrame]:
    """count frames evenly through the list, the first (and last) always among them."""
    if len(frames) <= count:
        return frames
    if count == 1:
        return frames[:1]
    last = len(frames) - 1
    picks = sorted({round(i * last / (count - 1)) for i in range(count)})
    return [frames[i] for i in picks]


def _reduced_size(width: float, height: float, min_side: int, long_side: int) -> tuple[int, int]:
    """Scale to long_side on the long side, or more where min_side needs it; never up."""
    width, height = max(1.0, width), max(1.0, height)
    short, long = min(width, height), max(width, height)
    scale = max(long_side / long if long_side > 0 else 0.0, min_side / short)
    scale = min(1.0, scale) if scale > 0 else 1.0
    return max(1, round(width * scale)), max(1, round(height * scale))


def _sample_aspect_ratio(stream: Any) -> Fraction:
    try:
        sar = stream.sample_aspect_ratio
    except _DECODE_ERRORS:
        sar = None
    if not sar or sar <= 0 or not Fraction(1, 4) <= sar <= 4:
        return Fraction(1)
    return Fraction(sar)


# Tags and headers


def _parse_duration_tag(text: str) -> float | None:
    """Matroska's per-stream DURATION tag: "00:01:02.500000000"."""
    match = re.fullmatch(r"\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*", text)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return total if total > 0 else None


def _parse_date(value: Any) -> str | None:
    """A creation-time tag as ISO 8601, or None (missing, unparsable, or an epoch zero)."""
    if not value:
        return None
    text = str(value).strip()
    text = re.sub(r"[zZ]$", "+00:00", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # +0200 -> +02:00
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # more than microseconds
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            return None
    if when.year < 1971:  # 1904 and 1970 are the "unset" epochs of MP4 and Unix
        return None
    return when.isoformat()


def _codec_tag(path: str) -> str | None:
    """The sample entry of an MP4/MOV's video track (e.g. 'zzzz'), for the error message
    when FFmpeg has no decoder; None when it cannot be found cheaply."""
    try:
        with open(path, "rb") as f:
            moov = _top_level_box(f, b"moov")
            if moov is None:
                return None
            for trak in _boxes(moov, b"trak"):
                mdia = next(_boxes(trak, b"mdia"), None)
                if mdia is None:
                    continue
                hdlr = next(_boxes(mdia, b"hdlr"), b"")
                if hdlr[8:12] != b"vide":
                    continue
                stbl = b""
                for minf in _boxes(mdia, b"minf"):
                    stbl = next(_boxes(minf, b"stbl"), b"")
                stsd = next(_boxes(stbl, b"stsd"), b"")
                tag = stsd[12:16]
                if len(tag) == 4:
                    return tag.decode("latin-1").strip() or None
    except (OSError, struct.error, ValueError):
        return None
    return None


def _top_level_box(f: Any, kind: bytes, limit: int = 64 << 20) -> bytes | None:
    """The payload of the first top-level box of that type (when under limit bytes)."""
    while True:
        header = f.read(8)
        if len(header) < 8:
            return None
        size, box = struct.unpack(">I4s", header)
        skip = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            skip = 16
        if box == kind:
            if size == 0 or size - skip > limit:
                return None
            return f.read(size - skip)
        if size < skip:
            return None
        f.seek(size - skip, os.SEEK_CUR)


def _boxes(payload: bytes, kind: bytes) -> Any:
    """The payloads of the child boxes of that type."""
    at = 0
    while at + 8 <= len(payload):
        size, box = struct.unpack(">I4s", payload[at : at + 8])
        if size < 8:
            return
        if box == kind:
            yield payload[at + 8 : at + size]
        at += size


# Animated images as query clips


def _image_clip(
    path: str, *, min_side: int, max_frames: int, max_pixels: int
) -> list[SampledFrame] | None:
    """The frames of an animated (or still) image, or None when Pillow cannot open it."""
    try:
        image = Image.open(path)
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:
        raise BadVideo("refused as a possible decompression bomb") from None
    except _DECODE_ERRORS as exc:
        raise BadVideo(f"cannot open image: {_one_line(exc)}") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise BadVideo(
                f"refused: {width}x{height} frames exceed the {max_pixels:,}-pixel limit"
            )
        try:
            starts: list[float] = []
            at = 0.0
            for frame in ImageSequence.Iterator(image):
                starts.append(at)
                delay = frame.info.get("duration") or 0
                at += (delay if delay > 10 else GIF_DEFAULT_DURATION_MS) / 1000
            total = at
            wanted = sorted(
                {_frame_showing(starts, i * total / max_frames) for i in range(max_frames)}
            )
            frames = []
            for index in wanted:
                image.seek(index)
                pixels = _to_rgb(image)
                size = _reduced_size(pixels.width, pixels.height, min_side, min_side)
                if size != pixels.size:
                    pixels = pixels.resize(size, Image.Resampling.BOX)
                frames.append(SampledFrame(starts[index], pixels))
        except Image.DecompressionBombError:
            raise BadVideo("refused as a possible decompression bomb") from None
        except _DECODE_ERRORS as exc:
            raise BadVideo(f"corrupt or truncated animation: {_one_line(exc)}") from None
    if not frames:
        raise BadVideo("the animation has no frames")
    return frames


def _frame_showing(starts: list[float], at: float) -> int:
    return max(0, bisect.bisect_right(starts, at + 1e-9) - 1)


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, transparency composited over white."""
    if image.mode == "RGB":
        return image.copy()
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def _one_line(exc: BaseException) -> str:
    """An exception as a short line: FFmpeg's reason without its errno or file name."""
    if isinstance(exc, av.error.FFmpegError) and exc.strerror:
        return str(exc.strerror).strip()
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
