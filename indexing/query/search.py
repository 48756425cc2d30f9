"""Semantic search: text, an image, or both, minus negative terms, inside a filter.

Scoring. The query vector is the normalised weighted sum of the text and image embeddings
(`image_weight` of the image, the rest of the text), minus NEGATIVE_WEIGHT times the mean of
the negative terms' embeddings, normalised again. A score is the cosine similarity between
that vector and an image's vector, in [-1, 1].

How images are ranked inside a filter (Chroma's HNSW index, or exact numpy search over the
filtered subset) is indexing/query/ranking.py. Results are one per content, every present path
listed; pages are cut from one ranking by score then content id, so page 2 continues page 1.
The ranking may instead be by date (indexing/query/result_order.py): the best matches at or
above the minimum similarity, newest or oldest first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from indexing.errors import BadImage, PictorError
from indexing.ingest.decode import decode, flatten
from indexing.ingest.hashing import content_id as hash_content
from indexing.ingest.scan import is_video_name
from indexing.models.clip import normalise
from indexing.query import video_search
from indexing.query.model_folder import ModelFolder
from indexing.query.ranking import Ranker, present_paths
from indexing.query.result_order import DATE_WINDOW, by_date, dates_of
from indexing.query.search_query import (
    Embedder,
    SearchHit,
    SearchQuery,
    SearchResults,
    Vectors,
    parse_negative,
    validate,
)
from indexing.query.text_cache import TEXT_CACHE, CachedTexts, TextCache
from indexing.store.catalog import Catalog
from indexing.store.image_reads import rating_keys_of
from indexing.store.vector_mirror import VectorMirror
from indexing.store.vectors import VectorStore

# The query layer's front door: the records and the text cache are importable from here too.
__all__ = [
    "NEGATIVE_WEIGHT",
    "Embedder",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "Searcher",
    "TextCache",
    "blend_taste",
    "parse_negative",
    "validate",
]

NEGATIVE_WEIGHT = 0.5  # how hard "not: ..." pushes away: q = positive - 0.5 * mean(negatives)


TASTE_WINDOW = 600  # the best matches taste re-orders; beyond them, similarity alone
TASTE_SCALE = 0.01  # cosine per rating point at taste 1: +-0.05 for ratings 10 and 0


def blend_taste(
    catalog: Catalog, ranked: list[tuple[str, float]], taste: float
) -> list[tuple[str, float]]:
    """Best matches you would like: score = cosine + taste * 0.01 * (rating - 5).

    rating is yours where you gave one, else the evaluator's prediction; an image with
    neither is left as it is. At taste 1 a 10 gains 0.05 and a 0 loses 0.05, about the
    spread of cosine among a query's good matches, so taste re-orders the relevant results
    without pulling in unrelated ones.
    """
    ratings = rating_keys_of(catalog, [cid for cid, _ in ranked])
    blended = [
        (cid, score + taste * TASTE_SCALE * (ratings[cid] - 5.0) if cid in ratings else score)
        for cid, score in ranked
    ]
    return sorted(blended, key=lambda item: (-item[1], item[0]))


class Searcher:
    """The query layer behind `launch.py search` and the Search tab."""

    def __init__(
        self,
        open_catalog: Callable[[], Catalog],
        vectors: Callable[[], VectorStore],
        embedder: Embedder,
        *,
        max_image_pixels: int,
        text_cache: TextCache = TEXT_CACHE,
        mirror: VectorMirror | None = None,
        mechanism: str | None = None,
    ):
        self.open_catalog = open_catalog
        self.vectors = vectors
        self.embedder = embedder
        self.max_image_pixels = max_image_pixels
        self.text_cache = text_cache
        # A screenshot's moment is looked for around each video's this many best moments.
        self.refine_per_video = video_search.REFINE_MOMENTS
        self.ranker = Ranker(
            embedder.model_id,
            CachedTexts(embedder, text_cache),
            mirror=mirror,
            mechanism=mechanism,
        )

    @classmethod
    def for_library(cls, library: ModelFolder) -> Searcher:
        return cls(
            library.open_catalog,
            library.vectors,
            library.embedder(),
            max_image_pixels=library.settings.max_image_pixels,
            mirror=library.vector_mirror(),
        )

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def search(self, query: SearchQuery) -> SearchResults:
        validate(query)
        store = self.vectors()
        clip = self._query_clip(query)
        if clip is not None:
            return self._search_clip(query, store, *clip)
        with self.open_catalog() as catalog:
            notes: list[str] = []
            vector = self.query_vector(catalog, store, query, notes)  # no weights: says so
            needed = query.page * query.top + 1  # one more tells whether a next page exists
            if query.order.by_date:  # the date order sorts the same window on every page
                needed = max(needed, DATE_WINDOW + 1)
            elif query.taste > 0:  # taste re-orders the same, fixed window on every page
                needed = max(needed, TASTE_WINDOW)
            ranked, mechanism = self.ranker.rank(catalog, store, vector, query.filter, needed)
            if not ranked:
                self._require_vectors(store)
            ranked, moments = video_search.with_moments(
                catalog, store, self.model_id, vector, ranked, self.ranker.sql_part(query.filter),
                self.ranker.keep_rule(query.filter), needed,
            )  # fmt: skip
            ranked = [(cid, score) for cid, score in ranked if score >= query.min_score]
            if query.order.by_date:
                ranked = self._by_date(catalog, ranked, query, notes)
            elif query.taste > 0:
                window = ranked[:TASTE_WINDOW]
                ranked = blend_taste(catalog, window, query.taste) + ranked[TASTE_WINDOW:]
            start = (query.page - 1) * query.top
            page = ranked[start : start + query.top]
            paths = present_paths(catalog, [cid for cid, _ in page])
            days = dates_of(catalog, [cid for cid, _ in page])
            if moments and query.image_path and not query.text.strip():  # a screenshot
                videos = [cid for cid, _ in page if cid in moments and paths.get(cid)]
                moments = video_search.refine_moments(
                    catalog, store, self.model_id, vector, moments, videos,
                    lambda cid, times: self._frames(paths[cid][0], times),
                    self.refine_per_video,
                    video_search.look_of_file(str(query.image_path), self.max_image_pixels),
                )  # fmt: skip
                page = [
                    (cid, max(s, moments[cid].score) if cid in moments else s) for cid, s in page
                ]
                if not query.order.by_date:
                    page.sort(key=lambda item: (-item[1], item[0]))
        hits = [
            SearchHit(cid, score, paths.get(cid, []), moments.get(cid), _day(days, cid))
            for cid, score in page
        ]
        return SearchResults(
            query, self.model_id, hits, len(ranked) > start + query.top, mechanism, notes
        )

    @staticmethod
    def _by_date(
        catalog: Catalog, ranked: list[tuple[str, float]], query: SearchQuery, notes: list[str]
    ) -> list[tuple[str, float]]:
        """The best DATE_WINDOW matches (at or above the minimum similarity) by date."""
        if len(ranked) > DATE_WINDOW:
            notes.append(
                f"By date: the best {DATE_WINDOW:,} matches; raise the minimum similarity "
                "to sort only the closest ones."
            )
        if query.taste > 0:
            notes.append("Taste changes the order by score only, not the order by date.")
        return by_date(catalog, ranked[:DATE_WINDOW], query.order)

    def _frames(self, path: str, times: list[float]) -> tuple[list[float], Vectors, Vectors]:
        """The frames of a video shown at these times: embedded, and their looks."""
        from indexing.ingest.video import frames_near

        frames = frames_near(path, times, min_side=self.embedder.input_size)
        if not frames:
            return [], np.zeros((0, 0), dtype=np.float32), np.zeros((0, 0), dtype=np.float32)
        vectors = self.embedder.embed_images([f.pixels for f in frames])
        looks = np.stack([video_search.look_of(f.pixels) for f in frames])
        return [f.time for f in frames], normalise(vectors), looks

    # A clip as the query: an animated GIF or a short video

    def _query_clip(self, query: SearchQuery) -> tuple[list[float], list[Image.Image]] | None:
        """The query's frames and their times, when its image is a video or an animation."""
        if not query.image_path or query.text.strip():
            return None
        from indexing.ingest.video import sample_clip

        path = Path(query.image_path).expanduser()
        if not path.is_file() or not (is_video_name(path.name) or _is_animation(path)):
            return None
        try:
            frames = sample_clip(str(path), min_side=self.embedder.input_size)
        except BadImage as exc:
            raise PictorError(f"{path.name} cannot be used as a query clip: {exc}.") from None
        return [f.time for f in frames], [f.pixels for f in frames]

    def _search_clip(
        self, query: SearchQuery, store: VectorStore, times: list[float], frames: list
    ) -> SearchResults:
        vectors = normalise(self.embedder.embed_images([flatten(f) for f in frames]))
        if query.negative:
            negative = normalise(self.text_vectors(list(query.negative), []).mean(axis=0))
            vectors = normalise(vectors - NEGATIVE_WEIGHT * negative)
        start = (query.page - 1) * query.top
        needed = start + query.top + 1
        if query.order.by_date:
            needed = max(needed, DATE_WINDOW + 1)
        notes: list[str] = []
        with self.open_catalog() as catalog:
            matches = video_search.match_clip(
                catalog, store, self.model_id, vectors, times,
                self.ranker.sql_part(query.filter), needed,
            )  # fmt: skip
            matches = [(cid, m) for cid, m in matches if m.score >= query.min_score]
            if query.order.by_date:
                found = dict(matches)
                scored = [(cid, m.score) for cid, m in matches]
                order = self._by_date(catalog, scored, query, notes)
                matches = [(cid, found[cid]) for cid, _ in order]
            page = matches[start : start + query.top]
            paths = present_paths(catalog, [cid for cid, _ in page])
            days = dates_of(catalog, [cid for cid, _ in page])
        hits = [SearchHit(cid, m.score, paths.get(cid, []), m, _day(days, cid)) for cid, m in page]
        if not matches and not start:
            notes.append("No video in the library matches this clip.")
        has_more = len(matches) > start + query.top
        return SearchResults(query, self.model_id, hits, has_more, "clip", notes)

    def _require_vectors(self, store: VectorStore) -> None:
        if store.count(self.model_id) > 0:
            return
        raise PictorError(
            f"Nothing is embedded with {self.model_id} yet: index your folders "
            "(launch.py index, or Re-index all in the Library tab), then search again."
        )

    # The query vector

    def query_vector(
        self, catalog: Catalog, store: VectorStore, query: SearchQuery, notes: list[str]
    ) -> Vectors:
        parts: list[tuple[float, Vectors]] = []
        text = query.text.strip()
        if text:
            weight = 1.0 - query.image_weight if query.has_image else 1.0
            parts.append((weight, self.text_vectors([text], notes)[0]))
        if query.has_image:
            weight = query.image_weight if text else 1.0
            parts.append((weight, self.image_vector(catalog, store, query)))
        positive = normalise(np.sum([w * v for w, v in parts], axis=0))
        if query.negative:
            negative = normalise(self.text_vectors(list(query.negative), notes).mean(axis=0))
            positive = normalise(positive - NEGATIVE_WEIGHT * negative)
        return positive

    def text_vectors(self, texts: list[str], notes: list[str]) -> Vectors:
        limit = self.embedder.context_length
        for text in texts:
            if self.embedder.count_tokens(text) > limit:
                notes.append(
                    f"The query {_shorten(text)!r} is longer than the model's {limit}-token "
                    "limit, so only its beginning was used."
                )
        return self.text_cache.embed(self.embedder, texts)

    def image_vector(self, catalog: Catalog, store: VectorStore, query: SearchQuery) -> Vectors:
        if query.image_content_id:
            found = store.get(self.model_id, [query.image_content_id])
            if query.image_content_id in found:
                return normalise(found[query.image_content_id])
            paths = present_paths(catalog, [query.image_content_id]).get(query.image_content_id, [])
            if not paths:
                raise PictorError("That image is no longer in the library.")
            return self._embed_file(paths[0], store, catalog)
        return self._embed_file(str(query.image_path), store, catalog)

    def _embed_file(self, path: str, store: VectorStore, catalog: Catalog) -> Vectors:
        """The stored vector when the file's content is in the library, else embed it in memory."""
        file = Path(path).expanduser()
        if not file.exists():
            raise PictorError(f"No such file: {path}")
        if file.is_dir():
            raise PictorError(f"{path} is a folder, not an image.")
        if not file.is_file():  # a device (/dev/zero), a pipe or a socket: never read it
            raise PictorError(f"{path} is not a regular file, so it cannot be a query image.")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise PictorError(f"Cannot read {path}: {exc.strerror or exc}") from None
        known = hash_content(data)
        if catalog.has_image(known):
            found = store.get(self.model_id, [known])
            if known in found:
                return normalise(found[known])
        try:
            pixels = decode(
                data, min_side=self.embedder.input_size, max_pixels=self.max_image_pixels
            ).pixels
        except BadImage as exc:
            raise PictorError(f"{file.name} cannot be used as a query image: {exc}.") from None
        return normalise(self.embedder.embed_images([flatten(pixels)])[0])

    # Ranking


def _is_animation(path: Path) -> bool:
    """An image file with several frames (an animated GIF, WebP or PNG)."""
    try:
        with Image.open(path) as image:
            return getattr(image, "n_frames", 1) > 1
    except Exception:  # not an image at all: the still-image path reports it
        return False


def _day(days: dict[str, tuple[float, str]], content_id: str) -> str | None:
    found = days.get(content_id)
    return found[1] if found else None


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
