"""What a search asks and what it answers: the query, its checks, the hits and the page.

The CLI, the Search tab and the API build a SearchQuery, have it checked by `validate`
(one sentence for the user when it cannot be searched) and read SearchResults as JSON
(`as_dict`, the CLI's output). indexing.query.search does the searching; Embedder is what
it needs of a CLIP model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image

from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.result_order import ResultOrder
from indexing.query.video_search import Moment
from indexing.records import timecode

Vectors = npt.NDArray[np.float32]

MAX_TOP = 1000  # results per page
MAX_PAGE = 100_000


class Embedder(Protocol):
    @property
    def model_id(self) -> str: ...
    @property
    def input_size(self) -> int: ...

    def embed_texts(self, texts: list[str]) -> Vectors: ...
    def embed_images(self, images: list[Image.Image]) -> Vectors: ...
    def count_tokens(self, text: str) -> int: ...
    @property
    def context_length(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    image_path: str | None = None  # a file anywhere: looked up by content, else embedded
    image_content_id: str | None = None  # an image of the library ("find similar")
    negative: tuple[str, ...] = ()  # "not: blurry, text" -> ("blurry", "text")
    image_weight: float = 0.5  # 0: text only, 1: image only (when both are given)
    top: int = 20
    min_score: float = -1.0
    page: int = 1
    filter: Filter = field(default_factory=Filter)
    taste: float = 0.0  # 0: similarity only; 1: "best matches I would like" (see blend_taste)
    order: ResultOrder = ResultOrder.score  # or by date: newest or oldest first

    @property
    def has_image(self) -> bool:
        return bool(self.image_path or self.image_content_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "image": self.image_path,
            "image_content_id": self.image_content_id,
            "not": list(self.negative),
            "image_weight": self.image_weight,
            "top": self.top,
            "min_score": self.min_score,
            "taste": self.taste,
            "sort": self.order.value,
            "page": self.page,
            "filter": self.filter.model_dump(mode="json", exclude_defaults=True),
        }


@dataclass(frozen=True, slots=True)
class SearchHit:
    content_id: str
    score: float
    paths: list[str]  # every present file with this content, sorted
    moment: Moment | None = None  # a video: its best-matching moment
    day: str | None = None  # its date, 'YYYY-MM-DD' (taken, else the file's); None: none

    @property
    def path(self) -> str:
        return self.paths[0] if self.paths else ""

    @property
    def kind(self) -> str:
        return "video" if self.moment is not None else "image"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "content_id": self.content_id,
            "kind": self.kind,
            "score": round(self.score, 4),
            "date": self.day,
        }
        if self.moment is not None:
            out["time"] = round(self.moment.time, 3)
            out["timecode"] = timecode(self.moment.time)
            if self.moment.end is not None:
                out["end"] = round(self.moment.end, 3)
                out["consistency"] = round(self.moment.consistency or 0.0, 3)
        return out


@dataclass(slots=True)
class SearchResults:
    query: SearchQuery
    model: str
    hits: list[SearchHit]
    has_more: bool
    mechanism: str  # "hnsw" or "exact"
    notes: list[str] = field(default_factory=list)  # e.g. the query was truncated

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.as_dict(),
            "model": self.model,
            "results": [hit.as_dict() for hit in self.hits],
            "has_more": self.has_more,
            "notes": self.notes,
        }


def parse_negative(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """ "not: blurry, text" (or a list of such) -> ("blurry", "text")."""
    items = [text] if isinstance(text, str) else list(text or ())
    terms: list[str] = []
    for item in items:
        item = item.strip()
        if item.lower().startswith("not:"):
            item = item[4:]
        terms += [term.strip() for term in item.split(",") if term.strip()]
    return tuple(dict.fromkeys(terms))


def validate(query: SearchQuery) -> None:
    """A PictorError with one clear sentence for input that cannot be searched."""
    if not query.text.strip() and not query.has_image:
        raise PictorError(
            "Nothing to search for: type what to look for, or give an image to find similar ones."
        )
    if not 1 <= query.top <= MAX_TOP:
        raise PictorError(
            f"The number of results must be between 1 and {MAX_TOP} (got {query.top})."
        )
    if not -1.0 <= query.min_score <= 1.0:
        raise PictorError(
            f"The minimum score is a cosine similarity between -1 and 1 (got {query.min_score})."
        )
    if not 1 <= query.page <= MAX_PAGE:
        raise PictorError(f"Pages run from 1 to {MAX_PAGE:,} (got {query.page}).")
    if not 0.0 <= query.taste <= 1.0:
        raise PictorError(f"The taste weight must be between 0 and 1 (got {query.taste}).")
    if not 0.0 <= query.image_weight <= 1.0:
        raise PictorError(f"The image weight must be between 0 and 1 (got {query.image_weight}).")
