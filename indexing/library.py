"""The core object both front ends use: settings in, catalog and indexer out."""

from __future__ import annotations

from indexing.catalog import Catalog
from indexing.pipeline import Indexer, IndexSummary
from indexing.progress import CancelToken, ProgressCallback, no_progress
from indexing.settings import Settings
from indexing.thumbnails import ThumbnailStore


class Library:
    """A data directory: catalog, thumbnails and (later) vectors. Cheap to create."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.thumbs = ThumbnailStore(settings.thumbs_dir, settings.thumb_size)

    def open_catalog(self) -> Catalog:
        """A new connection; use one per thread and close it when done."""
        return Catalog(self.settings.catalog_path)

    def index(
        self,
        folders: list[str],
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> IndexSummary:
        with self.open_catalog() as catalog:
            indexer = Indexer(
                catalog,
                self.thumbs,
                threads=self.settings.threads,
                min_side=self.settings.thumb_size,
                max_image_pixels=self.settings.max_image_pixels,
                commit_every=self.settings.commit_every,
                skip_dirs=(str(self.settings.data_dir),),
            )
            return indexer.index(folders, progress, cancel)
