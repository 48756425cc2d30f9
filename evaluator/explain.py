"""Why this prediction: the rated images nearest to an image in CLIP space.

The evaluator is a smooth function of the embedding, so the ratings of the nearest rated
images are what its prediction mostly echoes; showing them lets the user see where a
prediction comes from (and which rating to correct if it is wrong).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from indexing.store.catalog import Catalog
from indexing.store.ratings import Ratings
from indexing.store.vector_mirror import VectorMirror

NEIGHBOURS = 5


@dataclass(frozen=True, slots=True)
class Neighbour:
    content_id: str
    rating: float
    similarity: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def nearest_rated(
    catalog: Catalog, mirror: VectorMirror, content_id: str, count: int = NEIGHBOURS
) -> list[Neighbour]:
    """The rated images most similar to content_id (itself excluded), most similar first."""
    found, vector, _ = mirror.vectors_for([content_id])
    if not found:
        return []
    rated = Ratings(catalog).scores()
    rated.pop(content_id, None)
    ids, matrix, _ = mirror.vectors_for(sorted(rated))
    if not ids:
        return []
    similarity = matrix @ vector[0]
    best = np.argsort(-similarity)[:count]
    return [Neighbour(ids[n], rated[ids[n]], round(float(similarity[n]), 4)) for n in best]
