"""Learning a user's taste from ratings and preferences, and predicting it for every image.

The model is linear in [CLIP embedding ⊕ Nyström RBF features of the embedding] (see
features.py), fitted with squared error on ratings plus a Bradley–Terry loss on preferences
plus L2 (see solver.py). The preference weight and the L2 strength are chosen by inner
cross-validation on the training data alone (see selection.py); the kernel width is a
fixed fraction of the typical distance between the user's images.

The uncertainty returned with every prediction is the halfwidth of the ± shown beside it,
in rating points: where about 4 in 5 of the user's own ratings of such an image would fall.
It combines the posterior standard deviation of the predicted taste (a Laplace
approximation: the Hessian of the training loss at the fitted weights is the inverse
posterior covariance, see posterior.py) with the scatter of ratings around the prediction,
both sized by cross-validation (see calibration.py; `fit` alone returns the posterior
part, which the Train service calibrates). It is larger for images unlike anything rated or
compared, such as a topic the user has not judged yet, and shrinks there as feedback
accumulates, so it still ranks images by how much a rating would teach; it never drops
below the scatter of the user's ratings.
"""

from __future__ import annotations

from collections.abc import Callable

from evaluator.fitted import FOLDS, LANDMARKS, FittedModel
from evaluator.training_data import (
    MIN_RATINGS,
    Cancelled,
    TrainingData,
    TrainingError,
    TrainProgress,
    readiness,
)

__all__ = [
    "MIN_RATINGS",
    "Cancelled",
    "FittedModel",
    "TrainProgress",
    "TrainingData",
    "TrainingError",
    "fit",
    "readiness",
]

Progress = Callable[[TrainProgress], None]


def fit(
    data: TrainingData,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    seed: int = 0,
    folds: int = FOLDS,
    landmarks: int = LANDMARKS,
    blas_threads: int | None = 1,
) -> FittedModel:
    """Learn the taste in `data`: settings chosen on inner folds, then the final model.

    Raises TrainingError when there is too little or no usable feedback (one sentence for
    the user) and Cancelled as soon as `cancel()` turns true. `folds` inner folds choose
    the settings (3 once the data are large); `landmarks` RBF centres are drawn from the
    images; `blas_threads` caps numpy's BLAS threads while training (None: leave as is).
    scipy is imported here, not at module import, so that loading a model and predicting
    need numpy only.
    """
    from evaluator.training import train

    return train(
        data, progress=progress, cancel=cancel, seed=seed,
        folds=folds, landmarks=landmarks, blas_threads=blas_threads,
    )  # fmt: skip
