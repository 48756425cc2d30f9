"""Grouping faces into people: incremental, never undoing the user, never O(N²).

A run looks only at the faces in no person yet (new faces, and faces the user said are
"not this person"):
1. Each joins the person of its nearest grouped face when that face is within
   JOIN_DISTANCE and the user has not said this face is not that person.
2. The rest are linked to their K nearest neighbours among themselves within
   LINK_DISTANCE, and Chinese whispers (a graph method that needs no number of people;
   Biemann 2006, as in dlib) splits that graph into groups; each group becomes an unnamed
   person.
Faces already in a person are never moved, so names, merges and moves stay as the user
left them.

Neighbours come from DescriptorIndex: exact blocked search up to EXACT_LIMIT faces, an
inverted-file index (k-means cells, the queries searched in their NPROBE nearest cells)
above it, so a million faces cost about N·√N distance computations rather than N².

Thresholds (Euclidean distance between dlib's 128-d descriptors; dlib's own rule is 0.6):
on the labelled faces in tests/assets/faces (docs/people.md) the same person is at
0.11-0.45 and different people at 0.66-0.89, so 0.5 keeps a margin on both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

JOIN_DISTANCE = 0.5
LINK_DISTANCE = 0.5
SUGGEST_DISTANCE = 0.6  # "Who is this?": named people this close are offered as suggestions
K = 10
EXACT_LIMIT = 20_000
NPROBE = 8
BLOCK = 2048

Descriptors = npt.NDArray[np.float32]


@dataclass
class Neighbours:
    """Pairs (query index, data index, distance), within the radius, up to k per query."""

    query: npt.NDArray[np.int64]
    data: npt.NDArray[np.int64]
    distance: npt.NDArray[np.float32]


@dataclass
class GroupingPlan:
    """What a run decides: face index -> person id joins, and new groups of face indices."""

    joins: dict[int, int] = field(default_factory=dict)
    groups: list[list[int]] = field(default_factory=list)


class DescriptorIndex:
    """Nearest neighbours among descriptors: exact for small sets, inverted file above."""

    def __init__(self, data: Descriptors, *, seed: int = 0, exact_limit: int = EXACT_LIMIT):
        self.data = np.ascontiguousarray(data, dtype=np.float32)
        self.norms = np.einsum("ij,ij->i", self.data, self.data)
        self.centroids: Descriptors | None = None
        if len(self.data) > exact_limit:
            self._build_cells(seed)

    def _build_cells(self, seed: int) -> None:
        from sklearn.cluster import MiniBatchKMeans

        n = len(self.data)
        cells = max(2, int(math.sqrt(n)))
        rng = np.random.default_rng(seed)
        sample = self.data[rng.choice(n, size=min(n, cells * 32), replace=False)]
        kmeans = MiniBatchKMeans(
            cells, batch_size=8192, n_init=1, max_iter=20, random_state=seed
        ).fit(sample)
        self.centroids = kmeans.cluster_centers_.astype(np.float32)
        cell = _nearest_centroids(self.data, self.centroids, 1)[:, 0]
        self.order = np.argsort(cell, kind="stable")
        self.starts = np.searchsorted(cell[self.order], np.arange(cells + 1))

    def search(self, queries: Descriptors, k: int, radius: float) -> Neighbours:
        """Up to k neighbours of each query within radius, nearest first per query."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(queries) == 0 or len(self.data) == 0:
            return _empty()
        if self.centroids is None:
            found = [
                self._pairs(queries[s : s + BLOCK], np.arange(len(self.data)), radius, s)
                for s in range(0, len(queries), BLOCK)
            ]
        else:
            found = self._search_cells(queries, radius)
        return _best_k(_concat(found), k)

    def _search_cells(self, queries: Descriptors, radius: float) -> list[Neighbours]:
        assert self.centroids is not None
        probes = _nearest_centroids(queries, self.centroids, min(NPROBE, len(self.centroids)))
        flat_cells = probes.ravel()
        flat_queries = np.repeat(np.arange(len(queries)), probes.shape[1])
        by_cell = np.argsort(flat_cells, kind="stable")
        bounds = np.searchsorted(flat_cells[by_cell], np.arange(len(self.centroids) + 1))
        found = []
        for cell in range(len(self.centroids)):
            asking = flat_queries[by_cell[bounds[cell] : bounds[cell + 1]]]
            members = self.order[self.starts[cell] : self.starts[cell + 1]]
            if len(asking) == 0 or len(members) == 0:
                continue
            for s in range(0, len(asking), BLOCK):
                block = asking[s : s + BLOCK]
                pairs = self._pairs(queries[block], members, radius, 0)
                pairs.query = block[pairs.query]
                found.append(pairs)
        return found

    def _pairs(
        self, queries: Descriptors, members: npt.NDArray[np.int64], radius: float, offset: int
    ) -> Neighbours:
        squared = (
            np.einsum("ij,ij->i", queries, queries)[:, None]
            + self.norms[members][None, :]
            - 2.0 * queries @ self.data[members].T
        )
        rows, cols = np.nonzero(squared <= radius * radius)
        distance = np.sqrt(np.maximum(squared[rows, cols], 0.0)).astype(np.float32)
        return Neighbours(rows.astype(np.int64) + offset, members[cols].astype(np.int64), distance)


def _nearest_centroids(
    data: Descriptors, centroids: Descriptors, count: int
) -> npt.NDArray[np.int64]:
    out = np.empty((len(data), count), np.int64)
    c_norms = np.einsum("ij,ij->i", centroids, centroids)
    for s in range(0, len(data), BLOCK * 4):
        block = data[s : s + BLOCK * 4]
        squared = c_norms[None, :] - 2.0 * block @ centroids.T
        if count == 1:
            out[s : s + len(block), 0] = np.argmin(squared, axis=1)
        else:
            part = np.argpartition(squared, count - 1, axis=1)[:, :count]
            out[s : s + len(block)] = part
    return out


