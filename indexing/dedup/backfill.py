"""Near hashes for images catalogued before they existed, from their stored thumbnails.

Migration 8 adds the column; this fills it without reading any original: each image's
320 px thumbnail is decoded (about 1 ms) and hashed (about 1 ms), in a small thread pool,
and written in short batches. It runs before the near tier is grouped, with progress, and
picks up where it stopped after an interruption.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from indexing.dedup.hashes import near_hashes
from indexing.progress import ProgressCallback, StageMeter, no_progress, raise_if
from indexing.store import duplicates as stored
from indexing.store.catalog import Catalog
from indexing.store.thumbnails import ThumbnailStore

BATCH = 500


def backfill(
    catalog: Catalog,
    thumbs: ThumbnailStore,
    threads: int = 2,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Hash every image that has a thumbnail but no near hashes; return how many. A cancel
    stops between batches; the hashes written so far stay."""
    todo = stored.missing_near_hashes(catalog)
    if not todo:
        return 0
    meter = StageMeter("hashes", len(todo), progress)
    done = 0
    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="pictor-hash") as pool:
        for start in range(0, len(todo), BATCH):
            raise_if(cancel, "Grouping was cancelled; the hashes made so far are kept.")
            chunk = todo[start : start + BATCH]
            blobs = list(pool.map(lambda cid: _hash_thumbnail(thumbs, cid), chunk))
            stored.write_near_hashes(
                catalog, ((cid, blob) for cid, blob in zip(chunk, blobs, strict=True) if blob)
            )
            done += sum(1 for blob in blobs if blob)
            meter.advance(len(chunk))
    meter.finish()
    return done


def _hash_thumbnail(thumbs: ThumbnailStore, content_id: str) -> bytes | None:
    try:
        with Image.open(thumbs.path_for(content_id)) as image:
            image.load()
            return near_hashes(image).to_blob()
    except (OSError, ValueError, SyntaxError):
        return None  # no thumbnail (a failed index): the image gets hashed when re-indexed
