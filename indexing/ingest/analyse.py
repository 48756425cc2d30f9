"""What a worker thread does with one new or changed file: read, hash, decode, thumbnail."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from indexing.dedup.hashes import near_hashes
from indexing.errors import BadImage
from indexing.ingest import xmp_read
from indexing.ingest.decode import decode
from indexing.ingest.exif_values import date_key
from indexing.ingest.hashing import content_id, to_signed
from indexing.ingest.scan import hash_stable, is_video_name, read_stable
from indexing.ingest.xmp_keywords import Keywords, packet_keywords
from indexing.records import FileStat, ImageMetadata, ImageRecord
from indexing.store.image_reads import ThreadReads
from indexing.store.thumbnails import ThumbnailStore
from indexing.store.vectors import frame_id


class ThumbnailSink(Protocol):
    """Where a video's moments go: a ThumbnailStore, or a stand-in that keeps nothing."""

    def save(self, content_id: str, pixels: Image.Image) -> Image.Image: ...


@dataclass(frozen=True, slots=True)
class Analysed:
    """New content: decoded, hashed, thumbnailed."""

    path: str
    size: int
    mtime_ns: int
    record: ImageRecord
    tensor: Any = None  # model input from the same decode, when embedding is on
    embed_error: str | None = None
    warnings: tuple[str, ...] = ()  # indexed, but something in the file was skipped
    found_rating: float | None = None  # stars in the file's own XMP or EXIF, as 0-10
    frames: tuple[tuple[float, Any], ...] = ()  # a video's (seconds, model input) moments
    keywords: Keywords | None = None  # tags and caption in the file's own XMP packet


@dataclass(frozen=True, slots=True)
class Recognised:
    """Content the catalog already has (a copy, a move, or a touched file): not decoded."""

    path: str
    size: int
    mtime_ns: int
    content_id: str


@dataclass(frozen=True, slots=True)
class Failed:
    path: str
    reason: str
    size: int | None
    mtime_ns: int | None
    content_id: str | None = None


Outcome = Analysed | Recognised | Failed


class KnownContent:
    """Thread-safe 'is this content already catalogued, or being decoded by this run?'.

    Each worker thread reads the catalog through its own read-only connection
    (store: image_reads.ThreadReads).
    """

    def __init__(self, catalog_path: Path):
        self._reads = ThreadReads(catalog_path)
        self._lock = threading.Lock()
        self._claimed: set[str] = set()

    def claim(self, cid: str) -> bool:
        """True if the caller should decode this content; False if it is known or claimed."""
        if self._reads.has_image(cid):
            return False
        with self._lock:
            if cid in self._claimed:
                return False
            self._claimed.add(cid)
            return True

    def close(self) -> None:
        self._reads.close()


def embedded_rating(metadata: ImageMetadata) -> float | None:
    """Stars another app wrote into the file (XMP packet, then EXIF Rating), as 0-10."""
    packet = metadata.texts.get("XMP")
    stars = xmp_read.rating_from_packet(packet) if packet else None
    if stars is None:
        stars = xmp_read.rating_from_exif(metadata.exif)
    return None if stars is None else xmp_read.score_from_stars(stars)


@dataclass(frozen=True, slots=True)
class VideoSampling:
    """How a video's moments are picked (indexing.ingest.video.decode_video): key frames
    at scene changes, and a frame at least every interval seconds, at most max_frames."""

    interval: float = 10.0
    max_frames: int = 120


def video_frames(
    path: str,
    content_id: str,
    thumbs: ThumbnailSink,
    sampling: VideoSampling,
    *,
    min_side: int,
    long_side: int,
    max_pixels: int,
    preprocess: Callable[[Image.Image], Any] | None,
) -> tuple[Any, tuple[tuple[float, Any], ...]]:
    """Decode a video's moments once: the poster's and each moment's thumbnail (a result
    card shows the moment it matched), and each moment's model input when embedding.
    Returns (the DecodedVideo, its (seconds, model input) pairs). Raises BadImage."""
    from indexing.ingest.video import decode_video  # loads PyAV: only for videos

    video = decode_video(
        path, min_side=min_side, long_side=long_side, interval=sampling.interval,
        max_frames=sampling.max_frames, max_pixels=max_pixels,
    )  # fmt: skip
    for frame in video.frames:
        thumbs.save(frame_id(content_id, frame.time), frame.pixels)
    if preprocess is None:
        return video, ()
    return video, tuple((frame.time, preprocess(frame.pixels)) for frame in video.frames)


def _unreadable(stat: FileStat, exc: OSError) -> Failed:
    """Why a file could not be read. Only a folder keeps its size and mtime (not retried
    until it changes); the rest are retried next run, a permission even after a chmod."""
    if isinstance(exc, FileNotFoundError):
        return Failed(stat.path, "file disappeared while indexing", None, None)
    if isinstance(exc, PermissionError):
        return Failed(stat.path, "permission denied", None, None)
    if isinstance(exc, IsADirectoryError):
        return Failed(stat.path, "is a folder, not a file", stat.size, stat.mtime_ns)
    return Failed(stat.path, f"cannot read file: {exc.strerror or exc}", None, None)


def _changed_since(path: str, size: int, mtime_ns: int) -> bool:
    import os

    try:
        now = os.stat(path)
    except OSError:
        return True
    return (now.st_size, now.st_mtime_ns) != (size, mtime_ns)


