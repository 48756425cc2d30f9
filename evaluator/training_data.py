"""What the evaluator learns from, checked once at the seam, plus the errors training raises.

The catalog hands over one matrix of unit-length CLIP embeddings (every image that has a
rating or takes part in a preference) and refers to rows of it by index. Everything is
checked here so that the learning code can trust shapes and values, and so that a caller
gets one clear sentence instead of a numpy traceback from deep inside a solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.progress import Cancelled  # noqa: F401  (evaluator.Cancelled)

MIN_RATINGS = 10
"""Training needs `ratings + pairs / 2 >= MIN_RATINGS`: two preferences count as one rating.

Below this the inner cross-validation that picks the model's settings has one or two
examples per fold and the result would be noise presented as a prediction."""

VALIDATION_FOLDS = 5
MIN_TO_TRAIN = -(-MIN_RATINGS * VALIDATION_FOLDS // (VALIDATION_FOLDS - 1))  # 13
"""What the user needs before pressing Train: validation fits on 4/5 of the feedback, and
each of those fits needs MIN_RATINGS. Two preferences count as one rating here too."""

RATING_MIN = 0.0
RATING_MAX = 10.0
UNIT_NORM_TOLERANCE = 1e-2


class TrainingError(PictorError):
    """Training cannot start or cannot learn anything; the message is one sentence for the user."""


@dataclass(frozen=True)
class TrainProgress:
    """One progress report.

    stage: in `fit`, "prepare", then "search" (inner folds score the settings; `fold` is the
    inner fold), then "final" (the chosen setting on all data, and its posterior). In
    `cross_validate`, "validate" or "learning-curve", with `fold` the outer fold.
    epoch/epochs: solves done / planned by the current `fit` (one solve fits one setting on
    one fold; there are no training epochs as such). loss: the held-out loss of the latest
    solve (lower is better, 1.0 = no better than the mean) or None. fraction: estimated share
    of the whole call's work done, 0..1, never decreasing.
    """

    stage: str
    fold: int
    folds: int
    epoch: int
    epochs: int
    loss: float | None
    fraction: float | None = None


def _empty_pairs() -> NDArray[np.int64]:
    return np.zeros((0, 2), dtype=np.int64)


@dataclass(frozen=True)
class TrainingData:
    """Embeddings of every image involved, its rating (NaN if only compared) and judgements.

    Construction coerces dtypes and raises ValueError with one sentence on bad input.
    """

    vectors: NDArray[np.float32]  # (n, d) L2-normalised embeddings
    ratings: NDArray[np.float32]  # (n,) 0..10, NaN for images seen only in pairs
    pairs: NDArray[np.int64] = field(default_factory=_empty_pairs)  # (p, 2) winner, loser
    ties: NDArray[np.int64] = field(default_factory=_empty_pairs)  # (t, 2) judged equal

    def __post_init__(self) -> None:
        object.__setattr__(self, "vectors", _as_float32(self.vectors, "vectors"))
        object.__setattr__(self, "ratings", _as_float32(self.ratings, "ratings"))
        object.__setattr__(self, "pairs", _as_index_pairs(self.pairs, "pairs"))
        object.__setattr__(self, "ties", _as_index_pairs(self.ties, "ties"))
        self.validate()

    @property
    def rated(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.ratings)

    @property
    def n_ratings(self) -> int:
        return int(self.rated.sum())

    def validate(self) -> None:
        """Raise ValueError naming the first problem found; return None when all is well."""
        vectors, ratings = self.vectors, self.ratings
        if vectors.ndim != 2 or vectors.shape[0] == 0 or vectors.shape[1] == 0:
            raise ValueError(
                f"vectors must be a non-empty (n, d) matrix, got shape {vectors.shape}."
            )
        n = vectors.shape[0]
        if not np.isfinite(vectors).all():
            raise ValueError("vectors contain NaN or infinite values.")
        norms = np.linalg.norm(vectors, axis=1)
        bad = np.flatnonzero(np.abs(norms - 1.0) > UNIT_NORM_TOLERANCE)
        if bad.size:
            raise ValueError(
                f"vectors row {bad[0]} has length {norms[bad[0]]:.3f}; "
                "pass L2-normalised embeddings."
            )
        if ratings.shape != (n,):
            raise ValueError(
                f"ratings must have shape ({n},) to match vectors, got {ratings.shape}."
            )
        known = ratings[~np.isnan(ratings)]
        if np.any(~np.isfinite(known)) or np.any((known < RATING_MIN) | (known > RATING_MAX)):
            raise ValueError("ratings must lie between 0 and 10 (NaN for images without a rating).")
        for name, index in (("pairs", self.pairs), ("ties", self.ties)):
            if index.size and (index.min() < 0 or index.max() >= n):
                raise ValueError(f"{name} refer to rows outside 0..{n - 1} of vectors.")
            same = np.flatnonzero(index[:, 0] == index[:, 1]) if index.size else np.zeros(0, int)
            if len(same):
                raise ValueError(
                    f"{name} row {same[0]} compares image {index[same[0], 0]} with itself."
                )


def _as_float32(values: object, name: str) -> NDArray[np.float32]:
    try:
        return np.ascontiguousarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric ({exc}).") from None


def _as_index_pairs(values: object, name: str) -> NDArray[np.int64]:
    array = np.asarray(values)
    if array.size == 0:
        return _empty_pairs()
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{name} must have shape (k, 2), got {array.shape}.")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer row indices, got {array.dtype}.")
    return np.ascontiguousarray(array, dtype=np.int64)


def readiness(n_ratings: int, n_pairs: int, minimum: int = MIN_RATINGS) -> tuple[bool, str]:
    """Whether there is enough feedback to train, and a sentence saying what is missing."""
    have = n_ratings + n_pairs / 2
    if have >= minimum:
        return True, f"Ready to train on {n_ratings} ratings and {n_pairs} preferences."
    return False, f"Rate {more_feedback(minimum - have)} to train."


def more_feedback(shortfall: float) -> str:
    """'3 more images (or 6 more preferences)' for a shortfall counted in ratings."""
    images = int(np.ceil(shortfall))
    preferences = int(np.ceil(2 * shortfall))
    return f"{plural(images, 'more image')} (or give {plural(preferences, 'more preference')})"


def check_trainable(data: TrainingData) -> None:
    """Raise TrainingError when `fit` could only produce noise or nothing at all."""
    n_ratings, n_pairs = data.n_ratings, len(data.pairs)
    ready, message = readiness(n_ratings, n_pairs)
    if not ready:
        raise TrainingError(message)
    known = data.ratings[data.rated]
    if n_pairs == 0 and np.ptp(known) == 0:
        raise TrainingError(
            f"All {n_ratings} ratings are {known[0]:g} and there are no preferences, so there is "
            "no taste to learn: give some images a different rating or say which of two you prefer."
        )
