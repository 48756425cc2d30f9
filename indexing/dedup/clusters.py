"""Visual clusters of the whole library, to browse what is in it.

Mini-batch k-means over the CLIP vectors, streamed in blocks (partial_fit), so a million
512-d vectors never need a second copy in memory. The number of clusters grows with the
library: k = round(sqrt(N / 2)), at least 2 and at most 400 (100 images: 7 clusters;
10,000: 71; 100,000 and more: 224 to 400), enough to see the themes without paging for
ever. Each cluster shows its size and the members nearest its centre as representatives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_CLUSTERS, MAX_CLUSTERS = 2, 400
BLOCK = 8192
PASSES = 3
REPRESENTATIVES = 8

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Clustering:
    centroids: Matrix  # (k, d), unit length
    labels: npt.NDArray[np.int64]  # (N,)
    similarity: npt.NDArray[np.float32]  # (N,) cosine to its centroid

    def sizes(self) -> npt.NDArray[np.int64]:
        return np.bincount(self.labels, minlength=len(self.centroids))

    def representatives(self, cluster: int, count: int = REPRESENTATIVES) -> npt.NDArray[np.int64]:
        """The rows nearest the cluster's centre, nearest first."""
        members = np.flatnonzero(self.labels == cluster)
        order = np.argsort(-self.similarity[members], kind="stable")
        return members[order[:count]]


def cluster_count(n: int) -> int:
    return int(min(MAX_CLUSTERS, max(MIN_CLUSTERS, round(np.sqrt(n / 2)))))


def cluster(vectors: Matrix, seed: int = 0) -> Clustering:
    from sklearn.cluster import MiniBatchKMeans

    n = len(vectors)
    k = min(cluster_count(n), n)
    model = MiniBatchKMeans(k, random_state=seed, n_init=1, batch_size=BLOCK)
    rng = np.random.default_rng(seed)
    for _ in range(PASSES):
        for start in rng.permutation(np.arange(0, n, BLOCK)):
            block = np.asarray(vectors[start : start + BLOCK], dtype=np.float32)
            if len(block) >= k or not hasattr(model, "cluster_centers_"):
                model.partial_fit(block if len(block) >= k else np.asarray(vectors[:k]))
    centroids = model.cluster_centers_.astype(np.float32)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    labels, similarity = assign(vectors, centroids)
    return Clustering(centroids, labels, similarity)


def assign(
    vectors: Matrix, centroids: Matrix
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Each vector's nearest centroid and its cosine to it (for new images too)."""
    labels = np.empty(len(vectors), dtype=np.int64)
    similarity = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK):
        scores = np.asarray(vectors[start : start + BLOCK], dtype=np.float32) @ centroids.T
        best = scores.argmax(axis=1)
        labels[start : start + len(best)] = best
        similarity[start : start + len(best)] = scores[np.arange(len(best)), best]
    return labels, similarity
