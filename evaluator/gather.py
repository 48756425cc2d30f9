"""Training data from the catalog: the user's ratings and preferences, with CLIP vectors.

Vectors come from the vector mirror of the current CLIP model (never from another model).
A rating or preference whose image has no vector under that model yet (not embedded, no
weights) is left out and counted, so the Train tab can say how many.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaluator.training_data import TrainingData
from indexing.store.catalog import Catalog
from indexing.store.ratings import Ratings
from indexing.store.vector_mirror import VectorMirror


@dataclass(frozen=True, slots=True)
class Gathered:
    data: TrainingData | None  # None when no rated or compared image has a vector
    content_ids: list[str]  # row n of data.vectors
    ratings: int  # used
    pairs: int  # used, winner > loser
    ties: int  # used
    skipped_ratings: int  # rated, but no vector under this CLIP model
    skipped_pairs: int


def counts(catalog: Catalog) -> tuple[int, int, int]:
    """How many ratings and preferences (wins and ties), and how many of those are ties."""
    ratings = Ratings(catalog)
    preferences, ties = ratings.preference_counts()
    return ratings.count(), preferences, ties


def gather(catalog: Catalog, mirror: VectorMirror) -> Gathered:
    rated = Ratings(catalog).scores()
    choices = Ratings(catalog).choices()
    wanted = sorted(set(rated) | {cid for w, lo, _ in choices for cid in (w, lo)})
    found, vectors, _ = mirror.vectors_for(wanted)
    row = {cid: n for n, cid in enumerate(found)}
    ratings = np.full(len(found), np.nan, dtype=np.float32)
    for cid, score in rated.items():
        if cid in row:
            ratings[row[cid]] = score
    pairs = [(row[w], row[lo]) for w, lo, o in choices if o == "win" and w in row and lo in row]
    ties = [(row[w], row[lo]) for w, lo, o in choices if o == "tie" and w in row and lo in row]
    used = int(np.count_nonzero(~np.isnan(ratings)))
    data = None
    if len(found):
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        data = TrainingData(
            (vectors / np.maximum(norms, 1e-12)).astype(np.float32),
            ratings,
            np.array(pairs, dtype=np.int64).reshape(-1, 2),
            np.array(ties, dtype=np.int64).reshape(-1, 2),
        )
    return Gathered(
        data,
        found,
        used,
        len(pairs),
        len(ties),
        len(rated) - used,
        len(choices) - len(pairs) - len(ties),
    )
