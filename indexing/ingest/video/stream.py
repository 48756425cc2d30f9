"""One open video stream, read by PyAV: its facts, its frames, pass 1 and accurate seeks.

VideoStream picks the file's video stream and checks it, says what its headers say
(duration, fps, container, creation date), turns a decoded frame into an upright, reduced
picture, and reads frames two ways: the key frames only (pass 1, noting every packet's
time, size and damage as it goes) and accurate seeks to given times. Which moments to
keep is indexing.ingest.video.sampling's.
"""

from __future__ import annotations

import bisect
import math
import os
from array import array
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, Self

import av
import av.error
from av.video.reformatter import VideoReformatter
from PIL import Image

from indexing.ingest.video.container import (
    codec_tag,
    parse_date,
    parse_duration_tag,
    sample_aspect_ratio,
)
from indexing.ingest.video.records import (
    DECODE_ERRORS,
    EPSILON,
    MAX_DECODE_ERRORS,
    BadVideo,
    reduced_size,
)
from indexing.records import timecode

# Clockwise degrees that turn a frame upright -> the PIL transpose that does it.
_UPRIGHT = {
    90: Image.Transpose.ROTATE_270,  # PIL rotates counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


class VideoStream:
    """One open video file and its chosen video stream."""

    def __init__(self, path: str, container: Any, max_pixels: int) -> None:
        self.path = path
        self.container = container
        self.stream = self._pick_stream()
        stream = self.stream
        context = stream.codec_context
        if context is None:
            raise BadVideo(f"unsupported video codec: {codec_tag(path) or 'unknown to FFmpeg'}")
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
        self.sar = sample_aspect_ratio(stream)
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

    def __enter__(self) -> Self:
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
        tagged = parse_duration_tag(stream.metadata.get("DURATION") or "")
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
                when = parse_date(metadata.get(key))
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
            size = self._sizes[key] = reduced_size(
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
        except DECODE_ERRORS:
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
            except DECODE_ERRORS:
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
            except DECODE_ERRORS:
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
        except DECODE_ERRORS:
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
                except DECODE_ERRORS:
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
        except DECODE_ERRORS:
            try:
                self.container.seek(0, backward=True)  # no index: from the start
            except DECODE_ERRORS:
                return None
        return self._forward()

    def _forward(self) -> Any:
        for packet in self.container.demux(self.stream):
            if packet.size and packet.is_corrupt:
                continue
            yield from packet.decode()
