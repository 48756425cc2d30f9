"""One convex fit: squared error on ratings + logistic loss on preferences + L2, in closed stats.

With features φ (embedding ⊕ RBF) and score f(x) = φ(x)·w + b in rating units, the fit
minimises

    ½ Σ_rated (f − y)²  +  ρ Σ_pairs log(1 + e^−(f_win − f_lose))
                        +  ρ Σ_ties ½[log(1 + e^(f_a − f_b)) + log(1 + e^(f_b − f_a))]
                        +  ½ Σ_j penalty_j w_j².

The pair term is Bradley–Terry with one rating point of difference meaning a 73 % chance
of winning; ties pull both scores together. The bias b drops out after centring the rated
rows, so the ratings enter only through their (d+m)² Gram matrix: one solve costs a few
matrix–vector products with the pair differences, independent of the number of ratings.

L-BFGS runs in the variables u = Lᵀw, where L Lᵀ is the Hessian at the starting point
(at w = 0 the logistic curvature is exactly 1/4, so it is G + penalty + ρ/4 ΔᵀΔ there). The
problem then looks like the identity to L-BFGS whatever the regularisation, and a
warm-started solve along a path of decreasing L2 takes a handful of iterations. Refreshing
the curvature at the warm start matters: when the preferences are nearly separable their
curvature falls far below 1/4 and a fixed bound would leave L-BFGS crawling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
from numpy.typing import NDArray
from scipy.special import expit

from evaluator.training_data import Cancelled

Array = NDArray[np.float64]
MAX_ITERATIONS = 300


@dataclass(frozen=True)
class Problem:
    """Everything a solve needs from one training set, already in feature space."""

    gram: Array  # (D, D) Σ (φ − φ̄)(φ − φ̄)ᵀ over rated rows
    target: Array  # (D,) Σ (φ − φ̄)(y − ȳ) over rated rows
    pair_diffs: Array  # (p, D) φ(winner) − φ(loser)
    tie_diffs: Array  # (t, D) φ(a) − φ(b)
    pair_gram: Array  # (D, D) ΔᵀΔ + TᵀT
    feature_mean: Array  # (D,) φ̄: mean over rated rows (over compared rows if none is rated)
    rating_mean: float  # ȳ: mean rating, or the middle of the scale when nothing is rated

    @property
    def dim(self) -> int:
        return self.gram.shape[0]

    def bias(self, weights: Array) -> float:
        """The intercept that makes the mean prediction on the training rows equal ȳ."""
        return float(self.rating_mean - self.feature_mean @ weights)


def objective(problem: Problem, penalty: Array, rho: float) -> Callable[[Array], tuple]:
    """Value and gradient of the training loss in w (the bias already eliminated)."""
    gram, target, pairs, ties = problem.gram, problem.target, problem.pair_diffs, problem.tie_diffs

    def value_and_gradient(weights: Array) -> tuple[float, Array]:
        gram_w = gram @ weights
        value = 0.5 * weights @ gram_w - target @ weights + 0.5 * (penalty * weights) @ weights
        gradient = gram_w - target + penalty * weights
        if len(pairs):
            margin = pairs @ weights
            value += rho * np.logaddexp(0.0, -margin).sum()
            gradient -= rho * (pairs.T @ expit(-margin))
        if len(ties):
            gap = ties @ weights
            value += rho * 0.5 * (np.logaddexp(0.0, gap) + np.logaddexp(0.0, -gap)).sum()
            gradient += rho * (ties.T @ (expit(gap) - 0.5))
        return float(value), gradient

    return value_and_gradient


def curvature(problem: Problem, penalty: Array, rho: float, at: Array | None) -> Array:
    """The Hessian of the loss at `at` (at w = 0 when None, where ΔᵀΔ/4 is precomputed)."""
    if at is None:
        hessian = problem.gram + (rho / 4.0) * problem.pair_gram
    else:
        hessian = problem.gram.copy()
        for diffs in (problem.pair_diffs, problem.tie_diffs):
            if len(diffs):
                margin = diffs @ at
                weight = np.sqrt(rho * expit(margin) * expit(-margin)).astype(np.float32)
                scaled = diffs.astype(np.float32) * weight[:, None]
                hessian += scaled.T @ scaled  # float32: a preconditioner need not be exact
    hessian[np.diag_indices_from(hessian)] += penalty
    return hessian


def solve(
    problem: Problem,
    penalty: Array,
    rho: float,
    start: Array | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Array:
    """The weights minimising the training loss; `start` warm-starts from a nearby solution."""
    chol = scipy.linalg.cholesky(
        curvature(problem, penalty, rho, start), lower=True, check_finite=False
    )
    loss = objective(problem, penalty, rho)

    def to_weights(u: Array) -> Array:
        return scipy.linalg.solve_triangular(chol, u, trans="T", lower=True, check_finite=False)

    def in_u(u: Array) -> tuple[float, Array]:
        value, gradient = loss(to_weights(u))
        return value, scipy.linalg.solve_triangular(chol, gradient, lower=True, check_finite=False)

    def check_cancel(_: Array | None) -> None:
        if cancel is not None and cancel():
            raise Cancelled("Training was cancelled.")

    if not len(problem.pair_diffs) and not len(problem.tie_diffs):
        check_cancel(start)
        return scipy.linalg.cho_solve((chol, True), problem.target, check_finite=False)
    u0 = np.zeros(problem.dim) if start is None else chol.T @ start
    result = scipy.optimize.minimize(
        in_u,
        u0,
        jac=True,
        method="L-BFGS-B",
        callback=check_cancel,
        options={"maxiter": MAX_ITERATIONS, "gtol": 1e-6, "ftol": 1e-10},
    )
    return to_weights(result.x)
