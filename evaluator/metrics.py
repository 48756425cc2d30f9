"""The three numbers a user sees about the evaluator, shared by validation, bench and tests.

Keeping one implementation is the point: the model, the ridge reference and the mean
baseline are only comparable if they are scored by exactly the same code.

- mae: mean absolute error in rating points (how far off a predicted rating is).
- spearman: rank correlation between predicted and given ratings (does the order match?);
  undefined (NaN) when either side is constant, e.g. for the always-the-mean baseline.
- pairwise_accuracy: share of preference pairs the scores put in the stated order; a tie in
  the scores counts half, so a constant predictor scores exactly 0.5.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _paired(true: ArrayLike, predicted: ArrayLike) -> tuple[NDArray, NDArray]:
    """Both as float64 1-D arrays, keeping only rows where neither is NaN."""
    true = np.asarray(true, dtype=np.float64).ravel()
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    if true.shape != predicted.shape:
        raise ValueError(f"true and predicted differ in length: {true.size} vs {predicted.size}.")
    keep = ~(np.isnan(true) | np.isnan(predicted))
    return true[keep], predicted[keep]


def mae(true: ArrayLike, predicted: ArrayLike) -> float:
    """Mean absolute error over rows where both values are known; NaN if there are none."""
    true, predicted = _paired(true, predicted)
    return float(np.abs(true - predicted).mean()) if true.size else float("nan")


def average_ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ranks 1..n, tied values sharing the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2.0  # mean of ranks start+1 .. end
    return ranks


def spearman(true: ArrayLike, predicted: ArrayLike) -> float:
    """Spearman's rank correlation with average ranks for ties; NaN if undefined."""
    true, predicted = _paired(true, predicted)
    if true.size < 2:
        return float("nan")
    a = average_ranks(true) - (true.size + 1) / 2.0
    b = average_ranks(predicted) - (true.size + 1) / 2.0
    denominator = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / denominator) if denominator > 0 else float("nan")


def pairwise_accuracy(scores: ArrayLike, pairs: ArrayLike) -> float:
    """Share of (winner, loser) rows with scores[winner] > scores[loser]; ties count 0.5.

    Pairs touching a NaN score are skipped; NaN if no pair is left.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    winner, loser = scores[pairs[:, 0]], scores[pairs[:, 1]]
    keep = ~(np.isnan(winner) | np.isnan(loser))
    if not keep.any():
        return float("nan")
    winner, loser = winner[keep], loser[keep]
    return float(((winner > loser) + 0.5 * (winner == loser)).mean())
