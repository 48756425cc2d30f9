"""What cross-validation reports: held-out scores of one predictor (MetricSet, with how
fold scores combine), each fold's and each learning-curve point's results, and the
ValidationReport the validation view shows and the CLI prints as JSON.

Split from validation.py, which runs the folds: these are the results and their scoring
rules, read by the front ends without running anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import NDArray

from evaluator.calibration import IntervalCalibration
from evaluator.metrics import mae, pairwise_accuracy, spearman

PAIRS_RULE = (
    "held-out preferences are the pairs whose two images are both in the held-out fold; "
    "pairs straddling two folds are used neither to train nor to score that fold"
)


@dataclass(frozen=True)
class MetricSet:
    """Held-out scores of one predictor; NaN where undefined (None in to_dict)."""

    mae: float
    spearman: float
    pairwise_accuracy: float  # on held-out preference pairs (NaN without preferences)
    n_ratings: int
    n_pairs: int
    rating_order_accuracy: float = float("nan")  # on pairs of held-out ratings that differ
    n_rating_pairs: int = 0

    @classmethod
    def score(cls, predicted: NDArray, ratings: NDArray, pairs: NDArray) -> MetricSet:
        """Scores of `predicted` (one value per image) against ratings (NaN = unrated)."""
        rated = ~np.isnan(ratings)
        order = _rating_pairs(ratings)
        return cls(
            mae=mae(ratings[rated], predicted[rated]),
            spearman=spearman(ratings[rated], predicted[rated]),
            pairwise_accuracy=pairwise_accuracy(predicted, pairs),
            n_ratings=int(rated.sum()),
            n_pairs=len(pairs),
            rating_order_accuracy=pairwise_accuracy(predicted, order),
            n_rating_pairs=len(order),
        )

    @classmethod
    def combine(cls, folds: list[MetricSet]) -> MetricSet:
        """Fold scores weighted by their held-out counts (ratings, or pairs for accuracy).

        Spearman is averaged over folds rather than computed on the pooled predictions:
        pooled, the differences between fold models (or between the baseline's fold means)
        would count as ranking the images.
        """
        ratings = np.array([f.n_ratings for f in folds], dtype=float)
        pairs = np.array([f.n_pairs for f in folds], dtype=float)
        ordered = np.array([f.n_rating_pairs for f in folds], dtype=float)
        return cls(
            mae=_weighted([f.mae for f in folds], ratings),
            spearman=_weighted([f.spearman for f in folds], ratings),
            pairwise_accuracy=_weighted([f.pairwise_accuracy for f in folds], pairs),
            n_ratings=int(ratings.sum()),
            n_pairs=int(pairs.sum()),
            rating_order_accuracy=_weighted([f.rating_order_accuracy for f in folds], ordered),
            n_rating_pairs=int(ordered.sum()),
        )


MAX_RATING_PAIRS = 200_000


def _rating_pairs(ratings: NDArray) -> NDArray[np.int64]:
    """(higher, lower) index pairs of rated images whose ratings differ; at most
    MAX_RATING_PAIRS of them, drawn with a fixed seed, so big folds stay cheap."""
    rated = np.flatnonzero(~np.isnan(ratings))
    if len(rated) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    count = len(rated) * (len(rated) - 1) // 2
    if count <= MAX_RATING_PAIRS:
        a, b = np.triu_indices(len(rated), k=1)
    else:
        rng = np.random.default_rng(0)
        a, b = rng.integers(0, len(rated), (2, MAX_RATING_PAIRS))
    a, b = rated[a], rated[b]
    differ = ratings[a] != ratings[b]
    a, b = a[differ], b[differ]
    higher = ratings[a] > ratings[b]
    return np.stack([np.where(higher, a, b), np.where(higher, b, a)], axis=1).astype(np.int64)


def _weighted(values: list[float], weights: NDArray[np.float64]) -> float:
    """Weighted mean over the folds where the value is defined; NaN if it is nowhere."""
    numbers = np.asarray(values, dtype=float)
    usable = ~np.isnan(numbers) & (weights > 0)
    if not usable.any():
        return float("nan")
    return float(numbers[usable] @ weights[usable] / weights[usable].sum())


@dataclass(frozen=True)
class FoldResult:
    fold: int
    n_train_ratings: int
    n_train_pairs: int
    model: MetricSet
    baseline: MetricSet
    params: dict


@dataclass(frozen=True)
class CurvePoint:
    """Held-out scores over all folds when each trains on `fraction` of its feedback."""

    fraction: float
    n_train_ratings: float  # mean over the folds used
    n_train_pairs: float
    folds_used: int  # folds whose subset was large enough to train
    model: MetricSet
    baseline: MetricSet


@dataclass(frozen=True)
class ValidationReport:
    """Everything the validation view shows; `to_dict()` is JSON-serialisable."""

    folds: int
    n_ratings: int
    n_pairs: int
    n_ties: int
    n_pairs_unused: int  # pairs split across two folds: never scored, and not trained on
    # when either of their folds is held out
    model: MetricSet  # over all folds (see MetricSet.combine)
    baseline: MetricSet
    per_fold: list[FoldResult]
    held_out_rows: NDArray[np.int64]  # row in the data of each held-out rated image
    held_out_true: NDArray[np.float32]
    held_out_predicted: NDArray[np.float32]
    held_out_uncertainty: NDArray[np.float32]  # the calibrated ± of each (see interval)
    learning_curve: list[CurvePoint]
    seconds: float
    interval: IntervalCalibration
    pairs_rule: str = field(default=PAIRS_RULE)

    @property
    def beats_baseline(self) -> bool:
        """Better than always predicting the mean: lower held-out MAE, or, with no held-out
        rating to score, more held-out preferences in the right order than 0.5."""
        if np.isfinite(self.model.mae) and np.isfinite(self.baseline.mae):
            return bool(self.model.mae < self.baseline.mae)
        accuracy = self.model.pairwise_accuracy
        return bool(np.isfinite(accuracy) and accuracy > 0.5)

    def to_dict(self) -> dict:
        out = {
            key: value for key, value in asdict(self).items() if not isinstance(value, np.ndarray)
        }
        out["beats_baseline"] = self.beats_baseline
        out["scatter"] = {
            "rows": self.held_out_rows.tolist(),
            "true": self.held_out_true.tolist(),
            "predicted": self.held_out_predicted.tolist(),
            "uncertainty": self.held_out_uncertainty.tolist(),
        }
        return _json_safe(out)


def _json_safe(value):
    """NaN and numpy scalars become None and plain Python numbers."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
