"""Honest cross-validation of the evaluator, with the mean baseline scored alongside.

Outer folds split images (as inner folds do, see selection.py): each outer fold's model is
a plain `fit` on the other folds, which picks its own settings on inner folds of that
training part, so the held-out fold is never used to select anything. Held-out ratings are
those of the fold's images; held-out preferences are the pairs whose two images are both in
the fold. A pair with one image on each side is used neither to train nor to score that
fold, since training on it would reveal the held-out image's standing.

The baseline predicts the mean training rating of the same fold and goes through the same
metric code on the same held-out items. Being constant it has no ranking: its Spearman is
undefined (None in `to_dict`) and its pairwise accuracy is exactly 0.5. Scores are computed
per fold and combined weighted by held-out counts (MetricSet.combine).

The ± shown with predictions is calibrated here too (calibration.py): from the held-out
ratings, their predictions and the fold models' posterior spreads, the rating scatter and
the factor that make the ± hold COVERAGE of them. `beats_baseline` says whether the model
did better than the mean on the held-out ratings (MAE; on held-out preferences when there
are no ratings to score).

The learning curve refits each fold on 25 %, 50 % and 75 % of its training ratings and of its
training preferences (random subsets) and scores on the same held-out fold: if the model
still improves from 75 % to 100 %, more feedback will likely help.

The results (MetricSet, FoldResult, CurvePoint, ValidationReport) are validation_report.py's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from evaluator.calibration import calibrate, halfwidth
from evaluator.folds import assign_folds, count_straddling, judgements_within
from evaluator.model import fit
from evaluator.training_data import (
    MIN_RATINGS,
    VALIDATION_FOLDS,
    TrainingData,
    TrainingError,
    TrainProgress,
    check_trainable,
    more_feedback,
    readiness,
)
from evaluator.validation_report import CurvePoint, FoldResult, MetricSet, ValidationReport

CURVE_FRACTIONS = (0.25, 0.5, 0.75)
LARGE_VALIDATION = 2000  # ratings + pairs / 2 from which the plan below is lighter
LARGE_FOLDS, LARGE_CURVE = 3, (0.5,)


def validation_plan(data: TrainingData) -> tuple[int, tuple[float, ...]]:
    """Outer folds and learning-curve points: 5 and 25/50/75 % while the feedback is small;
    3 and 50 % from LARGE_VALIDATION on, where each held-out third still holds hundreds of
    ratings (stable metrics), the slope over the last doubling is what tells whether more
    ratings help, and the full plan would cost a minute of training at 10,000 ratings."""
    if data.n_ratings + len(data.pairs) / 2 < LARGE_VALIDATION:
        return VALIDATION_FOLDS, CURVE_FRACTIONS
    return LARGE_FOLDS, LARGE_CURVE


@dataclass
class _FoldOutputs:
    """Held-out predictions for one curve fraction, gathered fold by fold."""

    model: list = field(default_factory=list)
    baseline: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    uncertainty: list = field(default_factory=list)
    train_ratings: list = field(default_factory=list)
    train_pairs: list = field(default_factory=list)

    def add(self, train, test, test_pairs, predicted, baseline, uncertainty, data) -> None:
        self.model.append((predicted, test, test_pairs))
        self.baseline.append((baseline, test, test_pairs))
        self.rows.append(np.flatnonzero(test & data.rated))
        self.uncertainty.append(uncertainty)
        self.train_ratings.append(train.n_ratings)
        self.train_pairs.append(len(train.pairs))


def cross_validate(
    data: TrainingData,
    *,
    folds: int | None = None,
    seed: int = 0,
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    curve: tuple[float, ...] | None = None,
) -> ValidationReport:
    """Outer k-fold cross-validation of `fit` and of the mean baseline on the same folds.

    Raises TrainingError when the data are too few to train on (folds − 1) / folds of them,
    Cancelled when `cancel()` turns true.
    """
    planned_folds, planned_curve = validation_plan(data)
    folds = planned_folds if folds is None else folds
    curve = planned_curve if curve is None else curve
    started = time.perf_counter()
    check_trainable(data)
    _check_enough_for_folds(data, folds)
    image_folds = assign_folds(data.rated, folds, seed)
    fractions = (*sorted(f for f in curve if 0 < f < 1), 1.0)
    outputs = {fraction: _FoldOutputs() for fraction in fractions}
    tracker = _CvProgress(progress, folds, fractions)
    rng = np.random.default_rng(seed + 7)
    per_fold = []
    for k in range(folds):
        test = image_folds == k
        test_pairs = data.pairs[judgements_within(data.pairs, test)]
        for fraction in fractions:
            train = _training_part(data, ~test, fraction, rng)
            model = _fit_or_skip(train, fraction, k, folds, tracker, cancel, seed + k)
            if model is None:
                continue
            predicted, uncertainty = model.predict(data.vectors)
            baseline = np.full(len(data.vectors), _mean_rating(train), dtype=np.float32)
            outputs[fraction].add(train, test, test_pairs, predicted, baseline, uncertainty, data)
            if fraction == 1.0:
                per_fold.append(
                    FoldResult(
                        k, train.n_ratings, len(train.pairs),
                        _score(data, outputs[1.0].model[-1:]),
                        _score(data, outputs[1.0].baseline[-1:]),
                        model.params,
                    )
                )  # fmt: skip
    return _report(data, folds, image_folds, per_fold, outputs, time.perf_counter() - started)


def _fit_or_skip(train, fraction, fold, folds, tracker, cancel, seed):
    """The fold's model; None for a learning-curve subset too small to train on."""
    try:
        if not readiness(train.n_ratings, len(train.pairs))[0]:
            raise TrainingError(
                f"Fold {fold + 1} of {folds} leaves too little feedback to train on; "
                "give more ratings or preferences before validating."
            )
        return fit(train, progress=tracker.inner(fold, fraction), cancel=cancel, seed=seed)
    except TrainingError:
        if fraction == 1.0:
            raise
        return None


