"""A trained evaluator (`FittedModel`) and the training defaults that shape one.

The bottom of the evaluator: numpy only, so that loading a saved model and predicting never
pull in scipy. model.py's `fit` and training.py build a FittedModel; both import it from here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evaluator.features import RbfFeatures
from evaluator.serialisation import read_model, write_model

PREDICT_BATCH = 8192
LANDMARKS = 384  # RBF centres: enough for dozens of topics; prediction ~5 s per million
FOLDS = 5  # inner folds that choose the settings while the data are small


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
        linear_weights: NDArray[np.floating],  # stored as float32
        kernel_weights: NDArray[np.floating],
        offsets: NDArray[np.floating],
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
        no_whitening = np.zeros((0, 0), dtype=np.float32)  # predicting never whitens
        rbf = RbfFeatures(arrays["landmarks"], float(header["kernel_width"]), no_whitening)
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
