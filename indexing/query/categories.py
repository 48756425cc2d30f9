"""Text categories ("nsfw", "screenshot", "beach") decided with CLIP, the same way everywhere.

A raw cosine between an image and a prompt means different things for different prompts,
so one threshold cannot serve them all. Instead each image is classified zero-shot between
the category and a fixed set of neutral prompts: the category's probability is the softmax
share of its similarity among all of them, at CLIP's logit scale (100). An image matches the
category when that probability reaches 1 - sensitivity (sensitivity 0.5: the category must
beat every neutral prompt together). Neutral prompts too close to the category itself
(text cosine >= 0.9) are dropped, so "screenshot" does not compete with "a screenshot".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from indexing.errors import PictorError
from indexing.models.clip import normalise
from indexing.models.zero_shot import LOGIT_SCALE, NEUTRAL_PROMPTS, NEUTRAL_TOO_CLOSE, TEMPLATES
from indexing.store import category_scores as stored
from indexing.store.catalog import Catalog
from indexing.store.category_scores import CategoryScoreRows

Vectors = npt.NDArray[np.float32]


class TextEmbedder(Protocol):
    def embed_texts(self, texts: list[str]) -> Vectors: ...


def prompt_vector(embedder: TextEmbedder, category: str) -> Vectors:
    """The category's text embedding, averaged over the prompt templates."""
    texts = [template.format(category.strip()) for template in TEMPLATES]
    return normalise(embedder.embed_texts(texts).mean(axis=0))


def class_vectors(embedder: TextEmbedder, category: str) -> Vectors:
    """Row 0: the category; the other rows: the neutral prompts that stay distinct from it."""
    target = prompt_vector(embedder, category)
    neutral = normalise(embedder.embed_texts(list(NEUTRAL_PROMPTS)))
    keep = neutral @ target < NEUTRAL_TOO_CLOSE
    return np.vstack([target[None, :], neutral[keep]])


def category_probability(image_vectors: Vectors, classes: Vectors) -> Vectors:
    """P(category) per image (rows of image_vectors, L2-normalised)."""
    logits = LOGIT_SCALE * (np.asarray(image_vectors, dtype=np.float32) @ classes.T)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return (weights[:, 0] / weights.sum(axis=1)).astype(np.float32)


def threshold(sensitivity: float) -> float:
    """The probability an image needs to count as matching a category."""
    return 1.0 - sensitivity


# The cache: P(category) per image, computed once per (model, category) from the vectors.

SCORE_PAGE = 2000  # vectors read from Chroma per request when paging through a collection
PAGE_THROUGH_ABOVE = 5000  # more missing scores than this: page the collection, not get(ids)


def category_key(category: str) -> str:
    """The cache key of a category: trimmed, lower case, single spaces."""
    return " ".join(category.lower().split())


def rule_fingerprint() -> str:
    """Changes whenever the decision rule does, so cached probabilities never go stale."""
    rule = json.dumps([TEMPLATES, NEUTRAL_PROMPTS, LOGIT_SCALE, NEUTRAL_TOO_CLOSE])
    return hashlib.blake2b(rule.encode(), digest_size=8).hexdigest()


class VectorSource(Protocol):
    def collection(self, model_id: str) -> Any: ...
    def get(self, model_id: str, ids: Sequence[str]) -> dict[str, Vectors]: ...


class CategoryScores:
    """Fills catalog.category_scores for one model; the filter then runs in SQL over it.

    The embedder and the vector store are only touched when some image still lacks a
    score, so a cached category keeps working without weights.
    """

    def __init__(
        self,
        model_id: str,
        embedder: Callable[[], TextEmbedder],
        vectors: Callable[[], VectorSource],
    ):
        self.model_id = model_id
        self._embedder = embedder
        self._vectors = vectors

    def ensure(self, catalog: Catalog, categories: Iterable[str]) -> int:
        """Score every embedded image for each category that lacks a score; return how many."""
        stamp = catalog.embedding_stamp(self.model_id)
        if stamp is None:
            raise PictorError(
                f"The text-category filter needs CLIP vectors and no image has one under "
                f"{self.model_id} yet: index your folders with embeddings on "
                "(launch.py index, without --no-embed)."
            )
        rows = CategoryScoreRows(catalog, self.model_id)
        return sum(self._ensure_one(rows, category_key(c), stamp) for c in categories)

    def _ensure_one(self, rows: CategoryScoreRows, category: str, stamp: int) -> int:
        rule = rule_fingerprint()
        done = rows.rule_of(category)
        if done == (rule, stamp):
            return 0  # complete for these embeddings under this rule
        if done is not None and done[0] != rule:
            rows.forget(category)
        written = self._score_missing(rows, category)
        rows.completed(category, rule, stamp)
        return written

    def _score_missing(self, rows: CategoryScoreRows, category: str) -> int:
        missing = rows.missing(category)
        if not missing:
            return 0
        classes = class_vectors(self._embedder(), category)
        written = 0
        for ids, vectors in self._vectors_of(missing):
            scores = category_probability(vectors, classes)
            rows.put(category, zip(ids, (float(p) for p in scores), strict=True))
            written += len(ids)
        return written

    def _vectors_of(self, missing: set[str]) -> Iterator[tuple[list[str], Vectors]]:
        """(ids, vectors) batches for the missing ids: by id, or paging the whole collection."""
        store = self._vectors()
        if len(missing) <= PAGE_THROUGH_ABOVE:
            found = store.get(self.model_id, sorted(missing))
            if found:
                ids = list(found)
                yield ids, normalise(np.stack([found[i] for i in ids]))
            return
        collection = store.collection(self.model_id)
        offset = 0
        while True:
            page = collection.get(limit=SCORE_PAGE, offset=offset, include=["embeddings"])
            if not page["ids"]:
                return
            offset += len(page["ids"])
            keep = [n for n, cid in enumerate(page["ids"]) if cid in missing]
            if keep:
                vectors = np.asarray(page["embeddings"], dtype=np.float32)[keep]
                yield [page["ids"][n] for n in keep], normalise(vectors)


def text_clauses(
    model_id: str, exclude: Sequence[str], only: Sequence[str], sensitivity: float
) -> tuple[list[str], list[Any]]:
    """SQL over images `i` and the cached scores: hide images matching any excluded
    category; keep only images matching every `only` category (as search does).

    An image with no score (no vector yet) counts as matching nothing.
    """
    return stored.text_clauses(
        model_id,
        [category_key(c) for c in exclude],
        [category_key(c) for c in only],
        threshold(sensitivity),
    )


def matched_ids_sql(
    model_id: str, categories: Sequence[str], sensitivity: float
) -> tuple[str, list[Any]]:
    """A subquery of the content ids matching any of categories (served by an index)."""
    return stored.matched_ids_sql(
        model_id, [category_key(c) for c in categories], threshold(sensitivity)
    )
