"""Choosing the model's settings on inner folds of the training data only.

Images, not judgements, are split into folds: a rated image and every preference it takes
part in stay on the same side, so a held-out image is never seen in training under another
guise. A preference whose two images fall in different folds is used neither to train nor
to score that fold (it would reveal the held-out image); one whose images are both held out
is scored. Each setting is scored by a loss that puts ratings and preferences on one scale:
squared error divided by the rating variance, and log-loss divided by log 2, so that 1.0
means "no better than predicting the mean" for both, summed over all held-out items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evaluator.folds import fold_pair_groups
from evaluator.problems import Judgements, RatingSums, build_problem, project, row_basis
from evaluator.solver import Array, Problem, solve

LOG2 = float(np.log(2.0))


@dataclass(frozen=True)
class HeldOut:
    """What one inner fold is scored on."""

    features: NDArray[np.float32]  # rated held-out rows
    ratings: NDArray[np.float64]
    pair_diffs: Array
    tie_diffs: Array

    @property
    def count(self) -> int:
        return len(self.ratings) + len(self.pair_diffs) + len(self.tie_diffs)

    def loss(self, weights: Array, bias: float, rating_scale: float) -> float:
        """Summed normalised loss (see module docstring) of the model (weights, bias)."""
        total = 0.0
        if len(self.ratings):
            errors = self.features @ weights.astype(np.float32) + bias - self.ratings
            total += float(errors @ errors) / rating_scale
        if len(self.pair_diffs):
            total += float(np.logaddexp(0.0, -(self.pair_diffs @ weights)).sum()) / LOG2
        if len(self.tie_diffs):
            gap = self.tie_diffs @ weights
            both = 0.5 * (np.logaddexp(0.0, gap) + np.logaddexp(0.0, -gap))
            total += float(both.sum()) / LOG2
        return total


@dataclass(frozen=True)
class InnerFolds:
    """Per-fold training problems and held-out sets for one feature matrix.

    `bases[k]` is None, or an orthonormal basis in which fold k's problem was solved
    (see problems.row_basis); the weights in feature space are then `bases[k] @ v`.
    """

    problems: list[Problem]
    held_out: list[HeldOut]
    bases: list[Array | None]

    @classmethod
    def build(
        cls,
        features: NDArray[np.float32],
        ratings: NDArray[np.float32],
        pairs: NDArray[np.int64],
        ties: NDArray[np.int64],
        image_folds: NDArray[np.int64],
        folds: int,
    ) -> InnerFolds:
        rated = ~np.isnan(ratings)
        sums = [
            RatingSums.of(features[rated & (image_folds == k)], ratings[rated & (image_folds == k)])
            for k in range(folds)
        ]
        pair_groups = fold_pair_groups(image_folds, pairs, folds)
        tie_groups = fold_pair_groups(image_folds, ties, folds)
        judgements = Judgements.of(features, pairs, ties, pair_groups, tie_groups)
        dim = features.shape[1]
        problems, held_out, bases = [], [], []
        every = np.arange(folds)
        for k in range(folds):
            others = every[every != k]
            keep = (others[:, None] * folds + others[None, :]).ravel()
            problem = build_problem([sums[j] for j in others], judgements, keep, dim)
            train_rows = features[rated & (image_folds != k)].astype(np.float64)
            if len(train_rows):
                train_rows -= train_rows.mean(axis=0)
            rows = np.vstack([train_rows, problem.pair_diffs, problem.tie_diffs])
            basis = row_basis(rows, dim)
            problems.append(problem if basis is None else project(problem, basis))
            bases.append(basis)
            in_fold = rated & (image_folds == k)
            held_out.append(
                HeldOut(
                    features=features[in_fold],
                    ratings=ratings[in_fold].astype(np.float64),
                    pair_diffs=judgements.pair_diffs[pair_groups == k * folds + k],
                    tie_diffs=judgements.tie_diffs[tie_groups == k * folds + k],
                )
            )
        return cls(problems, held_out, bases)


@dataclass(frozen=True)
class Setting:
    """One point of the grid searched on inner folds."""

    width: float  # RBF kernel width τ in cosine distance
    pair_weight: float  # ρ: one preference counts this much against one squared rating error
    l2: float  # α: the ridge penalty on every weight


def score_grid(
    inner: InnerFolds,
    width: float,
    pair_weights: tuple[float, ...],
    l2s: tuple[float, ...],
    rating_scale: float,
    on_solve: Callable[[int, float | None], None],
    cancel: Callable[[], bool] | None,
) -> dict[Setting, float]:
    """Mean held-out loss per setting; each α path is warm-started from strong to weak."""
    totals: dict[Setting, float] = {}
    count = sum(h.count for h in inner.held_out)
    folds = zip(inner.problems, inner.held_out, inner.bases, strict=True)
    for fold, (problem, held_out, basis) in enumerate(folds):
        for pair_weight in pair_weights:
            weights = None
            for l2 in sorted(l2s, reverse=True):
                weights = solve(problem, np.full(problem.dim, l2), pair_weight, weights, cancel)
                in_features = weights if basis is None else basis @ weights
                loss = held_out.loss(in_features, problem.bias(weights), rating_scale)
                setting = Setting(width, pair_weight, l2)
                totals[setting] = totals.get(setting, 0.0) + loss / max(count, 1)
                on_solve(fold, loss / max(held_out.count, 1))
    return totals
