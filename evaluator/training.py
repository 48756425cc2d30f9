"""The body of `fit`: pick settings on inner folds, then fit the final model and its posterior.

Kept apart from model.py so that loading a saved model and predicting import numpy only;
this module pulls in scipy (L-BFGS, Cholesky) and runs only when someone trains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from evaluator.features import RbfFeatures, combined_features, pick_landmarks, typical_distance
from evaluator.fitted import FOLDS, LANDMARKS, FittedModel
from evaluator.folds import assign_folds
from evaluator.posterior import laplace_posterior
from evaluator.problems import Judgements, RatingSums, build_problem
from evaluator.selection import InnerFolds, Setting, score_grid
from evaluator.solver import solve
from evaluator.training_data import Cancelled, TrainingData, TrainProgress, check_trainable

LARGE_FOLDS = 3  # inner folds once the data are large enough for a stable choice
LARGE = 2000  # ratings + pairs / 2 from which LARGE_FOLDS is used
REPEAT_UNTIL = 400  # below this much feedback, repeat the inner split (noisy choice otherwise)
MAX_REPEATS = 4
WIDTHS = (0.5,)  # × the median cosine distance between images; 0.25–1 scored alike
PAIR_WEIGHTS = (0.5, 2.0)
L2S = (100.0, 30.0, 10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.01)


def train(
    data: TrainingData,
    *,
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    seed: int = 0,
    folds: int = FOLDS,
    landmarks: int = LANDMARKS,
    blas_threads: int | None = 1,
) -> FittedModel:
    """See evaluator.model.fit. `blas_threads` caps numpy's BLAS threads while training.

    One thread is the default: the solves work on ~900×900 matrices, too small for a second
    OpenBLAS thread to gain much, and OpenBLAS threads that must wait for a busy core spin.
    Measured on the 2-core development machine while other work ran: 10,000 ratings +
    5,000 preferences in 5 s with one thread, 30 s with two.
    """
    if folds < 2:
        raise ValueError(f"choosing settings needs at least 2 inner folds, got {folds}.")
    check_trainable(data)
    try:
        from threadpoolctl import threadpool_limits  # comes with scikit-learn
    except ImportError:
        blas_threads = None
    if blas_threads is None:
        return _train(data, progress, cancel, seed, folds, landmarks)
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        return _train(data, progress, cancel, seed, folds, landmarks)


def _train(data, progress, cancel, seed, folds, landmarks) -> FittedModel:
    data = _only_involved(data)
    plan = _SearchPlan.for_data(data, folds)
    report = _Reporter(progress, cancel, plan.folds, plan.solves + 1)
    report("prepare", 0, None)
    points = pick_landmarks(data.vectors, landmarks, seed)
    scale = typical_distance(data.vectors, seed)
    scores = _search(data, plan, points, scale, seed, report, cancel)
    best = min(scores, key=scores.__getitem__)
    rbf = RbfFeatures.build(points, best.width)
    model = _final_model(data, rbf, best, seed, cancel)
    report("final", 0, None)
    model.params.update(
        kernel_width=best.width,
        kernel_width_relative=best.width / scale,
        pair_weight=best.pair_weight,
        l2=best.l2,
        landmarks=len(points),
        search_folds=plan.folds,
        search_repeats=plan.repeats,
        inner_cv_loss=scores[best],
        n_ratings=data.n_ratings,
        n_pairs=len(data.pairs),
        n_ties=len(data.ties),
    )
    return model


@dataclass(frozen=True)
class _SearchPlan:
    """How much inner cross-validation the data call for."""

    folds: int
    repeats: int
    pair_weights: tuple[float, ...]

    @classmethod
    def for_data(cls, data: TrainingData, folds: int) -> _SearchPlan:
        amount = data.n_ratings + len(data.pairs) / 2
        has_judgements = len(data.pairs) + len(data.ties) > 0
        return cls(
            folds=folds if amount < LARGE else min(folds, LARGE_FOLDS),
            repeats=int(np.clip(np.ceil(REPEAT_UNTIL / amount), 1, MAX_REPEATS)),
            pair_weights=PAIR_WEIGHTS if has_judgements else (1.0,),
        )

    @property
    def solves(self) -> int:
        return len(WIDTHS) * self.repeats * self.folds * len(self.pair_weights) * len(L2S)


def _search(data, plan, points, scale, seed, report, cancel) -> dict[Setting, float]:
    """Mean inner-fold loss of every setting, over `plan.repeats` random splits."""
    ratings, rated = data.ratings, data.rated
    rating_scale = float(np.var(ratings[rated])) if rated.sum() > 1 else 0.0
    rating_scale = rating_scale if rating_scale > 1e-6 else 1.0
    scores: dict[Setting, float] = {}
    for width in (w * scale for w in WIDTHS):
        features = combined_features(data.vectors, RbfFeatures.build(points, width))
        for repeat in range(plan.repeats):
            image_folds = assign_folds(rated, plan.folds, seed + 1009 * repeat)
            inner = InnerFolds.build(
                features, ratings, data.pairs, data.ties, image_folds, plan.folds
            )
            for setting, loss in score_grid(
                inner, width, plan.pair_weights, L2S, rating_scale,
                lambda fold, loss: report("search", fold, loss), cancel,
            ).items():  # fmt: skip
                scores[setting] = scores.get(setting, 0.0) + loss / plan.repeats
    return scores


def _final_model(
    data: TrainingData,
    rbf: RbfFeatures,
    best: Setting,
    seed: int,
    cancel: Callable[[], bool] | None,
) -> FittedModel:
    """The chosen setting fitted on all the data, with its posterior, in predict's layout."""
    features = combined_features(data.vectors, rbf)
    rated = data.rated
    judgements = Judgements.of(
        features, data.pairs, data.ties,
        np.zeros(len(data.pairs), np.int64), np.zeros(len(data.ties), np.int64),
    )  # fmt: skip
    sums = [RatingSums.of(features[rated], data.ratings[rated])] if rated.any() else []
    problem = build_problem(sums, judgements, None, features.shape[1])
    weights = solve(problem, np.full(problem.dim, best.l2), best.pair_weight, None, cancel)
    posterior = laplace_posterior(
        problem, weights, best.l2, best.pair_weight, features[rated], data.ratings[rated], seed
    )
    # Columns: 0 the score, 1.. the posterior sketch; rows split into embedding and kernel
    # parts, the kernel part mapped back through the Nyström whitening to raw similarities.
    columns = np.column_stack([weights, posterior.factor])
    linear_dim = data.vectors.shape[1]
    offsets = -problem.feature_mean @ columns
    offsets[0] += problem.rating_mean
    return FittedModel(
        rbf,
        linear_weights=columns[:linear_dim],
        kernel_weights=rbf.whitening.astype(np.float64) @ columns[linear_dim:],
        offsets=offsets,
        bias_variance=posterior.bias_variance,
        params={"posterior_scale": posterior.scale},
    )


def _only_involved(data: TrainingData) -> TrainingData:
    """Drop images with neither a rating nor a judgement, renumbering the pairs."""
    involved = data.rated.copy()
    involved[data.pairs.ravel()] = True
    involved[data.ties.ravel()] = True
    if involved.all():
        return data
    new_index = np.cumsum(involved) - 1
    return TrainingData(
        vectors=data.vectors[involved],
        ratings=data.ratings[involved],
        pairs=new_index[data.pairs],
        ties=new_index[data.ties],
    )


class _Reporter:
    """Counts solves for the progress fraction and checks for cancellation at each report."""

    def __init__(self, progress, cancel, folds: int, total: int) -> None:
        self.progress, self.cancel, self.folds = progress, cancel, folds
        self.total, self.done = total, 0

    def __call__(self, stage: str, fold: int, loss: float | None) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("Training was cancelled.")
        if stage != "prepare":
            self.done += 1
        if self.progress is not None:
            fraction = min(self.done / self.total, 1.0)
            self.progress(
                TrainProgress(stage, fold, self.folds, self.done, self.total, loss, fraction)
            )
