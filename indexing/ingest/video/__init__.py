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

The package: this module is the way in (decode_video, sample_clip, frames_near,
poster_still); sampling decides which moments are kept, stream reads them with PyAV,
container reads what the headers say, animation reads GIF/WEBP/APNG clips, records holds
the shared names.
"""

from __future__ import annotations

import os

import av
import av.error
from PIL import Image

from indexing.ingest.scan import is_video_name
from indexing.ingest.video.animation import image_clip
from indexing.ingest.video.records import (
    DECODE_ERRORS,
    DEFAULT_MAX_PIXELS,
    EPSILON,
    POSTER_AT_MOST,
    BadVideo,
    DecodedVideo,
    SampledFrame,
    one_line,
)
from indexing.ingest.video.sampling import SampledVideo

__all__ = [
    "BadVideo",
    "DecodedVideo",
    "SampledFrame",
    "decode_video",
    "frames_near",
    "poster_still",
    "sample_clip",
]


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
        except DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {one_line(exc)}") from None


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
        frames = image_clip(path, min_side=min_side, max_frames=max_frames, max_pixels=max_pixels)
        if frames is not None:
            return frames
    with _open(path, max_pixels) as video:
        try:
            return video.clip(min_side=min_side, max_frames=max_frames)
        except BadVideo:
            raise
        except DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {one_line(exc)}") from None


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
        except DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {one_line(exc)}") from None


def poster_still(path: str, *, side: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The poster frame (the one decode_video picks) with its long side at most `side`:
    the large picture of a video where a still is shown (the Rate tab, previews)."""
    with _open(path, max_pixels) as video:
        duration = video.header_duration() or 0.0
        try:
            found = list(video.frames_at([min(duration * 0.1, POSTER_AT_MOST)]))
        except DECODE_ERRORS as exc:
            raise BadVideo(f"cannot read video: {one_line(exc)}") from None
        if not found:
            raise BadVideo("cannot read video: the file is truncated or damaged")
        picture = video.picture(found[0][2], 1, side)
        picture.thumbnail((side, side))
        return picture


def _check_not_empty(path: str) -> None:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise BadVideo(f"cannot open file: {exc.strerror or one_line(exc)}") from None
    if size == 0:
        raise BadVideo("empty file (0 bytes)")


def _open(path: str, max_pixels: int) -> SampledVideo:
    """The file opened, its video stream picked and checked; a context manager."""
    _check_not_empty(path)
    try:
        container = av.open(path, "r", metadata_errors="replace")
    except av.error.FileNotFoundError:
        raise BadVideo("cannot open file: no such file") from None
    except av.error.PermissionError:
        raise BadVideo("cannot open file: permission denied") from None
    except DECODE_ERRORS:
        raise BadVideo("cannot read video: the file is truncated or damaged") from None
    try:
        return SampledVideo(path, container, max_pixels)
    except BaseException:
        container.close()
        raise
