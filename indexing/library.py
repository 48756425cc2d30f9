"""The core object both front ends use: settings in; catalog, model, vectors and indexer out."""

from __future__ import annotations

import copy
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from indexing.curate.people import People
from indexing.errors import PictorError
from indexing.ingest.analyse import VideoSampling
from indexing.ingest.embedding import EmbedCounts, EmbedStage, LazyStage
from indexing.ingest.faces import find_pending_faces
from indexing.ingest.pipeline import Indexer, IndexSummary
from indexing.ingest.previews import PreviewStore
from indexing.ingest.text_stage import TextCounts, read_file, read_pending
from indexing.models import subjects
from indexing.models.clip import ClipEmbedder, model_id_for, shared_embedder
from indexing.models.faces import shared_face_model
from indexing.models.text_reader import TextReader, engine_id, shared_reader
from indexing.names.wording import plural
from indexing.progress import CancelToken, Progress, ProgressCallback, no_progress
from indexing.settings import Settings
from indexing.store import search_text, text_reads
from indexing.store import subjects as subject_tables
from indexing.store.catalog import Catalog
from indexing.store.commit_watch import CommitWatch
from indexing.store.faces import FaceTable
from indexing.store.locks import index_lock
from indexing.store.thumbnails import ThumbnailStore
from indexing.store.vector_mirror import VectorMirror, shared_mirror
from indexing.store.vectors import VectorStore, collection_name