class FileAnalyser:
    """Read, hash and (for new content) decode once: thumbnail, hashes, model input."""

    def __init__(
        self,
        known: KnownContent,
        thumbs: ThumbnailStore,
        *,
        min_side: int,
        long_side: int,
        max_pixels: int,
        preprocess: Callable[[Image.Image], Any] | None = None,
        video: VideoSampling | None = None,
    ):
        self.known = known
        self.thumbs = thumbs
        self.min_side = min_side
        self.long_side = long_side
        self.max_pixels = max_pixels
        self.preprocess = preprocess
        self.video = video or VideoSampling()

    def __call__(self, stat: FileStat) -> Outcome:
        if is_video_name(stat.path):
            return self._video(stat)
        try:
            content = read_stable(stat.path)
        except OSError as exc:
            return _unreadable(stat, exc)
        cid = content_id(content.data)
        if not self.known.claim(cid):
            return Recognised(stat.path, content.size, content.mtime_ns, cid)
        try:
            decoded = decode(
                content.data,
                min_side=self.min_side,
                long_side=self.long_side,
                max_pixels=self.max_pixels,
            )
        except BadImage as exc:  # the bytes are bad: not retried until the file changes
            return Failed(stat.path, str(exc), content.size, content.mtime_ns, cid)
        except MemoryError:  # the rest are this machine's trouble: retried next run
            return Failed(stat.path, "not enough memory to decode this image", None, None, cid)
        except Exception as exc:  # a decoder bug must cost one file, never the run
            reason = f"unexpected error decoding: {type(exc).__name__}: {exc}"
            return Failed(stat.path, reason, None, None, cid)
        try:
            thumb = self.thumbs.save(cid, decoded.pixels)
        except OSError as exc:  # disk full, permissions: this file fails, the run goes on
            reason = f"cannot write thumbnail: {exc.strerror or exc}"
            return Failed(stat.path, reason, None, None, cid)
        hashes = near_hashes(thumb)  # upright pHash/dHash and the 7 other orientations
        record = ImageRecord(
            content_id=cid,
            bytes=content.size,
            width=decoded.width,
            height=decoded.height,
            format=decoded.format,
            date_key=date_key(decoded.metadata.taken_at, content.mtime_ns / 1e9),
            phash=to_signed(hashes.phash[0]),
            dhash=to_signed(hashes.dhash[0]),
            metadata=decoded.metadata,
            near_hashes=hashes.to_blob(),
        )
        tensor, embed_error = self._model_input(decoded.pixels)
        return Analysed(
            stat.path,
            content.size,
            content.mtime_ns,
            record,
            tensor,
            embed_error,
            tuple(decoded.warnings),
            embedded_rating(decoded.metadata),
            keywords=packet_keywords(decoded.metadata.texts.get("XMP")),
        )

    def _video(self, stat: FileStat) -> Outcome:
        """A video: hashed in chunks (it may not fit in memory), then its moments decoded."""
        try:
            cid, size, mtime_ns = hash_stable(stat.path)
        except OSError as exc:
            return _unreadable(stat, exc)
        if not self.known.claim(cid):
            return Recognised(stat.path, size, mtime_ns, cid)
        try:
            video, frames = video_frames(
                stat.path, cid, self.thumbs, self.video, min_side=self.min_side,
                long_side=self.long_side, max_pixels=self.max_pixels,
                preprocess=self.preprocess,
            )  # fmt: skip
            thumb = self.thumbs.save(cid, video.poster)
        except BadImage as exc:  # the bytes are bad: not retried until the file changes
            return Failed(stat.path, str(exc), size, mtime_ns, cid)
        except MemoryError:
            return Failed(stat.path, "not enough memory to decode this video", None, None, cid)
        except OSError as exc:  # disk full, permissions: retried next run
            reason = f"cannot write thumbnail: {exc.strerror or exc}"
            return Failed(stat.path, reason, None, None, cid)
        except Exception as exc:  # a decoder bug must cost one file, never the run
            reason = f"unexpected error decoding: {type(exc).__name__}: {exc}"
            return Failed(stat.path, reason, None, None, cid)
        if _changed_since(stat.path, size, mtime_ns):  # written to while it was decoded
            return Failed(stat.path, "file kept changing while it was read", None, None, cid)
        hashes = near_hashes(thumb)
        metadata = ImageMetadata(taken_at=video.created_at)
        record = ImageRecord(
            content_id=cid,
            bytes=size,
            width=video.width,
            height=video.height,
            format=video.container,
            date_key=date_key(video.created_at, mtime_ns / 1e9),
            phash=to_signed(hashes.phash[0]),
            dhash=to_signed(hashes.dhash[0]),
            metadata=metadata,
            near_hashes=hashes.to_blob(),
            kind="video",
            duration=video.duration,
            video_codec=video.codec,
        )
        return Analysed(
            stat.path, size, mtime_ns, record, warnings=tuple(video.warnings), frames=frames
        )

    def _model_input(self, pixels: Image.Image) -> tuple[Any, str | None]:
        if self.preprocess is None:
            return None, None
        try:
            return self.preprocess(pixels), None
        except (RuntimeError, ValueError, OSError) as exc:
            return None, f"the model could not take this image: {exc}"
