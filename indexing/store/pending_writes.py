"""Catalog writes queued in memory and applied in one short transaction per batch, so the
indexer never holds the write lock across inference."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from indexing.store.catalog import Catalog


class PendingWrites:
    """Catalog writes queued in memory, applied in one short transaction per batch.

    The indexer computes (reads, decodes, runs CLIP, upserts vectors) with no transaction
    open, and only then writes a batch of rows and commits: the write lock is held for the
    few milliseconds the inserts take, never across inference. So the UI, a rating, the
    trash or a category cache in another process never wait on the model.

    A crash loses at most the queued batch (the next run redoes it); everything committed
    stays done. Queued calls run in the order they were made.
    """

    QUEUED = frozenset(
        {
            "put_image",
            "put_file",
            "move_file",
            "put_error",
            "put_embeddings",
            "put_embedding_failure",
            "put_warnings",
            "put_sidecar_read",
            "put_found_rating",
            "put_found_keywords",
            "put_video_frames",
        }
    )

    def __init__(
        self,
        catalog: Catalog,
        every: int,
        seconds: float = 2.0,
        on_commit: Callable[[int], None] | None = None,
    ):
        self.catalog = catalog
        self.every = every
        self.seconds = seconds
        self.on_commit = on_commit  # told how many ticks each commit made durable
        self._queue: list[Callable[[], None]] = []
        self._ticks = 0
        self._since = time.monotonic()

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name not in PendingWrites.QUEUED:
            raise AttributeError(f"{name} is not a queued catalog write")
        method = getattr(self.catalog, name)

        def queue(*args: object, **kwargs: object) -> None:
            self._queue.append(partial(method, *args, **kwargs))

        return queue

    def __enter__(self) -> PendingWrites:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self._queue.clear()  # like a rollback: the next run redoes this batch

    def tick(self) -> None:
        """One unit of work done; commit when the batch is full or old enough."""
        self._ticks += 1
        if self._ticks >= self.every or time.monotonic() - self._since >= self.seconds:
            self.commit()

    def commit(self) -> None:
        queue, self._queue = self._queue, []
        ticks, self._ticks, self._since = self._ticks, 0, time.monotonic()
        if queue:
            with self.catalog.transaction():
                for write in queue:
                    write()
        if ticks and self.on_commit is not None:
            self.on_commit(ticks)
