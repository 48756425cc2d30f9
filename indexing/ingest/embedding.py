"""The embedding stage: batches of preprocessed pixels -> CLIP -> ChromaDB -> catalog stamp.

Order matters for crash safety: vectors are upserted (idempotent, keyed by content id)
before the catalog records them as embedded, and the catalog row is queued (PendingWrites)
and commits with the batch after, in a short transaction of its own. A crash in between
re-embeds a few images next run and overwrites the same ids, so no image is ever embedded
twice into a collection, and none is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from indexing.errors import BadImage
from indexing.ingest.analyse import VideoSampling, video_frames
from indexing.ingest.decode import decode, flatten
from indexing.ingest.hashing import content_id as hash_content
from indexing.ingest.scan import hash_stable, is_video_name, read_stable
from indexing.ingest.workers import bounded_map, yield_cpu_to_inference
from indexing.models.clip import ClipEmbedder, normalise
from indexing.progress import CancelToken, ProgressCallback, StageMeter
from indexing.store.catalog import Catalog
from indexing.store.pending_writes import PendingWrites
from indexing.store.thumbnails import ThumbnailStore
from indexing.store.vectors import VectorStore, frame_id, frames_of

log = logging.getLogger(__name__)


@dataclass(slots=True)
class EmbedCounts:
    model: str
    embedded: int = 0
    failed: int = 0
    pending: int = 0
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "embedded": self.embedded,
            "failed": self.failed,
            "pending": self.pending,
            "message": self.message,
        }


class EmbedStage:
    """Collects (content id, tensor) pairs and embeds them a batch at a time."""

    def __init__(
        self,
        embedder: ClipEmbedder,
        vectors: VectorStore,
        batch_size: int,
        counts: EmbedCounts,
    ):
        self.embedder = embedder
        self.vectors = vectors
        self.batch_size = batch_size
        self.counts = counts
        self._ids: list[str] = []
        self._tensors: list[Any] = []

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def preprocess(self, pixels: Image.Image) -> Any:
        """Runs on worker threads, right after the one decode of each file."""
        return self.embedder.preprocess(flatten(pixels))

    def add(self, content_id: str, tensor: Any, writes: PendingWrites) -> None:
        """Queue one model input; a full batch runs the model and queues its stamps."""
        if content_id in self._ids:
            return
        self._ids.append(content_id)
        self._tensors.append(tensor)
        if len(self._ids) >= self.batch_size:
            self.flush(writes)

    def add_video(
        self, content_id: str, frames: Sequence[tuple[float, Any]], writes: PendingWrites
    ) -> None:
        """Embed a video's sampled moments ((seconds, model input) pairs) now: one vector
        each in the frames collection, and their mean as the video's own vector."""
        import torch

        times = [t for t, _ in frames]
        try:
            parts = [
                self.embedder.embed_tensors(torch.stack([tensor for _, tensor in chunk]))
                for chunk in _chunks(frames, self.batch_size)
            ]
        except (RuntimeError, ValueError) as exc:  # says nothing about the video: pending
            log.warning("could not embed the video %s now (%s); it stays pending", content_id, exc)
            return
        vectors = np.concatenate(parts)
        # Frames first, then the video's vector, then the stamp: a crash in between
        # embeds the video again next run, over the same ids.
        self.vectors.upsert(
            frames_of(self.model_id), [frame_id(content_id, t) for t in times], vectors
        )
        self.vectors.upsert(self.model_id, [content_id], normalise(vectors.mean(axis=0)[None]))
        writes.put_video_frames(content_id, times)
        writes.put_embeddings([content_id], self.model_id)
        self.counts.embedded += 1

    def fail(self, content_id: str, reason: str, writes: PendingWrites) -> None:
        writes.put_embedding_failure(content_id, self.model_id, reason)
        self.counts.failed += 1

    def flush(self, writes: PendingWrites) -> None:
        if not self._ids:
            return
        import torch

        ids, tensors = self._ids, self._tensors
        self._ids, self._tensors = [], []
        try:
            vectors = self.embedder.embed_tensors(torch.stack(tensors))
        except (RuntimeError, ValueError) as exc:
            log.warning("batch of %d failed in the model (%s); retrying one by one", len(ids), exc)
            self._embed_one_by_one(ids, tensors, writes)
            return
        self.vectors.upsert(self.model_id, ids, vectors)
        writes.put_embeddings(ids, self.model_id)
        self.counts.embedded += len(ids)

    def _embed_one_by_one(self, ids: list[str], tensors: list[Any], writes: PendingWrites) -> None:
        for content_id, tensor in zip(ids, tensors, strict=True):
            try:
                vector = self.embedder.embed_tensors(tensor.unsqueeze(0))
            except (RuntimeError, ValueError) as exc:
                # Out of memory and the like say nothing about the image: it stays pending.
                log.warning("could not embed %s now (%s); it stays pending", content_id, exc)
                continue
            self.vectors.upsert(self.model_id, [content_id], vector)
            writes.put_embeddings([content_id], self.model_id)
            self.counts.embedded += 1


