"""What the layers above the store see of a library: one data folder's settings, catalog,
vectors, thumbnails and previews, as a Protocol.

indexing.library.Library is the one implementation. The query, curate and dedup layers and
the evaluator sit below it (or beside it, and may not import it), so they take a DataFolder:
they get what they use of the library, typed, without an upward import. The CLIP embedder is
not here (it belongs to indexing.models, a layer up); what needs it asks for a DataFolder
with an embedder in its own layer.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from indexing.settings import Settings
from indexing.store.catalog import Catalog
from indexing.store.thumbnails import ThumbnailStore
from indexing.store.vector_mirror import VectorMirror
from indexing.store.vectors import VectorStore


class Previews(Protocol):
    """Screen-sized previews, made on demand (indexing.ingest.previews.PreviewStore is one:
    it decodes photos and video posters, a layer above the store)."""

    def get(self, content_id: str, sources: list[str]) -> Path | None: ...

    def prefetch(self, content_id: str, sources: list[str]) -> None: ...


class DataFolder(Protocol):
    """A data folder, opened lazily: nothing connects or loads until asked."""

    @property
    def settings(self) -> Settings: ...

    @property
    def model_id(self) -> str:
        """The CLIP model whose vectors and predictions this folder uses."""
        ...

    @property
    def thumbs(self) -> ThumbnailStore: ...

    @property
    def previews(self) -> Previews: ...

    def open_catalog(self) -> Catalog:
        """A new connection; the caller closes it (or uses it in a `with`)."""
        ...

    def borrow_catalog(self) -> AbstractContextManager[Catalog]:
        """This thread's long-lived connection, for a `with` block: nothing to close."""
        ...

    def vectors(self) -> VectorStore: ...

    def vector_mirror(self) -> VectorMirror: ...
