"""The names the video package shares: its records, its error, its limits.

A BadVideo carries a one-line reason for the user; DECODE_ERRORS are what PyAV, FFmpeg and
Pillow raise for a file they cannot handle (MemoryError deliberately absent: the caller
reports it as such). reduced_size is the one reduction rule every frame goes through.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import av
import av.error
from PIL import Image

from indexing.errors import BadImage

DEFAULT_MAX_PIXELS = 178_956_970
EPSILON = 1e-3  # seconds: timestamps this close count as the same moment
MAX_DECODE_ERRORS = 50  # corrupt packets skipped before a pass gives up on the file
POSTER_AT_MOST = 10.0  # seconds: the poster is the frame at 10% of the video, at most this

# Exceptions that PyAV, FFmpeg or Pillow raise for a file they cannot handle. MemoryError
# is deliberately absent: the caller reports it as such.
DECODE_ERRORS = (
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


def reduced_size(width: float, height: float, min_side: int, long_side: int) -> tuple[int, int]:
    """Scale to long_side on the long side, or more where min_side needs it; never up."""
    width, height = max(1.0, width), max(1.0, height)
    short, long = min(width, height), max(width, height)
    scale = max(long_side / long if long_side > 0 else 0.0, min_side / short)
    scale = min(1.0, scale) if scale > 0 else 1.0
    return max(1, round(width * scale)), max(1, round(height * scale))


def one_line(exc: BaseException) -> str:
    """An exception as a short line: FFmpeg's reason without its errno or file name."""
    if isinstance(exc, av.error.FFmpegError) and exc.strerror:
        return str(exc.strerror).strip()
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
