"""Pairs into groups: connected components, free or with a cap on group size.

Near-identical pairs are joined freely (a near copy of a near copy is still the same
picture): scipy's connected components, O(N + E) in C, a fraction of a second for
millions of pairs.

Similar pairs form chains ("similar to similar to similar") that would swallow a library,
so they are joined with a CAP: edges are taken strongest first and two groups merge only
if the merged group has at most `cap` members; an edge that would exceed it is skipped
(its images stay in their own groups, which may still grow through other, weaker edges
while there is room). This is Kruskal's order with a size check, so a group is always
held together by its strongest links. The sequential loop (union by size, path halving,
O(E alpha(N))) only runs inside components that are larger than the cap; components that
fit are taken whole by the vectorised pass, which is what almost all of them are.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Rows = npt.NDArray[np.int64]


def components(n: int, a: Rows, b: Rows) -> Rows:
    """(n,) component label of each row, for the undirected edges a[i] - b[i]."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def capped_components(
    n: int, a: Rows, b: Rows, strength: npt.NDArray[np.floating], cap: int
) -> Rows:
    """Component labels when edges join groups strongest first, never beyond cap rows."""
    if cap < 1:
        raise ValueError("the cap is at least 1")
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    labels = components(n, a, b)
    sizes = np.bincount(labels, minlength=n)
    large = sizes[labels[a]] > cap  # edges inside components that do not fit whole
    if not large.any():
        return labels
    order = np.flatnonzero(large)
    order = order[np.argsort(-np.asarray(strength)[order], kind="stable")]
    parent = np.arange(n, dtype=np.int64)
    in_large = np.flatnonzero(sizes[labels] > cap)
    parent[in_large] = in_large  # rows of large components start alone
    _merge_strongest_first(parent, a[order].tolist(), b[order].tolist(), cap)
    roots = _roots(parent)[in_large]
    out = labels.copy()
    out[in_large] = labels.max() + 1 + roots  # fresh labels, distinct from the others
    return out


def _merge_strongest_first(parent: np.ndarray, a: list[int], b: list[int], cap: int) -> None:
    """Union by size with the cap; a list-based loop (numpy scalars are slow one by one)."""
    up = parent.tolist()
    size = [1] * len(up)
    for x, y in zip(a, b, strict=True):
        rx, ry = _find_list(up, x), _find_list(up, y)
        if rx == ry or size[rx] + size[ry] > cap:
            continue
        if size[rx] < size[ry]:
            rx, ry = ry, rx
        up[ry] = rx
        size[rx] += size[ry]
    parent[:] = up


def _find_list(up: list[int], x: int) -> int:
    while up[x] != x:
        up[x] = up[up[x]]  # path halving
        x = up[x]
    return x


def _roots(parent: np.ndarray) -> np.ndarray:
    """Every row's root, by pointer jumping (a few vectorised passes)."""
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return parent
        parent = up


def groups_from_labels(labels: Rows, min_size: int = 2) -> list[Rows]:
    """Rows sharing a label, groups of at least min_size, largest first (then lowest row)."""
    labels = np.asarray(labels, dtype=np.int64)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(order)]])
    keep = np.flatnonzero(ends - starts >= min_size)
    keep = keep[np.lexsort((order[starts[keep]], -(ends - starts)[keep]))]
    return [order[starts[k] : ends[k]] for k in keep]


def group_pairs(
    n: int,
    a: Rows,
    b: Rows,
    strength: npt.NDArray[np.floating] | None = None,
    cap: int | None = None,
) -> list[Rows]:
    """Groups (2+ rows, largest first) from pairs; capped, strongest first, when cap is set."""
    if cap is None:
        labels = components(n, a, b)
    else:
        if strength is None:
            strength = np.zeros(len(a))
        labels = capped_components(n, a, b, strength, cap)
    return groups_from_labels(labels)
