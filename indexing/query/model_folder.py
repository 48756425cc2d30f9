"""What the query layer needs of a library beyond its data folder: its CLIP embedder.

Searching and the CLIP text filters embed a query, so they take a ModelFolder: a DataFolder
(the store's seam) that also hands out the process-wide embedder. indexing.library.Library
is the one implementation; the query layer sits below it and may not import it.
"""

from __future__ import annotations

from typing import Protocol

from indexing.models.clip import ClipEmbedder
from indexing.store.data_folder import DataFolder


class ModelFolder(DataFolder, Protocol):
    def embedder(self) -> ClipEmbedder:
        """The embedder for this folder's model (not loaded until first use)."""
        ...
