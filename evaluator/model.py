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

import numpy as np
from numpy.typing import NDArray

from evaluator.features import RbfFeatures
from evaluator.serialisation import read_model, write_model
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

PREDICT_BATCH = 8192
LANDMARKS = 384  # RBF centres: enough for dozens of topics; prediction ~5 s per million
FOLDS = 5  # inner folds that choose the settings while the data are small

Progress = Callable[[TrainProgress], None]


class FittedModel:
    """A trained evaluator: rating and uncertainty for any batch of unit embeddings.

    Both come out of one pair of matrix products per batch: with s = k(x, landmarks),
    out = x @ linear_weights + s @ kernel_weights + offsets; column 0 is the score, and the
    squared norm of the other columns (plus `bias_variance`) is the posterior variance.
    The ± is interval_scale × √(posterior variance + noise_variance); as `fit` returns it,
    and as read from a file written before these two existed, 0 and 1: the posterior alone.
    """

    def __init__(
        self,
        rbf: RbfFeatures,
        linear_weights: NDArray[np.float32],
        kernel_weights: NDArray[np.float32],
        offsets: NDArray[np.float32],
        bias_variance: float,
        params: dict,
        noise_variance: float = 0.0,
        interval_scale: float = 1.0,
    ) -> None:
        self.rbf = rbf
        self.linear_weights = np.ascontiguousarray(linear_weights, dtype=np.float32)
        self.kernel_weights = np.ascontiguousarray(kernel_weights, dtype=np.float32)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.float32)
        self.bias_variance = float(bias_variance)
        self.params = params
        self.noise_variance = float(noise_variance)  # both set from validation: see
        self.interval_scale = float(interval_scale)  # calibration.py and `calibrated`

    @property
    def dim(self) -> int:
        return self.linear_weights.shape[0]

    def predict(
        self, vectors: NDArray[np.float32], batch: int = PREDICT_BATCH
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """(rating clipped to 0..10, uncertainty: the ± halfwidth in rating points) per row.

        Works through `vectors` in slices of `batch` rows, so a memory map is read piecewise.
        """
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected vectors of shape (n, {self.dim}), got {vectors.shape}.")
        count = vectors.shape[0]
        ratings = np.empty(count, dtype=np.float32)
        spread = np.empty(count, dtype=np.float32)
        for start in range(0, count, batch):
            chunk = np.asarray(vectors[start : start + batch], dtype=np.float32)
            out = chunk @ self.linear_weights
            out += self.rbf.similarities(chunk) @ self.kernel_weights
            out += self.offsets
            ratings[start : start + len(chunk)] = np.clip(out[:, 0], 0.0, 10.0)
            sketch = out[:, 1:]
            variance = np.einsum("ij,ij->i", sketch, sketch) + self.bias_variance
            variance += self.noise_variance
            spread[start : start + len(chunk)] = self.interval_scale * np.sqrt(variance)
        return ratings, spread

    def calibrated(self, noise_variance: float, interval_scale: float) -> FittedModel:
        """This model with the ± that validation measured (see calibration.py)."""
        self.noise_variance, self.interval_scale = float(noise_variance), float(interval_scale)
        return self

    def to_bytes(self) -> bytes:
        arrays = {
            "landmarks": self.rbf.landmarks,
            "linear_weights": self.linear_weights,
            "kernel_weights": self.kernel_weights,
            "offsets": self.offsets,
        }
        header = {
            "kernel_width": self.rbf.width,
            "bias_variance": self.bias_variance,
            "noise_variance": self.noise_variance,
            "interval_scale": self.interval_scale,
            "params": self.params,
        }
        return write_model(arrays, header)

    @classmethod
    def from_bytes(cls, data: bytes) -> FittedModel:
        """Raises ValueError when `data` is not a model written by `to_bytes`."""
        arrays, header = read_model(data)
        rbf = RbfFeatures(arrays["landmarks"], float(header["kernel_width"]), np.zeros((0, 0)))
        return cls(
            rbf,
            arrays["linear_weights"],
            arrays["kernel_weights"],
            arrays["offsets"],
            float(header["bias_variance"]),
            dict(header["params"]),
            noise_variance=float(header.get("noise_variance", 0.0)),
            interval_scale=float(header.get("interval_scale", 1.0)),
        )


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
