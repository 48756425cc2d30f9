"""Records that cross module boundaries."""

from __future__ import annotations

import builtins
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]  # rows of L2-normalised CLIP embeddings
CONTENT_ID = re.compile(r"[0-9a-f]{32}")  # blake2b-128 of a file's bytes, in hex; use fullmatch


@dataclass(frozen=True, slots=True)
class FileStat:
    """What a walk learns about a file from one stat."""

    path: str
    size: int
    mtime_ns: int


@dataclass(slots=True)
class ImageMetadata:
    """What the metadata reader finds in a file's headers and text chunks."""

    taken_at: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    orientation: int = 1
    exif: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    prompt: str | None = None


@dataclass(slots=True)
class ImageRecord:
    """One image (content), as stored in the catalog's images table."""

    content_id: str
    bytes: int
    width: int
    height: int
    format: str
    date_key: float
    phash: int
    dhash: int
    metadata: ImageMetadata
    near_hashes: builtins.bytes | None = None  # indexing.dedup.hashes.NearHashes, of the thumbnail
    kind: str = "image"  # or "video": then the size, hashes and thumbnail are its poster's
    duration: float | None = None  # seconds, videos only
    video_codec: str | None = None


@dataclass(frozen=True, slots=True)
class IndexErrorRecord:
    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class IndexWarning:
    """A file that was indexed, but had something skipped (e.g. an oversized text chunk)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def timecode(seconds: float) -> str:
    """Whole seconds as hh:mm:ss, hours always shown: 83.9 -> "00:01:23" (a moment in a
    video, or its length)."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
