"""Training problems for many subsets of the same data, built from per-group sums.

Inner cross-validation and the jackknife ensemble both fit the same feature matrix on
"everything except group k". The rated rows enter a solve only through sums (Gram matrix,
feature sum, feature–rating products), so each group's sums are computed once and a
training problem is the sum over the groups it keeps: one pass over the data serves all
folds instead of one pass per fold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evaluator.solver import Array, Problem

MIDDLE_RATING = 5.0  # where predictions are anchored when only preferences are known


@dataclass(frozen=True)
class RatingSums:
    """Uncentred sums over one group of rated rows."""

    gram: Array  # Σ φφᵀ
    feature_sum: Array  # Σ φ
    cross: Array  # Σ φ y
    count: int
    rating_sum: float

    @classmethod
    def of(cls, features: NDArray[np.float32], ratings: NDArray[np.float32]) -> RatingSums:
        gram = (features.T @ features).astype(np.float64)
        return cls(
            gram=gram,
            feature_sum=features.sum(axis=0, dtype=np.float64),
            cross=features.T.astype(np.float64) @ ratings.astype(np.float64),
            count=len(ratings),
            rating_sum=float(ratings.sum(dtype=np.float64)),
        )


@dataclass(frozen=True)
class Judgements:
    """Preference pairs and ties as feature differences, each row tagged with its group."""

    pair_diffs: Array  # (p, D)
    tie_diffs: Array  # (t, D)
    pair_groups: NDArray[np.int64]  # (p,)
    tie_groups: NDArray[np.int64]  # (t,)
    group_grams: dict[int, Array]  # group -> Σ δδᵀ over its pairs and ties
    compared_mean: Array | None  # mean feature of the images that take part in any judgement

    @classmethod
    def of(
        cls,
        features: NDArray[np.float32],
        pairs: NDArray[np.int64],
        ties: NDArray[np.int64],
        pair_groups: NDArray[np.int64],
        tie_groups: NDArray[np.int64],
    ) -> Judgements:
        pair_diffs = (features[pairs[:, 0]] - features[pairs[:, 1]]).astype(np.float64)
        tie_diffs = (features[ties[:, 0]] - features[ties[:, 1]]).astype(np.float64)
        grams = {}
        for group in np.union1d(pair_groups, tie_groups):
            rows = np.vstack([pair_diffs[pair_groups == group], tie_diffs[tie_groups == group]])
            grams[int(group)] = rows.T @ rows
        compared = np.unique(np.concatenate([pairs.ravel(), ties.ravel()]))
        mean = features[compared].mean(axis=0, dtype=np.float64) if compared.size else None
        return cls(pair_diffs, tie_diffs, pair_groups, tie_groups, grams, mean)


def build_problem(
    rating_sums: list[RatingSums],
    judgements: Judgements,
    keep_groups: NDArray[np.int64] | None,
    dim: int,
) -> Problem:
    """The training problem over the given rating groups and the judgement groups kept."""
    count = sum(s.count for s in rating_sums)
    keep_pairs = _kept(judgements.pair_groups, keep_groups)
    keep_ties = _kept(judgements.tie_groups, keep_groups)
    pair_gram = np.zeros((dim, dim))
    for group, gram in judgements.group_grams.items():
        if keep_groups is None or group in keep_groups:
            pair_gram += gram
    if count == 0:
        mean = judgements.compared_mean
        return Problem(
            gram=np.zeros((dim, dim)),
            target=np.zeros(dim),
            pair_diffs=judgements.pair_diffs[keep_pairs],
            tie_diffs=judgements.tie_diffs[keep_ties],
            pair_gram=pair_gram,
            feature_mean=np.zeros(dim) if mean is None else mean,
            rating_mean=MIDDLE_RATING,
        )
    feature_sum = np.asarray(sum(s.feature_sum for s in rating_sums), dtype=np.float64)
    rating_mean = sum(s.rating_sum for s in rating_sums) / count
    feature_mean = feature_sum / count
    gram = sum(s.gram for s in rating_sums) - count * np.outer(feature_mean, feature_mean)
    cross = np.asarray(sum(s.cross for s in rating_sums), dtype=np.float64)
    target = cross - feature_sum * rating_mean
    return Problem(
        gram=gram,
        target=target,
        pair_diffs=judgements.pair_diffs[keep_pairs],
        tie_diffs=judgements.tie_diffs[keep_ties],
        pair_gram=pair_gram,
        feature_mean=feature_mean,
        rating_mean=rating_mean,
    )


def _kept(groups: NDArray[np.int64], keep: NDArray[np.int64] | None) -> NDArray[np.bool_]:
    return np.ones(len(groups), dtype=bool) if keep is None else np.isin(groups, keep)


def row_basis(rows: Array, dim: int) -> Array | None:
    """Orthonormal basis of the span of `rows` when there are clearly fewer rows than weights.

    With a uniform L2 penalty the optimal weights lie in the span of the centred rated rows
    and the judgement differences (the representer theorem), so a small data set can be
    solved exactly in that much smaller space: fast inner folds for the first ratings.
    """
    if len(rows) == 0 or len(rows) > 0.7 * dim:
        return None
    basis, _ = np.linalg.qr(rows.T)
    return basis


def project(problem: Problem, basis: Array) -> Problem:
    """The same problem over w = basis @ v; exact when `basis` spans the data (row_basis)."""
    return Problem(
        gram=basis.T @ problem.gram @ basis,
        target=basis.T @ problem.target,
        pair_diffs=problem.pair_diffs @ basis,
        tie_diffs=problem.tie_diffs @ basis,
        pair_gram=basis.T @ problem.pair_gram @ basis,
        feature_mean=basis.T @ problem.feature_mean,
        rating_mean=problem.rating_mean,
    )