def _empty() -> Neighbours:
    return Neighbours(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))


def _concat(found: list[Neighbours]) -> Neighbours:
    if not found:
        return _empty()
    return Neighbours(
        np.concatenate([f.query for f in found]),
        np.concatenate([f.data for f in found]),
        np.concatenate([f.distance for f in found]),
    )


def _best_k(pairs: Neighbours, k: int) -> Neighbours:
    """The k nearest per query (a pair found in two probed cells counts once)."""
    order = np.lexsort((pairs.data, pairs.distance, pairs.query))
    query, data, distance = pairs.query[order], pairs.data[order], pairs.distance[order]
    keep = np.ones(len(query), bool)
    keep[1:] = (query[1:] != query[:-1]) | (data[1:] != data[:-1])
    query, data, distance = query[keep], data[keep], distance[keep]
    starts = np.searchsorted(query, query, side="left")
    rank = np.arange(len(query)) - starts
    within = rank < k
    return Neighbours(query[within], data[within], distance[within])


def chinese_whispers(
    count: int,
    source: npt.NDArray[np.int64],
    target: npt.NDArray[np.int64],
    weight: npt.NDArray[np.float32],
    *,
    iterations: int = 30,
    seed: int = 0,
) -> npt.NDArray[np.int64]:
    """A label per node: each node repeatedly takes the label with the largest total edge
    weight among its neighbours (half the nodes at a time, so labels do not oscillate)."""
    labels = np.arange(count, dtype=np.int64)
    if len(source) == 0:
        return labels
    u = np.concatenate([source, target])
    v = np.concatenate([target, source])
    w = np.concatenate([weight, weight]).astype(np.float64)
    rng = np.random.default_rng(seed)
    for _ in range(iterations):
        key = u * count + labels[v]
        unique, inverse = np.unique(key, return_inverse=True)
        totals = np.bincount(inverse, weights=w)
        node, label = unique // count, unique % count
        order = np.lexsort((rng.random(len(unique)), -totals, node))
        first = np.ones(len(order), bool)
        first[1:] = node[order][1:] != node[order][:-1]
        best_node, best_label = node[order][first], label[order][first]
        proposal = labels.copy()
        proposal[best_node] = best_label
        update = rng.random(count) < 0.5
        new = np.where(update, proposal, labels)
        if np.array_equal(new, labels) and np.array_equal(proposal, labels):
            break
        labels = new
    return labels


def whispers_by_component(
    count: int,
    source: npt.NDArray[np.int64],
    target: npt.NDArray[np.int64],
    weight: npt.NDArray[np.float32],
    *,
    batch: int = 1 << 18,
) -> npt.NDArray[np.int64]:
    """chinese_whispers over the graph's connected components, a batch of whole components
    at a time (no edge crosses two): the same labels, in memory bounded by the batch."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(source), np.int8), (source, target)), shape=(count, count))
    _, component = connected_components(graph, directed=False)
    del graph
    nodes = np.argsort(component, kind="stable")
    sizes = np.bincount(component)
    ends = np.cumsum(sizes)  # nodes[ends[c-1]:ends[c]] are component c's
    by_edge = np.argsort(component[source], kind="stable")
    edge_ends = np.searchsorted(component[source][by_edge], np.arange(len(sizes)), side="right")
    labels = np.empty(count, np.int64)
    first = 0
    while first < len(sizes):
        last = int(np.searchsorted(ends, ends[first] - sizes[first] + batch, side="right"))
        last = max(last, first + 1)  # a component larger than a batch goes alone
        start = int(ends[first] - sizes[first])
        members = nodes[start : int(ends[last - 1])]
        edges = by_edge[(int(edge_ends[first - 1]) if first else 0) : int(edge_ends[last - 1])]
        index = np.full(count, -1, np.int64)
        index[members] = np.arange(len(members))
        found = chinese_whispers(
            len(members), index[source[edges]], index[target[edges]], weight[edges]
        )
        labels[members] = members[found]
        first = last
    return labels


def plan_grouping(
    ungrouped: Descriptors,
    grouped: Descriptors,
    grouped_person: npt.NDArray[np.int64],
    rejected: dict[int, set[int]],
    *,
    join_distance: float = JOIN_DISTANCE,
    link_distance: float = LINK_DISTANCE,
    k: int = K,
) -> GroupingPlan:
    """Decide where each ungrouped face goes (indices into ungrouped; rejected maps an
    index to the person ids it must not join)."""
    plan = GroupingPlan()
    if len(ungrouped) == 0:
        return plan
    if len(grouped):
        near = DescriptorIndex(grouped).search(ungrouped, k, join_distance)
        for query, data in zip(near.query.tolist(), near.data.tolist(), strict=True):
            if query in plan.joins:
                continue
            person = int(grouped_person[data])
            if person not in rejected.get(query, ()):
                plan.joins[query] = person
    rest = np.array([i for i in range(len(ungrouped)) if i not in plan.joins], np.int64)
    if len(rest) == 0:
        return plan
    remaining = ungrouped if len(rest) == len(ungrouped) else ungrouped[rest]
    links = DescriptorIndex(remaining).search(remaining, k + 1, link_distance)
    del remaining
    other = links.query != links.data
    source, target = links.query[other], links.data[other]
    weight = (1.0 - (links.distance[other] / link_distance) ** 2 + 0.05).astype(np.float32)
    del links
    labels = whispers_by_component(len(rest), source, target, weight)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for members in np.split(order, bounds):
        plan.groups.append(rest[members].tolist())
    plan.groups.sort(key=len, reverse=True)
    return plan
