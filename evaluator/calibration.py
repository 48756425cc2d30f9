"""What the ± beside a predicted rating means, and how it is made to mean it.

The ± is a predictive interval: about COVERAGE (4 in 5) of the ratings you would give such
images fall inside "prediction ± halfwidth". A fitted model knows only its own doubt about
your taste (the Laplace posterior, posterior.py: larger for images unlike anything judged),
which shrinks as you rate while your ratings keep scattering around it; that doubt alone
was the "± 0.6" shown beside a held-out MAE of 2.9. So cross-validation, whose held-out
predictions come from fold models that never saw those ratings, sets two numbers:

- noise_variance τ²: the scatter the doubt does not explain, mean(error²) − mean(doubt²)
  over the held-out ratings (0 if the doubt already covers it);
- interval_scale k: the conformal quantile of |error| / √(doubt² + τ²), so that COVERAGE
  of the held-out ratings lie inside k √(doubt² + τ²) (split-conformal calibration).

The final model shows k √(doubt² + τ²): still larger where nobody rated, never smaller than
the scatter of your ratings. `held_out_coverage` says how well that holds on ratings the
two numbers were not fitted to: each fold's τ² and k come from the other folds' held-out
ratings and are checked on its own. `bench/evaluator_bench.py` checks the final model's ±
again on 2,000 ratings of a fresh synthetic test set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

COVERAGE = 0.8  # the share of your ratings the ± is meant to hold


@dataclass(frozen=True)
class IntervalCalibration:
    """The ± of the final model as validation measured it; NaN where there were no ratings."""

    coverage_target: float
    noise_variance: float  # τ², rating points²
    scale: float  # k: halfwidth = k √(doubt² + τ²)
    held_out_coverage: float  # share of held-out ratings inside ± (cross-fitted, see above)
    median_halfwidth: float  # the ± of a typical held-out image, in rating points


def _floats(*arrays: ArrayLike) -> list[NDArray[np.float64]]:
    return [np.asarray(a, dtype=np.float64).ravel() for a in arrays]


def fit_interval(
    true: ArrayLike, predicted: ArrayLike, doubt: ArrayLike, coverage: float = COVERAGE
) -> tuple[float, float]:
    """(τ², k) from held-out ratings, their predictions and the models' doubt; (0, 1)
    without a single held-out rating."""
    true, predicted, doubt = _floats(true, predicted, doubt)
    keep = ~(np.isnan(true) | np.isnan(predicted) | np.isnan(doubt))
    error, doubt = np.abs(true[keep] - predicted[keep]), doubt[keep]
    if error.size == 0:
        return 0.0, 1.0
    noise = max(float(np.mean(error**2) - np.mean(doubt**2)), 0.0)
    spread = np.sqrt(doubt**2 + noise)
    ratios = error[spread > 0] / spread[spread > 0]
    if ratios.size == 0:
        return noise, 1.0
    level = min(1.0, math.ceil((ratios.size + 1) * coverage) / ratios.size)
    return noise, float(np.quantile(ratios, level, method="higher"))


def halfwidth(doubt: ArrayLike, noise_variance: float, scale: float) -> NDArray[np.float64]:
    return scale * np.sqrt(np.asarray(doubt, dtype=np.float64) ** 2 + noise_variance)


def share_inside(true: ArrayLike, predicted: ArrayLike, width: ArrayLike) -> float:
    """Share of the known ratings with |true − predicted| ≤ width; NaN if none."""
    true, predicted, width = _floats(true, predicted, width)
    keep = ~(np.isnan(true) | np.isnan(predicted))
    if not keep.any():
        return float("nan")
    return float(np.mean(np.abs(true[keep] - predicted[keep]) <= width[keep]))


def calibrate(
    true: NDArray, predicted: NDArray, doubt: NDArray, folds: NDArray, coverage: float = COVERAGE
) -> IntervalCalibration:
    """τ² and k from every held-out rating; their coverage cross-fitted over the `folds`."""
    noise, scale = fit_interval(true, predicted, doubt, coverage)
    inside = []
    for fold in np.unique(folds):
        mine = folds == fold
        if mine.all():
            continue
        other = fit_interval(true[~mine], predicted[~mine], doubt[~mine], coverage)
        width = halfwidth(doubt[mine], *other)
        inside.append(np.abs(true[mine] - predicted[mine]) <= width)
    held_out = float(np.mean(np.concatenate(inside))) if inside else float("nan")
    widths = halfwidth(doubt, noise, scale)
    median = float(np.median(widths)) if widths.size else float("nan")
    return IntervalCalibration(coverage, noise, scale, held_out, median)


def interval_sentence(interval: dict | None) -> str:
    """What the ± beside each prediction means, from a report's `interval` (to_dict)."""
    if not interval or interval.get("median_halfwidth") is None:
        return ""
    inside = interval.get("held_out_coverage")
    measured = f"; {inside:.0%} of held-out ratings fell inside it" if inside is not None else ""
    return (
        f"Predictions carry ± {interval['median_halfwidth']:.1f} for a typical image, meant to "
        f"hold {interval['coverage_target']:.0%} of your ratings{measured}."
    )
