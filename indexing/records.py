"""Records that cross module boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    near_hashes: bytes | None = None  # indexing.dedup.hashes.NearHashes, from the thumbnail


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
