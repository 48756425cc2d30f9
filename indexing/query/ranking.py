"""Ranking by cosine similarity inside a filter: Chroma's HNSW index, or exact numpy search.

- No filter, or a filter that lets many images through: Chroma's HNSW index, asking for a
  window of candidates and keeping those that pass (a file present, the filter); the
  window grows until a page is full or the collection is exhausted, so filtering happens
  inside the query, not after a top-K cut.
- A selective filter (at most EXACT_LIMIT images pass, and under 5% of the library):
  exact search, numpy over the vectors of exactly the images that pass, read from the
  vector mirror (indexing/store/vector_mirror.py)

Order is by score, then content id, so equal scores keep a stable order. HNSW windows are
powers of two of at least HNSW_WINDOW candidates, so the first pages of a query all come
from one candidate list. bench/search_bench.py measures both mechanisms.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from indexing.query import categories
from indexing.query.filters import Filter
from indexing.store import files, image_reads
from indexing.store.catalog import Catalog
from indexing.store.vector_mirror import VectorMirror
from indexing.store.vectors import VectorStore

Vectors = npt.NDArray[np.float32]
KeepRule = Callable[[Vectors], npt.NDArray[np.bool_]]

# Measured with bench/search_bench.py at 100k: exact search over a subset costs about 8 µs
# an image (mirror read + numpy), so 20k images is ~150 ms; HNSW-then-filter is cheaper as
# soon as the filter lets through 5% or more (a window of at most 512 candidates).
EXACT_LIMIT = 20_000  # a filter letting at most this many images through is searched exactly
HNSW_MIN_SHARE = 0.05  # ... unless they are this large a part of the library
HNSW_WINDOW = 128  # Chroma's ef_search in vectors.py: smaller windows cost the same


class Ranker:
    """The best (content id, score) pairs for a query vector, under one model."""

    def __init__(
        self,
        model_id: str,
        texts: categories.TextEmbedder,
        *,
        mirror: VectorMirror | None = None,
        mechanism: str | None = None,
    ):
        self.model_id = model_id
        self.texts = texts  # for the filter's text categories
        self.mechanism = mechanism  # "exact" or "hnsw" forces one (tests, benchmarks)
        self.mirror = mirror

    def keep_rule(self, where: Filter) -> KeepRule | None:
        """The filter's text categories as a mask over vectors (None: it has none)."""
        return category_rule(where, self.texts) if where.needs_clip else None

    @staticmethod
    def sql_part(where: Filter) -> Filter:
        """The filter without its text categories: what SQL decides."""
        return where.model_copy(
            update={"exclude_text": (), "only_text": (), "text_sensitivity": 0.5}
        )

    def rank(
        self, catalog: Catalog, store: VectorStore, vector: Vectors, where: Filter, needed: int
    ) -> tuple[list[tuple[str, float]], str]:
        """At least `needed` (content id, score) passing the filter, best first, if they exist."""
        keep = self.keep_rule(where)
        sql_part = self.sql_part(where)
        share = 1.0  # the part of the library the filter lets through
        exact = self.mechanism == "exact"
        if exact or (not sql_part.is_empty and self.mechanism is None):
            allowed = allowed_ids(catalog, sql_part, -1 if exact else EXACT_LIMIT + 1)
            share = min(1.0, len(allowed) / max(1, catalog.approximate_images()))
            if exact or (len(allowed) <= EXACT_LIMIT and share < HNSW_MIN_SHARE):
                stamp = catalog.embedding_stamp(self.model_id)
                return self._exact(store, vector, allowed, keep, needed, stamp), "exact"
        window = first_window(needed, share)
        return self._hnsw(catalog, store, vector, sql_part, keep, needed, window), "hnsw"

    def _exact(
        self,
        store: VectorStore,
        vector: Vectors,
        ids: list[str],
        keep: KeepRule | None,
        needed: int,
        stamp: int | None = None,
    ) -> list[tuple[str, float]]:
        ids, matrix = self._vectors_of(store, ids, stamp)
        if not ids:
            return []
        if keep is not None:
            mask = keep(matrix)
            ids = [cid for cid, ok in zip(ids, mask, strict=True) if ok]
            matrix = matrix[mask]
        return top_exact(ids, matrix @ vector, needed)

    def _vectors_of(
        self, store: VectorStore, ids: list[str], stamp: int | None = None
    ) -> tuple[list[str], Vectors]:
        """The stored vectors of ids (those that have one): from the mirror where it has them."""
        missing = ids
        found: list[str] = []
        matrix = np.zeros((0, 0), dtype=np.float32)
        if self.mirror is not None:
            found, matrix, missing = self.mirror.sync(store, stamp=stamp).vectors_for(ids)
        if missing:
            extra = store.get(self.model_id, missing)
            if extra:
                rows = np.stack(list(extra.values()))
                matrix = np.vstack([matrix, rows]) if found else rows
                found = found + list(extra)
        return found, matrix

    def _hnsw(
        self,
        catalog: Catalog,
        store: VectorStore,
        vector: Vectors,
        where: Filter,
        keep: KeepRule | None,
        needed: int,
        window: int,
    ) -> list[tuple[str, float]]:
        while True:
            candidates = store.query(self.model_id, vector, window)
            ids = [cid for cid, _ in candidates]
            passing = passing_ids(catalog, where, ids)
            if keep is not None and passing:
                vectors = store.get(self.model_id, sorted(passing))
                order = list(vectors)
                mask = keep(np.stack([vectors[cid] for cid in order]))
                passing = {cid for cid, ok in zip(order, mask, strict=True) if ok}
            ranked = sorted(
                ((cid, score) for cid, score in candidates if cid in passing),
                key=lambda item: (-item[1], item[0]),
            )
            if len(ranked) >= needed or len(candidates) < window:  # enough, or all seen
                return ranked[:needed]
            window *= 4