class Library:
    """A data directory: catalog, thumbnails and vectors. Cheap to create; loads lazily.

    launch.py builds one per run and hands it to the command; the layers below this one and
    the evaluator see it as a DataFolder (indexing/store/data_folder.py)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.thumbs = ThumbnailStore(settings.thumbs_dir, settings.thumb_size)
        self.previews = PreviewStore(settings.previews_dir)
        self._vectors: VectorStore | None = None
        self._local = threading.local()
        self.commits = CommitWatch(settings.catalog_path)

    @property
    def model_id(self) -> str:
        return model_id_for(self.settings.clip_model, self.settings.clip_pretrained)

    def open_catalog(self) -> Catalog:
        """A new connection; use one per thread and close it when done."""
        return Catalog(self.settings.catalog_path)

    def thread_catalog(self) -> Catalog:
        """This thread's long-lived connection, for interactive paths (a key press in the
        Rate tab) where opening and closing a connection would cost more than the work."""
        catalog = getattr(self._local, "catalog", None)
        if catalog is None:
            catalog = self._local.catalog = self.open_catalog()
        return catalog

    @contextmanager
    def borrow_catalog(self) -> Iterator[Catalog]:
        """thread_catalog() for a `with` block: nothing to close afterwards."""
        yield self.thread_catalog()

    def embedder(self) -> ClipEmbedder:
        """The process-wide embedder for these settings (not loaded until first use)."""
        s = self.settings
        return shared_embedder(
            s.clip_model, s.clip_pretrained, s.device, s.threads, s.clip_int8,
            s.clip_model_config, s.backend, s.model_files_dir,
        )  # fmt: skip

    def vectors(self) -> VectorStore:
        """ChromaDB: the embedded store in the data folder, or the configured server."""
        if self._vectors is None:
            s = self.settings
            self._vectors = (
                VectorStore.server(s.chroma_host, s.chroma_port)
                if s.chroma_host
                else VectorStore.embedded(s.vectors_dir)
            )
        return self._vectors

    def vector_mirror(self) -> VectorMirror:
        """The flat memory-mapped copy of the current model's vectors (store.vector_mirror)."""
        folder = self.settings.data_dir / "vector-mirror" / collection_name(self.model_id)
        return shared_mirror(folder, self.model_id)

    def index(
        self,
        folders: list[str],
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        *,
        wait: bool = True,
        on_wait: Callable[[int | None], None] | None = None,
    ) -> IndexSummary:
        """Index folders, one run per data directory at a time (see store.locks).

        wait=False raises IndexingBusy when another run (any process) holds the lock.
        """
        with index_lock(self.settings.data_dir, wait=wait, on_wait=on_wait):
            return self._index(folders, progress, cancel)

    def _index(
        self, folders: list[str], progress: ProgressCallback, cancel: CancelToken | None
    ) -> IndexSummary:
        with self.open_catalog() as catalog:
            counts = EmbedCounts(self.model_id)
            stage = (
                LazyStage(self.model_id, lambda: self._embed_stage(counts))
                if self.settings.embed
                else None
            )
            indexer = Indexer(
                catalog,
                self.thumbs,
                threads=self.settings.threads,
                long_side=self.settings.thumb_size,
                max_image_pixels=self.settings.max_image_pixels,
                commit_every=self.settings.commit_every,
                skip_dirs=(str(self.settings.data_dir),),
                embed=stage,
                video=VideoSampling(self.settings.video_interval, self.settings.video_max_frames),
            )
            summary = indexer.index(folders, progress, cancel)
            if self.settings.embed:
                counts.pending = catalog.embedding_counts(self.model_id)["pending"]
                summary.embeddings = counts
            should_stop = (lambda: cancel.cancelled) if cancel is not None else (lambda: False)
            if self.settings.embed and counts.message is None and not should_stop():
                summary.subjects_tagged = self._tag_subjects(catalog, progress, should_stop)
            search_text.refresh(
                catalog.conn, progress=_stage(progress, "search"), should_stop=should_stop
            )
            catalog.refresh_statistics()
            # The slow stages last: everything above is browsable and searchable while text
            # is read (about 20 photos/s) and then faces are found (about 4 photos/s).
            if self.settings.ocr and not should_stop():
                summary.text = self._read_text(catalog, progress, cancel).as_dict()
                search_text.refresh(catalog.conn, should_stop=should_stop)
            if self.settings.faces and not should_stop():
                summary.faces = self._find_faces(catalog, progress, cancel or CancelToken())
            return summary

    def text_reader(self) -> TextReader:
        """The process-wide OCR reader (not loaded until first use)."""
        return shared_reader(1, self.settings.backend)

    def text_of(self, path: str) -> dict:
        """The text in one image file: as the catalog holds it when this content was read,
        else read now (and kept, when the content is catalogued)."""
        import os

        from indexing.store.files import present_content_id

        full = os.path.abspath(os.path.expanduser(path))
        if not os.path.isfile(full):
            raise PictorError(f"no such file: {path}")
        engine = engine_id()
        with self.open_catalog() as catalog:
            known = present_content_id(catalog, full)
            state = text_reads.state_of(catalog, known) if known else None
            if known is not None and state is not None and state["engine"] == engine:
                lines = text_reads.lines_of(catalog, known)
                return _text_report(full, known, state["state"], state["reason"], lines, "catalog")
            try:
                content_id, row = read_file(
                    full, self.text_reader(), max_pixels=self.settings.max_image_pixels
                )
            except OSError as exc:
                raise PictorError(f"cannot read {path}: {exc.strerror or exc}") from None
            if text_reads.is_catalogued(catalog, content_id):
                text_reads.write(catalog, [row], engine)
                search_text.refresh(catalog.conn)
            lines = [
                {"text": t, "box": [list(p) for p in box], "confidence": round(c, 3)}
                for t, box, c in row.lines
            ]
            return _text_report(full, content_id, row.state, row.reason, lines, "read now")

    def _read_text(
        self, catalog: Catalog, progress: ProgressCallback, cancel: CancelToken | None
    ) -> TextCounts:
        # One model thread per worker: images are read in parallel, one core each.
        return read_pending(
            self.text_reader(),
            catalog,
            engine_id(),
            threads=self.settings.threads,
            max_pixels=self.settings.max_image_pixels,
            commit_every=min(self.settings.commit_every, 64),
            progress=progress,
            cancel=cancel or CancelToken(),
        )

    def tag_subjects(
        self, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
    ) -> int:
        """Tag the images with a vector and no subject tags yet (indexing does this too)."""
        should_stop = (lambda: cancel.cancelled) if cancel is not None else (lambda: False)
        with self.open_catalog() as catalog:
            tagged = self._tag_subjects(catalog, progress, should_stop)
            search_text.refresh(catalog.conn, should_stop=should_stop)
            return tagged

    def _tag_subjects(
        self, catalog: Catalog, progress: ProgressCallback, should_stop: Callable[[], bool]
    ) -> int:
        mirror = self.vector_mirror()

        def vectors_for(ids: list[str]):
            found, rows, _missing = mirror.sync(self.vectors()).vectors_for(ids)
            return found, rows

        return subjects.tag_pending(
            catalog,
            self.model_id,
            self.subject_model,
            vectors_for,
            progress=_stage(progress, "subjects"),
            should_stop=should_stop,
        )

    def find_faces(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        *,
        limit: int | None = None,
        wait: bool = True,
    ) -> dict:
        """Find the faces of every image not scanned yet (the backfill of an existing
        catalog) and group them into people; what `index` does after its other stages."""
        if not self.settings.faces:
            raise PictorError("faces are off (PICTOR_FACES=off); turn them on to find faces")
        with index_lock(self.settings.data_dir, wait=wait), self.open_catalog() as catalog:
            return self._find_faces(catalog, progress, cancel or CancelToken(), limit)

    def forget_faces(self) -> dict[str, int]:
        """Delete every face, descriptor, person and decision, and the People view's crops."""
        import shutil

        # Under the index lock, as forget_folder: a run finding faces now would write some back.
        with index_lock(self.settings.data_dir, wait=False), self.open_catalog() as catalog:
            counts = People(catalog).forget_all()
        shutil.rmtree(self.settings.data_dir / "face-crops", ignore_errors=True)
        return counts

    def _find_faces(
        self,
        catalog: Catalog,
        progress: ProgressCallback,
        cancel: CancelToken,
        limit: int | None = None,
    ) -> dict:
        try:
            counts = find_pending_faces(
                catalog,
                shared_face_model(),
                threads=self.settings.threads,
                max_pixels=self.settings.max_image_pixels,
                progress=progress,
                cancel=cancel,
                limit=limit,
            )
        except PictorError as exc:  # dlib or its model files missing: index the rest
            return {"message": str(exc)}
        grouping = People(catalog).group()
        return {
            "scanned": counts.scanned,
            "faces": counts.faces,
            "failed": counts.failed,
            "errors": [
                {"content_id": content_id, "reason": reason}
                for content_id, reason in FaceTable(catalog).scan_errors()
            ][:100],
            **grouping.as_dict(),
            "catalog": FaceTable(catalog).scan_counts(),
        }

    def subject_model(self) -> subjects.SubjectModel:
        """The subject vocabulary's vectors for this model: embedded once (a few thousand
        texts through the text tower, the first index's one fixed cost), then read from
        the models folder's subjects/ cache (shared by libraries that share that folder)."""
        phrases = subjects.vocabulary()
        name = f"{collection_name(self.model_id)}-{subjects.vocabulary_id(phrases)}.npz"
        cache = self.settings.model_files_dir / "subjects" / name
        legacy = self.settings.data_dir / "subjects"  # where they were kept before (derived)
        if legacy != cache.parent and legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)
        return subjects.SubjectModel.build(self.embedder().load(), phrases, cache)

    def forget_folder(self, folder: str, *, dry_run: bool = False) -> dict:
        """Forget a library folder (see Catalog.forget_root); files stay on disk. Refused
        while this data folder is being indexed. dry_run: what it would forget."""
        import os

        path = os.path.abspath(os.path.expanduser(folder)).rstrip("/") or "/"
        with index_lock(self.settings.data_dir, wait=False), self.open_catalog() as catalog:
            return {"folder": path, **catalog.forget_root(path, dry_run=dry_run)}

    def status(self, catalog: Catalog) -> dict:
        """What `status --json`, the API's status and the Library tab show: the catalog's
        counts, roots and formats, with the CLIP model and its embedding counts."""
        from indexing.query import details

        def counts() -> dict:
            data = details.status(catalog)
            data["embeddings"] = catalog.embedding_counts(self.model_id)
            data["models"] = details.embedded_models(catalog)
            data["faces"] = {"enabled": self.settings.faces, **FaceTable(catalog).scan_counts()}
            data["text"] = {"enabled": self.settings.ocr, **text_reads.counts(catalog, engine_id())}
            return data

        # The counts scan the catalog; they are kept until the next commit (commit_watch).
        data = copy.deepcopy(self.commits.cached(("status", self.model_id), counts))
        data["model"] = self.model_id
        data["data_dir"] = str(self.settings.data_dir)
        embedder = self.embedder()  # not loaded here: the backend in use once it is
        data["backend"] = {
            "setting": self.settings.backend,
            "in_use": embedder.runs_on if embedder.loaded else None,
        }
        return data

    def subject_note(self, catalog: Catalog) -> str:
        """Why the subject facet is empty, in one sentence."""
        error = self.embedder().load_error
        if error is not None:
            return f"Subject tags need CLIP. {error}"
        if catalog.embedding_counts(self.model_id)["done"] == 0:
            return (
                "Subject tags come from CLIP vectors, and no image has one yet: index with "
                "the CLIP weights available (see the README, 'CLIP weights')."
            )
        if subject_tables.untagged(catalog, self.model_id):
            return "Subject tags are made after indexing; run index (or Re-index) to make them."
        return "No image has a confident subject tag yet."

    def _embed_stage(self, counts: EmbedCounts) -> EmbedStage | None:
        """The embedding stage, or None with the reason in counts.message."""
        try:
            embedder = self.embedder().load()
            vectors = self.vectors()
        except PictorError as exc:  # no weights, or no Chroma server: index the rest
            counts.message = str(exc)
            return None
        return EmbedStage(embedder, vectors, self.settings.batch_size, counts)