def _report(data, folds, image_folds, per_fold, outputs, seconds) -> ValidationReport:
    full = outputs[1.0]
    rows = np.concatenate(full.rows)
    predicted = _gather(full.model, data)
    uncertainty = np.concatenate([u[r] for u, r in zip(full.uncertainty, full.rows, strict=True)])
    interval = calibrate(data.ratings[rows], predicted[rows], uncertainty, image_folds[rows])
    shown = halfwidth(uncertainty, interval.noise_variance, interval.scale)
    return ValidationReport(
        folds=folds,
        n_ratings=data.n_ratings,
        n_pairs=len(data.pairs),
        n_ties=len(data.ties),
        n_pairs_unused=count_straddling(data.pairs, image_folds),
        model=_score(data, full.model),
        baseline=_score(data, full.baseline),
        per_fold=per_fold,
        held_out_rows=rows,
        held_out_true=data.ratings[rows],
        held_out_predicted=predicted[rows],
        held_out_uncertainty=shown.astype(np.float32),
        learning_curve=[
            _curve_point(f, bucket, data) for f, bucket in outputs.items() if bucket.model
        ],
        seconds=seconds,
        interval=interval,
    )


def _check_enough_for_folds(data: TrainingData, folds: int) -> None:
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {folds}.")
    have = data.n_ratings + len(data.pairs) / 2
    need = MIN_RATINGS * folds / (folds - 1)
    if have < need:
        raise TrainingError(
            f"Validation trains {folds} times on {folds - 1}/{folds} of the feedback: "
            f"rate {more_feedback(need - have)} first."
        )


def _training_part(
    data: TrainingData, keep: NDArray[np.bool_], fraction: float, rng: np.random.Generator
) -> TrainingData:
    """Images in `keep` with `fraction` of their ratings and of the judgements inside `keep`."""
    ratings = np.where(keep, data.ratings, np.nan).astype(np.float32)
    judgements = []
    for index in (data.pairs, data.ties):
        inside = index[judgements_within(index, keep)]
        judgements.append(inside[rng.random(len(inside)) < fraction] if fraction < 1 else inside)
    if fraction < 1:
        rated = np.flatnonzero(~np.isnan(ratings))
        drop = rated[rng.random(len(rated)) >= fraction]
        ratings[drop] = np.nan
    return TrainingData(data.vectors, ratings, judgements[0], judgements[1])


def _mean_rating(data: TrainingData) -> float:
    return float(np.nanmean(data.ratings)) if data.n_ratings else 5.0


def _gather(parts: list, data: TrainingData) -> NDArray[np.float32]:
    """One prediction per image, each taken from the model of the fold holding it out."""
    out = np.full(len(data.vectors), np.nan, dtype=np.float32)
    for predicted, test, _ in parts:
        out[test] = predicted[test]
    return out


def _score(data: TrainingData, parts: list) -> MetricSet:
    """Scores over folds: each fold's items judged by that fold's predictor, then combined."""
    return MetricSet.combine(
        [
            MetricSet.score(predicted, np.where(test, data.ratings, np.nan), pairs)
            for predicted, test, pairs in parts
        ]
    )


def _curve_point(fraction: float, bucket: _FoldOutputs, data: TrainingData) -> CurvePoint:
    return CurvePoint(
        fraction=fraction,
        n_train_ratings=float(np.mean(bucket.train_ratings)),
        n_train_pairs=float(np.mean(bucket.train_pairs)),
        folds_used=len(bucket.model),
        model=_score(data, bucket.model),
        baseline=_score(data, bucket.baseline),
    )


class _CvProgress:
    """Turns each inner fit's progress into one overall fraction for the whole validation."""

    def __init__(self, progress, folds: int, fractions: tuple[float, ...]) -> None:
        self.progress, self.folds, self.fractions = progress, folds, fractions
        self.total = folds * sum(fractions)  # work of a fit ~ the size of its data

    def inner(self, fold: int, fraction: float):
        if self.progress is None:
            return None
        done_before = fold * sum(self.fractions) + sum(f for f in self.fractions if f < fraction)
        stage = "validate" if fraction == 1.0 else "learning-curve"

        def report(step: TrainProgress) -> None:
            share = (done_before + fraction * (step.fraction or 0.0)) / self.total
            self.progress(
                TrainProgress(stage, fold, self.folds, step.epoch, step.epochs, step.loss, share)
            )

        return report