def first_window(needed: int, share: float) -> int:
    """HNSW candidates to ask for: enough that about `needed` pass a filter letting `share`
    through, on a ladder (HNSW_WINDOW times powers of 4) so nearby pages share one window."""
    window = HNSW_WINDOW
    while window * share < needed:
        window *= 4
    return window


def category_rule(where: Filter, texts: categories.TextEmbedder) -> KeepRule | None:
    """The filter's text categories as a mask over image vectors (None: no categories)."""
    if not where.needs_clip:
        return None
    rules = [(name, True) for name in where.only_text] + [
        (name, False) for name in where.exclude_text
    ]
    classes = [(categories.class_vectors(texts, name), wanted) for name, wanted in rules]
    limit = categories.threshold(where.text_sensitivity)

    def keep(image_vectors: Vectors) -> npt.NDArray[np.bool_]:
        mask = np.ones(len(image_vectors), dtype=bool)
        for class_rows, wanted in classes:
            matches = categories.category_probability(image_vectors, class_rows) >= limit
            mask &= matches if wanted else ~matches
        return mask

    return keep


def top_exact(ids: list[str], scores: np.ndarray, needed: int) -> list[tuple[str, float]]:
    """The `needed` best by score then content id; ties at the cut are decided by id too."""
    if len(ids) > needed:
        cut = np.partition(scores, len(scores) - needed)[len(scores) - needed]
        chosen = np.flatnonzero(scores >= cut)
    else:
        chosen = np.arange(len(ids))
    ranked = sorted(((ids[i], float(scores[i])) for i in chosen), key=lambda x: (-x[1], x[0]))
    return [(cid, max(-1.0, min(1.0, score))) for cid, score in ranked[:needed]]


def allowed_ids(catalog: Catalog, where: Filter, limit: int) -> list[str]:
    """Up to limit (-1: all) content ids the SQL part of the filter lets through."""
    return image_reads.ids_where(catalog, where.where(present_first=False), limit)


def passing_ids(catalog: Catalog, where: Filter, ids: list[str]) -> set[str]:
    """Which of ids the SQL part of the filter lets through (the empty filter: present ones)."""
    return image_reads.ids_meeting(catalog, where.where(), ids)


def present_paths(
    catalog: Catalog, ids: list[str], oldest_first: bool = False
) -> dict[str, list[str]]:
    """content id -> its present files, by path (or oldest file first, then by path)."""
    return files.present_paths(catalog, ids, oldest_first)
