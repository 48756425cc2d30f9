"""Learning a user's taste from ratings and preferences, and predicting it for every image.

The model is linear in [CLIP embedding ⊕ Nyström RBF features of the embedding] (see
features.py), fitted with squared error on ratings plus a Bradley–Terry loss on preferences
plus L2 (see solver.py). The preference weight and the L2 strength are chosen by inner
cross-validation on the training data alone (see selection.py); the kernel width is a
fixed fraction of the typical distance between the user's images.

The uncertainty returned with every prediction is the posterior standard deviation of the
predicted taste, in rating points: a Laplace approximation (the Hessian of the training
loss at the fitted weights is the inverse posterior covariance) with one scale calibrated
on leave-one-out errors of the ratings (see posterior.py). It is large for images unlike
anything rated or compared, such as a topic the user has not judged yet, and shrinks as
feedback accumulates there, so it ranks images by how much a rating would teach. It only
knows what the model form can express: taste the model cannot learn at all is not in it,
and on the synthetic bench it is about half the actual error against the hidden taste.
A new rating by the user scatters further around the prediction by their own noise.
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
    """

    def __init__(
        self,
        rbf: RbfFeatures,
        linear_weights: NDArray[np.float32],
        kernel_weights: NDArray[np.float32],
        offsets: NDArray[np.float32],
        bias_variance: float,
        params: dict,
    ) -> None:
        self.rbf = rbf
        self.linear_weights = np.ascontiguousarray(linear_weights, dtype=np.float32)
        self.kernel_weights = np.ascontiguousarray(kernel_weights, dtype=np.float32)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.float32)
        self.bias_variance = float(bias_variance)
        self.params = params

    @property
    def dim(self) -> int:
        return self.linear_weights.shape[0]

    def predict(
        self, vectors: NDArray[np.float32], batch: int = PREDICT_BATCH
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """(rating clipped to 0..10, uncertainty: posterior std in rating points) per row.

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
            spread[start : start + len(chunk)] = np.sqrt(variance)
        return ratings, spread

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
