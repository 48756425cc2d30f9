"""The indexer: walk, mark and sweep, analyse what is new, write the catalog in batches.

What each worker's result does to the catalog, and the run's summary (IndexSummary,
re-exported here), are outcomes.py's.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from indexing.ingest.analyse import FileAnalyser, KnownContent, VideoSampling
from indexing.ingest.embedding import EmbedStage, LazyStage, embed_pending
from indexing.ingest.outcomes import IndexSummary, OutcomeWriter, WalkPlan
from indexing.ingest.scan import Folder, is_video_name, resolve_root, walk
from indexing.ingest.sidecars import import_sidecar, sidecar_images
from indexing.ingest.workers import bounded_map, yield_cpu_to_inference
from indexing.progress import CancelToken, ProgressCallback, StageMeter, no_progress
from indexing.records import IndexErrorRecord
from indexing.store.catalog import Catalog, path_range
from indexing.store.pending_writes import PendingWrites
from indexing.store.thumbnails import ThumbnailStore

__all__ = ["IndexSummary", "Indexer"]


class Indexer:
    """Turns folders into catalog rows. Plain object: front ends only call `index`."""

    def __init__(
        self,
        catalog: Catalog,
        thumbs: ThumbnailStore,
        *,
        threads: int = 2,
        long_side: int = 320,
        max_image_pixels: int = 178_956_970,
        commit_every: int = 256,
        skip_dirs: tuple[str, ...] = (),
        embed: LazyStage | None = None,
        video: VideoSampling | None = None,
    ):
        self.catalog = catalog
        self.thumbs = thumbs
        self.threads = max(1, threads)
        self.long_side = long_side  # decoded pixels keep this long side for the thumbnail
        self.max_image_pixels = max_image_pixels
        self.commit_every = commit_every
        self.skip_dirs = {os.path.realpath(d) for d in skip_dirs}
        self.embed = embed
        self.video = video or VideoSampling()

    def index(
        self,
        folders: list[str],
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> IndexSummary:
        cancel = cancel or CancelToken()
        started = time.monotonic()
        roots = [resolve_root(folder) for folder in folders]
        summary = IndexSummary(roots=roots)
        for root in roots:
            if cancel.cancelled:
                break
            self._index_root(root, summary, progress, cancel)
        stage = self._pending_stage(cancel)
        if stage is not None:
            # Whatever has no vector yet: copies, earlier offline runs, a new model, crashes.
            embed_pending(
                stage,
                self.catalog,
                threads=self.threads,
                min_side=stage.embedder.input_size,
                max_pixels=self.max_image_pixels,
                commit_every=self.commit_every,
                progress=progress,
                cancel=cancel,
                thumbs=self.thumbs,
                video=self.video,
            )
        summary.cancelled = cancel.cancelled
        summary.seconds = round(time.monotonic() - started, 3)
        return summary

    def _index_root(
        self, root: str, summary: IndexSummary, progress: ProgressCallback, cancel: CancelToken
    ) -> None:
        with self.catalog.transaction():
            self.catalog.add_root(root)
        plan = self._plan(root, summary, progress, cancel)
        if not plan.complete:
            return
        self._read_new_and_changed(plan, summary, progress, cancel)
        if cancel.cancelled:
            return  # the sweep needs every new file seen, or moves would look like deletions
        self._read_sidecars(plan, summary)
        now = time.time()
        with self.catalog.transaction():
            self.catalog.mark_missing(plan.gone)
            self.catalog.drop_errors(plan.stale_errors)
            self.catalog.mark_seen(root, now)
            self.catalog.mark_root_scanned(root, now)
        summary.deleted += len(plan.gone)

    def _pending_stage(self, cancel: CancelToken) -> EmbedStage | None:
        """The stage, if anything waits for a vector (an unchanged library loads no model)."""
        if self.embed is None or cancel.cancelled:
            return None
        if not self.catalog.count_pending_embeddings(self.embed.model_id):
            return None
        return self.embed.get()

    def _skip(self, folder: str) -> bool:
        return bool(self.skip_dirs) and os.path.realpath(folder) in self.skip_dirs

    def _plan(
        self, root: str, summary: IndexSummary, progress: ProgressCallback, cancel: CancelToken
    ) -> WalkPlan:
        """Mark: every catalogued file under root is a candidate for deletion until seen."""
        present = self.catalog.present_files_under(root)
        known_errors = self.catalog.errors_under(root)
        known_sidecars = self.catalog.sidecars_under(root)
        plan = WalkPlan()
        meter = StageMeter("scan", None, progress)
        walked_errors: set[str] = set()
        unreadable: list[str] = []
        for folder in walk(root, skip=self._skip, should_stop=lambda: cancel.cancelled):
            if folder.unreadable:
                unreadable.append(folder.path)
            for error in folder.errors:
                walked_errors.add(error.path)
                summary.errors.append(error)
            unchanged = 0
            for item in folder.files:
                stat = (item.size, item.mtime_ns)
                row = present.pop(item.path, None)
                if row == stat:
                    unchanged += 1  # the common case: one dict lookup, the file is not opened
                elif known_errors.pop(item.path, None) == stat:
                    unchanged += 1  # a known bad file, unchanged: not retried
                else:
                    plan.to_read.append(item)
                    if row is not None:
                        plan.changed_paths.add(item.path)
            summary.unchanged += unchanged
            summary.files_seen += len(folder.files)
            if folder.sidecars:
                self._plan_sidecars(folder, plan, known_sidecars, known_errors)
            meter.advance(len(folder.files))
        meter.finish()
        if cancel.cancelled:
            plan.complete = False
            return plan
        gone = [path for path in present if not _inside_any(path, unreadable)]
        plan.gone = self.catalog.content_ids_of(gone)
        plan.stale_errors = [p for p in known_errors if p not in walked_errors]
        self._record_walk_errors(summary.errors, walked_errors)
        return plan

    @staticmethod
    def _plan_sidecars(
        folder: Folder,
        plan: WalkPlan,
        known: dict[str, tuple[int, int]],
        known_errors: dict[str, tuple[int | None, int | None]],
    ) -> None:
        """Sidecars are read again only when they changed (a known bad one stays reported)."""
        for sidecar in folder.sidecars:
            stat = (sidecar.size, sidecar.mtime_ns)
            if known_errors.pop(sidecar.path, None) == stat or known.get(sidecar.path) == stat:
                continue
            plan.sidecars.append(sidecar)
        plan.image_names[folder.path] = {os.path.basename(f.path) for f in folder.files}

    def _read_sidecars(self, plan: WalkPlan, summary: IndexSummary) -> None:
        """Import the star ratings of new or changed XMP sidecars (see curate.xmp)."""
        if not plan.sidecars:
            return
        with PendingWrites(self.catalog, self.commit_every) as writes:
            for sidecar in plan.sidecars:
                images = sidecar_images(sidecar.path, plan.image_names)
                problem = import_sidecar(self.catalog, writes, images, time.time())
                if problem is not None:
                    writes.put_error(
                        sidecar.path, problem, sidecar.size, sidecar.mtime_ns, time.time()
                    )
                    summary.errors.append(IndexErrorRecord(sidecar.path, problem))
                writes.put_sidecar_read(sidecar.path, sidecar.size, sidecar.mtime_ns)
                writes.tick()

    def _record_walk_errors(self, errors: list[IndexErrorRecord], paths: set[str]) -> None:
        now = time.time()
        with self.catalog.transaction():
            for error in errors:
                if error.path in paths:
                    self.catalog.put_error(error.path, error.reason, None, None, now)

    def _read_new_and_changed(
        self, plan: WalkPlan, summary: IndexSummary, progress: ProgressCallback, cancel: CancelToken
    ) -> None:
        if not plan.to_read:
            return
        gone_by_content: dict[str, list[str]] = {}
        for path, cid in plan.gone.items():
            gone_by_content.setdefault(cid, []).append(path)
        stage = self.embed.get() if self.embed else None  # the model loads only for new files
        known = KnownContent(self.catalog.path)
        analyse = FileAnalyser(
            known,
            self.thumbs,
            min_side=stage.embedder.input_size if stage else 1,  # short side for the model
            long_side=self.long_side,
            max_pixels=self.max_image_pixels,
            preprocess=stage.preprocess if stage else None,
            video=self.video,
        )
        # A file is done for the user once its row is committed (in the Library), which
        # with embedding on comes after its batch ran through the model: the meter counts
        # files read as they come, and done as each commit lands.
        meter = StageMeter("index", len(plan.to_read), progress)
        writes = PendingWrites(
            self.catalog, self.commit_every, on_commit=lambda n: meter.advance(n, force=True)
        )
        writer = OutcomeWriter(self.catalog, writes, plan, gone_by_content, summary, stage)
        # Decode and preprocess about three model batches ahead of inference.
        ahead = self.threads * 4 + (3 * stage.batch_size if stage else 0)
        try:
            with (
                ThreadPoolExecutor(
                    self.threads,
                    thread_name_prefix="pictor-read",
                    initializer=yield_cpu_to_inference if stage else None,
                ) as pool,
                writes,
            ):
                # Videos after the photos, few at a time: a video's outcome holds up to
                # max_frames model inputs (about 70 MB at 120), where a photo's holds one.
                videos = [item for item in plan.to_read if is_video_name(item.path)]
                photos = [item for item in plan.to_read if not is_video_name(item.path)]
                for group, depth in ((photos, ahead), (videos, self.threads + 1)):
                    outcomes = bounded_map(
                        pool,
                        analyse,
                        group,
                        max_in_flight=depth,
                        should_stop=lambda: cancel.cancelled,
                    )
                    for outcome in outcomes:
                        writer.write(outcome)
                        meter.advance_read()
                        writes.tick()
                writer.flush_orphans()
                if stage is not None:
                    stage.flush(writes)  # vectors first, then their rows commit with the batch
        finally:
            known.close()
        meter.finish()


def _inside_any(path: str, folders: list[str]) -> bool:
    """Under a folder the walk could not list: unknown, so never swept as deleted."""
    return any(lo <= path < hi for lo, hi in map(path_range, folders))
