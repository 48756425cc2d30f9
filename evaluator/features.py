"""The evaluator's feature map: the embedding itself beside Nyström RBF features.

A linear model on CLIP embeddings already captures most of a taste ("likes landscapes,
dislikes screenshots"), but tastes are also local: a liked topic, or a preference that flips
from one topic to the next. An RBF kernel on the unit sphere, k(x, z) = exp((x·z − 1) / τ),
expresses such local effects. Nyström makes it an explicit finite feature map from m
landmark images, so that training stays a linear problem in (d + m) weights and prediction
is two matrix products per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

EIGEN_FLOOR = 1e-6  # relative: kernel directions weaker than this are numerical noise


@dataclass(frozen=True)
class RbfFeatures:
    """Nyström features for k(x, z) = exp((x·z − 1) / width), whitened so that φ·φ' ≈ k."""

    landmarks: NDArray[np.float32]  # (m, d)
    width: float  # τ, in units of cosine distance (1 − x·z)
    whitening: NDArray[np.float32]  # (m, r): K_zz^(-1/2) restricted to its strong directions

    @classmethod
    def build(cls, landmarks: NDArray[np.float32], width: float) -> RbfFeatures:
        kernel = np.exp((landmarks.astype(np.float64) @ landmarks.T.astype(np.float64) - 1) / width)
        values, vectors = np.linalg.eigh(kernel)
        keep = values > EIGEN_FLOOR * values.max()
        whitening = vectors[:, keep] / np.sqrt(values[keep])
        return cls(landmarks, float(width), whitening.astype(np.float32))

    @property
    def size(self) -> int:
        return self.whitening.shape[1]

    def similarities(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        """k(x, z) for every row and landmark, computed in place to keep batches cheap."""
        out = vectors @ self.landmarks.T
        out -= 1.0
        out *= np.float32(1.0 / self.width)
        np.exp(out, out=out)
        return out

    def transform(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.similarities(vectors) @ self.whitening


def pick_landmarks(vectors: NDArray[np.float32], count: int, seed: int) -> NDArray[np.float32]:
    """A random subset of distinct rows: cheap, unbiased, and covers topics by their size."""
    unique = np.unique(vectors, axis=0) if len(vectors) <= 4 * count else vectors
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(unique), size=min(count, len(unique)), replace=False)
    return np.ascontiguousarray(unique[np.sort(rows)], dtype=np.float32)


def typical_distance(vectors: NDArray[np.float32], seed: int, sample: int = 2000) -> float:
    """Median cosine distance between random pairs of images: the scale of kernel widths."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)
    subset = vectors[rows].astype(np.float64)
    cosines = subset @ subset.T
    upper = cosines[np.triu_indices(len(rows), k=1)]
    if upper.size == 0:
        return 1.0
    return float(max(np.median(1.0 - upper), 1e-3))


def combined_features(vectors: NDArray[np.float32], rbf: RbfFeatures) -> NDArray[np.float32]:
    """[embedding ⊕ RBF features]: the design matrix the solver sees."""
    return np.hstack([vectors, rbf.transform(vectors)])