class _NoThumbnails:
    def save(self, content_id: str, pixels: Image.Image) -> Image.Image:
        return pixels


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


class LazyStage:
    """The embedding stage, built (model loaded, Chroma opened) only once there is work."""

    def __init__(self, model_id: str, build: Callable[[], EmbedStage | None]):
        self.model_id = model_id
        self._build = build
        self._built = False
        self._stage: EmbedStage | None = None

    def get(self) -> EmbedStage | None:
        if not self._built:
            self._stage = self._build()
            self._built = True
        return self._stage


@dataclass(frozen=True, slots=True)
class _Prepared:
    content_id: str
    tensor: Any = None
    reason: str | None = None  # a lasting failure, recorded so it is not retried
    frames: tuple[tuple[float, Any], ...] = ()  # a video's (seconds, model input) moments


def embed_pending(
    stage: EmbedStage,
    catalog: Catalog,
    *,
    threads: int,
    min_side: int,
    max_pixels: int,
    commit_every: int,
    progress: ProgressCallback,
    cancel: CancelToken,
    thumbs: ThumbnailStore | None = None,
    video: VideoSampling | None = None,
) -> None:
    """Embed catalogued images (and videos) that have no vector under this model yet."""
    pending = catalog.pending_embeddings(stage.model_id)
    if not pending:
        return
    prepare = _preparer(stage, min_side, max_pixels, thumbs, video or VideoSampling())
    meter = StageMeter("embed", len(pending), progress)
    with (
        ThreadPoolExecutor(
            threads, thread_name_prefix="pictor-embed", initializer=yield_cpu_to_inference
        ) as pool,
        # Counted once the stamps commit (the vectors are upserted before): done is durable.
        PendingWrites(
            catalog, commit_every, on_commit=lambda n: meter.advance(n, force=True)
        ) as writes,
    ):
        # Videos after the photos, few at a time (a video holds up to max_frames inputs).
        videos = [item for item in pending if is_video_name(item[1])]
        photos = [item for item in pending if not is_video_name(item[1])]
        deep = max(threads * 4, stage.batch_size * 3)
        for group, depth in ((photos, deep), (videos, threads + 1)):
            prepared = bounded_map(
                pool, prepare, group, max_in_flight=depth, should_stop=lambda: cancel.cancelled
            )
            for item in prepared:
                if item.reason is not None:
                    stage.fail(item.content_id, item.reason, writes)
                elif item.tensor is not None:
                    stage.add(item.content_id, item.tensor, writes)
                elif item.frames:
                    stage.add_video(item.content_id, item.frames, writes)
                # else: unreadable right now, or changed since its scan: it stays pending
                meter.advance_read()
                writes.tick()
        stage.flush(writes)
    meter.finish()


def _preparer(
    stage: EmbedStage,
    min_side: int,
    max_pixels: int,
    thumbs: ThumbnailStore | None,
    video: VideoSampling,
) -> Callable[[tuple[str, str]], _Prepared]:
    def prepare_video(content_id: str, path: str) -> _Prepared:
        try:
            if hash_stable(path)[0] != content_id:
                return _Prepared(content_id)  # edited since the scan: the next scan re-reads it
        except OSError:
            return _Prepared(content_id)
        try:
            _, frames = video_frames(
                path, content_id, thumbs or _NoThumbnails(), video, min_side=min_side,
                long_side=thumbs.size if thumbs else min_side, max_pixels=max_pixels,
                preprocess=stage.preprocess,
            )  # fmt: skip
            return _Prepared(content_id, frames=frames)
        except BadImage as exc:
            return _Prepared(content_id, reason=f"cannot decode for embedding: {exc}")
        except Exception as exc:  # one video must never end the run
            reason = f"the model could not take this video: {type(exc).__name__}: {exc}"
            return _Prepared(content_id, reason=reason)

    def prepare(item: tuple[str, str]) -> _Prepared:
        content_id, path = item
        if is_video_name(path):
            return prepare_video(content_id, path)
        try:
            data = read_stable(path).data
        except OSError:
            return _Prepared(content_id)
        if hash_content(data) != content_id:
            return _Prepared(content_id)  # edited since the scan: the next scan re-reads it
        try:
            decoded = decode(data, min_side=min_side, max_pixels=max_pixels)
            return _Prepared(content_id, stage.preprocess(decoded.pixels))
        except BadImage as exc:
            return _Prepared(content_id, reason=f"cannot decode for embedding: {exc}")
        except Exception as exc:  # one image must never end the run
            reason = f"the model could not take this image: {type(exc).__name__}: {exc}"
            return _Prepared(content_id, reason=reason)

    return prepare