def _stage(progress: ProgressCallback, stage: str) -> Callable[[int, int], None]:
    """A (done, total) callback reporting one after-index stage through progress."""
    started = time.monotonic()

    def report(done: int, total: int) -> None:
        rate = done / max(time.monotonic() - started, 1e-9)
        eta = (total - done) / rate if rate > 0 else None
        progress(Progress(stage, done, total, rate, eta))

    return report


def _text_report(
    path: str, content_id: str, state: str, reason: str | None, lines: list, source: str
) -> dict:
    """What `text PATH` prints: the lines read in one image, and where they came from."""
    return {
        "path": path,
        "content_id": content_id,
        "state": state,
        "reason": reason,
        "source": source,
        "text": "\n".join(line["text"] for line in lines),
        "lines": lines,
    }


def forget_sentence(report: dict, done: bool) -> str:
    """What forgetting a folder does, in the words the CLI and the Library tab use."""
    what = f"{plural(report['images'], 'image')} ({plural(report['files'], 'file')})"
    if done:
        return (
            f"Forgot {report['folder']}: {what} left the library. The files are still on "
            "disk; add the folder again to get them back, with their ratings."
        )
    return (
        f"Forgetting {report['folder']} takes {what} out of the library. The files stay on "
        "disk, untouched, and their ratings are kept for when the folder is added again."
    )
