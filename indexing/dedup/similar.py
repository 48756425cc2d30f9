"""Similar pairs by CLIP cosine similarity, without comparing every pair: an IVF self-join.

The vectors are split into about sqrt(N) cells by k-means (trained on a sample). Each
vector lives in its nearest cell and is compared, by exact blocked matrix products, with
the vectors of its PROBES nearest cells; a pair at cosine 0.8 or more almost always shares
a cell or sits in neighbouring ones. Each vector keeps its TOP_K best neighbours above the
threshold. A million 512-d vectors cost about 3 x sqrt(N) x N x 512 multiply-adds (~1.5
TFLOP), a few minutes on two cores, and memory stays at one cell's block at a time: the
matrix may be a memory map (the vector mirror), read cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SIMILAR_FLOOR = 0.8  # pairs kept in the cache; the slider filters above it
TOP_K = 10
PROBES = 3
SAMPLE = 20_000  # vectors the cells are trained on
BLOCK = 4096

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SimilarPairs:
    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.a)


def cell_count(n: int) -> int:
    return int(min(2048, max(1, round(np.sqrt(n)))))


def train_cells(vectors: Matrix, seed: int = 0) -> Matrix:
    """k-means centroids (unit length) on a sample of the vectors."""
    from sklearn.cluster import MiniBatchKMeans

    n = len(vectors)
    cells = cell_count(n)
    if cells == 1:
        return _unit(np.asarray(vectors[:1], dtype=np.float32))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, min(n, SAMPLE), replace=False))
    data = np.asarray(vectors[sample], dtype=np.float32)
    model = MiniBatchKMeans(cells, random_state=seed, n_init=1, batch_size=4096)
    model.fit(data)
    return _unit(model.cluster_centers_.astype(np.float32))


def nearest_cells(vectors: Matrix, centroids: Matrix, probes: int) -> npt.NDArray[np.int64]:
    """(N, probes) the nearest cells of each vector, nearest first; read in blocks."""
    out = np.empty((len(vectors), probes), dtype=np.int64)
    probes = min(probes, len(centroids))
    for start in range(0, len(vectors), BLOCK):
        block = np.asarray(vectors[start : start + BLOCK], dtype=np.float32)
        scores = block @ centroids.T
        best = np.argpartition(-scores, probes - 1, axis=1)[:, :probes]
        order = np.take_along_axis(-scores, best, axis=1).argsort(axis=1)
        out[start : start + len(block), :probes] = np.take_along_axis(best, order, axis=1)
    return out[:, :probes]


def similar_pairs(
    vectors: Matrix,
    threshold: float = SIMILAR_FLOOR,
    *,
    queries: npt.NDArray[np.int64] | None = None,
    centroids: Matrix | None = None,
    seed: int = 0,
) -> SimilarPairs:
    """Pairs (a < b) with cosine >= threshold, each row keeping its TOP_K best.

    queries: only pairs involving these rows (an incremental update); all rows otherwise.
    """
    n = len(vectors)
    if n < 2:
        return _empty()
    centroids = train_cells(vectors, seed) if centroids is None else centroids
    home = nearest_cells(vectors, centroids, 1)[:, 0]
    rows = np.arange(n) if queries is None else np.asarray(queries, dtype=np.int64)
    probe = nearest_cells(vectors[rows] if queries is not None else vectors, centroids, PROBES)
    members = _by_cell(home, len(centroids))
    askers = _by_cell(probe.reshape(-1), len(centroids))  # flat index // PROBES = query
    found = []
    for cell in range(len(centroids)):
        inside = members[cell]
        asking = rows[askers[cell] // probe.shape[1]]
        if len(inside) and len(asking):
            found.append(_join(vectors, asking, inside, threshold))
    return _best(found, n)


def _by_cell(home: np.ndarray, cells: int) -> list[np.ndarray]:
    order = np.argsort(home, kind="stable")
    bounds = np.searchsorted(home[order], np.arange(cells + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(cells)]


def _join(
    vectors: Matrix, asking: np.ndarray, inside: np.ndarray, threshold: float
) -> SimilarPairs:
    """Exact similarities of asking rows against one cell's rows, above threshold."""
    cell = np.asarray(vectors[np.sort(inside)], dtype=np.float32)
    inside = np.sort(inside)
    parts = []
    for start in range(0, len(asking), BLOCK):
        rows = asking[start : start + BLOCK]
        scores = np.asarray(vectors[rows], dtype=np.float32) @ cell.T
        q, c = np.nonzero(scores >= threshold)
        keep = rows[q] != inside[c]
        parts.append((rows[q][keep], inside[c][keep], scores[q, c][keep]))
    if not parts:
        return _empty()
    a, b, s = (np.concatenate(x) for x in zip(*parts, strict=True))
    return SimilarPairs(a.astype(np.int64), b.astype(np.int64), s.astype(np.float32))


def _best(found: list[SimilarPairs], n: int) -> SimilarPairs:
    """Each row's TOP_K strongest pairs, then one row per pair (a < b)."""
    if not found:
        return _empty()
    a = np.concatenate([p.a for p in found])
    b = np.concatenate([p.b for p in found])
    s = np.concatenate([p.similarity for p in found])
    order = np.lexsort((-s, a))
    a, b, s = a[order], b[order], s[order]
    rank = np.arange(len(a)) - np.searchsorted(a, a, side="left")
    keep = rank < TOP_K
    lo, hi, s = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep]), s[keep]
    order = np.lexsort((-s, hi, lo))
    lo, hi, s = lo[order], hi[order], s[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return SimilarPairs(lo[first], hi[first], s[first])


def _unit(matrix: np.ndarray) -> Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


def _empty() -> SimilarPairs:
    empty = np.zeros(0, dtype=np.int64)
    return SimilarPairs(empty, empty, np.zeros(0, dtype=np.float32))
