"""How sure the model is: a Laplace posterior over the weights, sketched for fast prediction.

The training loss is a negative log-posterior: squared error is a Gaussian likelihood for
the ratings, the Bradley–Terry term a likelihood for the preferences, L2 a Gaussian prior.
Around the fitted weights its Hessian H is the inverse posterior covariance, so the
uncertainty of the predicted taste at an image with features φ is

    var f(x) = σ² [(φ − φ̄)ᵀ H⁻¹ (φ − φ̄) + 1 / n_rated],

with one scale σ² calibrated on leave-one-out residuals (see `calibrate`); the last term is
the uncertainty of the mean rating. For images unlike anything judged, (φ − φ̄) points
along weakly determined directions and the variance grows towards the prior's.

Evaluating the quadratic form exactly costs (d+m)² per image, about 20 s per million on two
cores. A random orthonormal sketch S (D × r, scaled by √(D/r)) keeps it unbiased:
‖(φ − φ̄) L⁻ᵀ S‖² has expectation ‖(φ − φ̄) L⁻ᵀ‖² for every image, with relative error about
√(2/r) on the variance (±6 % on the standard deviation at r = 128), near the data or far
from it. A projection fitted to the data would be exact there and blind exactly where
uncertainty matters most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from evaluator.solver import Array, Problem, curvature

SKETCH = 128
MIN_CALIBRATION = 20  # rated images needed to calibrate the variance from their residuals
SCALE_RANGE = (1e-4, 25.0)  # σ² bounds


@dataclass(frozen=True)
class Posterior:
    """The sketch factor in feature space: var f(x) = ‖(φ(x) − φ̄) @ factor‖² + bias_variance."""

    factor: Array  # (D, r)
    bias_variance: float
    scale: float  # σ from `calibrate`


def laplace_posterior(
    problem: Problem,
    weights: Array,
    l2: float,
    pair_weight: float,
    rated_features: NDArray[np.float32],
    rated_ratings: NDArray[np.float32],
    seed: int,
) -> Posterior:
    """Posterior of the fitted `weights` of `problem`, calibrated on the rated rows."""
    dim = problem.dim
    hessian = curvature(problem, np.full(dim, l2), pair_weight, weights)
    chol = scipy.linalg.cholesky(hessian, lower=True, check_finite=False)
    if dim > 2 * SKETCH:
        rng = np.random.default_rng(seed)
        sketch, _ = np.linalg.qr(rng.standard_normal((dim, SKETCH)))
        sketch *= np.sqrt(dim / SKETCH)
    else:
        sketch = np.eye(dim)
    factor = scipy.linalg.solve_triangular(chol, sketch, trans="T", lower=True, check_finite=False)
    count = len(rated_ratings)
    scale = calibrate(problem, weights, chol, rated_features, rated_ratings)
    return Posterior(
        factor=factor * scale, bias_variance=scale**2 / count if count else 0.0, scale=scale
    )


def calibrate(
    problem: Problem,
    weights: Array,
    chol: Array,
    rated_features: NDArray[np.float32],
    rated_ratings: NDArray[np.float32],
) -> float:
    """σ: the scale that makes the Laplace variance honest about leave-one-out errors.

    The loss takes the rating noise as 1 and its prior strength was picked by
    cross-validation for prediction, not to be a faithful prior, so the posterior is right
    only up to one factor σ²: Cov(w) = σ² H⁻¹. Leaving one rated image out is exact for the
    squared loss: with leverage hᵢ = (φᵢ − φ̄)ᵀ H⁻¹ (φᵢ − φ̄) + 1/n its residual is eᵢ / (1 − hᵢ)
    and its predictive variance σ² / (1 − hᵢ). σ² is the mean of eᵢ² / (1 − hᵢ): the value
    for which those residuals have, on average, the variance the model claims for them.
    With too few ratings to tell, σ = 1, the scale the preference loss assumes.
    """
    count = len(rated_ratings)
    if count < MIN_CALIBRATION:
        return 1.0
    centred = rated_features.astype(np.float64) - problem.feature_mean
    whitened = scipy.linalg.solve_triangular(chol, centred.T, lower=True, check_finite=False)
    leverage = np.clip(np.sum(whitened**2, axis=0) + 1.0 / count, 0.0, 0.999)
    residual = rated_features.astype(np.float64) @ weights + problem.bias(weights) - rated_ratings
    variance = np.mean(residual**2 / (1.0 - leverage))
    return float(np.sqrt(np.clip(variance, *SCALE_RANGE)))
