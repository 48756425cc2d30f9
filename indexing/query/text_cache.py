"""Text embeddings kept between searches, so paging and re-sorting never re-run the text tower.

One process-wide LRU (TEXT_CACHE) keyed by (model id, text), shared by every Searcher and,
through CachedTexts, by the category scores the ranking reads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from indexing.query.search_query import Embedder, Vectors

TEXT_CACHE_SIZE = 512


class TextCache:
    """LRU of text embeddings keyed by (model id, text): paging never re-runs the text tower."""

    def __init__(self, size: int = TEXT_CACHE_SIZE):
        self.size = size
        self._items: OrderedDict[tuple[str, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, embedder: Embedder, texts: list[str]) -> Vectors:
        keys = [(embedder.model_id, text) for text in texts]
        with self._lock:
            missing = [key[1] for key in keys if key not in self._items]
        if missing:
            fresh = embedder.embed_texts(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._items[(embedder.model_id, text)] = vector
        with self._lock:
            out = []
            for key in keys:
                vector = self._items.get(key)
                if vector is None:  # evicted while we embedded: rare, embed it again
                    vector = embedder.embed_texts([key[1]])[0]
                self._items[key] = vector
                self._items.move_to_end(key)
                out.append(vector)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return np.stack(out).astype(np.float32)


TEXT_CACHE = TextCache()


class CachedTexts:
    """The categories module's TextEmbedder, through the shared cache."""

    def __init__(self, embedder: Embedder, cache: TextCache):
        self.embedder, self.cache = embedder, cache

    def embed_texts(self, texts: list[str]) -> Vectors:
        return self.cache.embed(self.embedder, texts)
