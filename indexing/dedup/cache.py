"""Keeping the pair caches and the clusters up to date, incrementally.

Each tier remembers which images it has compared with everything (`near_compared`,
`similar_compared`); an update compares only the others, against all images, and adds
their pairs. Trashed and deleted images keep their pairs (they are filtered out when
groups are read, and count again once restored). Clusters are made again when the library
has grown by a quarter since they were made; otherwise new images join the nearest one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from indexing.dedup.clusters import assign, cluster
from indexing.dedup.hashes import ORIENTATIONS, NearHashes
from indexing.dedup.near import NearIndex, pairs_between
from indexing.dedup.similar import SIMILAR_FLOOR, similar_pairs
from indexing.errors import PictorError
from indexing.store import duplicates as stored
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder

NEAR_CACHE_MAX = 11  # bits (both hashes): the slider's range, exact at probe radius 3
RECLUSTER_GROWTH = 1.25


@dataclass(frozen=True, slots=True)
class HashTable:
    content_ids: list[str]
    phash: np.ndarray  # (N, 8) uint64
    dhash: np.ndarray


def load_hashes(catalog: Catalog) -> HashTable:
    return _table(stored.near_hash_rows(catalog))


def load_hashes_of(catalog: Catalog, content_ids: list[str]) -> HashTable:
    """The hashes of these images, in the order given (zeros for one without hashes)."""
    found = stored.near_hashes_of(catalog, content_ids)
    blank = bytes(2 * ORIENTATIONS * 8)
    return _table([(cid, found.get(cid, blank)) for cid in content_ids])


def _table(rows: list) -> HashTable:
    phash = np.zeros((len(rows), ORIENTATIONS), dtype=np.uint64)
    dhash = np.zeros((len(rows), ORIENTATIONS), dtype=np.uint64)
    for n, (_, blob) in enumerate(rows):
        hashes = NearHashes.from_blob(blob)
        phash[n], dhash[n] = hashes.phash, hashes.dhash
    return HashTable([r[0] for r in rows], phash, dhash)


def update_near(catalog: Catalog) -> int:
    """Compare every not-yet-compared image with all; return how many were compared."""
    if not stored.near_waiting(catalog):
        return 0  # a page turn costs one count, not a reload of every hash
    table = load_hashes(catalog)
    compared = stored.near_compared(catalog)
    ids = table.content_ids
    new = np.array([n for n, cid in enumerate(ids) if cid not in compared], dtype=np.int64)
    if not len(new):
        return 0
    pairs = pairs_between(NearIndex(table.phash, table.dhash), new, NEAR_CACHE_MAX, NEAR_CACHE_MAX)
    stored.add_near_pairs(
        catalog,
        (
            (ids[a], ids[b], int(d), int(dh))
            for a, b, d, dh in zip(
                pairs.a, pairs.b, pairs.distance, pairs.dhash_distance, strict=True
            )
        ),
        (ids[n] for n in new),
    )
    return len(new)


def vectors_for_model(library: DataFolder) -> tuple[list[str], np.ndarray]:
    """Every content id with a vector under the current model, and the vectors (a memory map)."""
    mirror = library.vector_mirror()
    mirror.sync(library.vectors())
    ids, matrix = mirror.everything()
    if not ids:
        raise PictorError(
            f"No image has a CLIP vector under {library.model_id} yet, so there is nothing to "
            "compare: index your folders with embeddings on (and the CLIP weights available)."
        )
    return ids, matrix


def update_similar(catalog: Catalog, model_id: str, ids: list[str], matrix: np.ndarray) -> int:
    if stored.similar_compared_count(catalog, model_id) == len(ids):
        return 0  # every vector already compared: nothing to add
    compared = stored.similar_compared(catalog, model_id)
    new = np.array([n for n, cid in enumerate(ids) if cid not in compared], dtype=np.int64)
    if not len(new):
        return 0
    queries = None if len(new) == len(ids) else new
    pairs = similar_pairs(matrix, SIMILAR_FLOOR, queries=queries)
    stored.add_similar_pairs(
        catalog,
        model_id,
        (
            (ids[a], ids[b], float(s))
            for a, b, s in zip(pairs.a, pairs.b, pairs.similarity, strict=True)
        ),
        (ids[n] for n in new),
    )
    return len(new)


def update_clusters(catalog: Catalog, model_id: str, ids: list[str], matrix: np.ndarray) -> None:
    row = stored.clustering(catalog, model_id)
    if row is None or len(ids) > row[0] * RECLUSTER_GROWTH:
        _recluster(catalog, model_id, ids, matrix)
        return
    known = stored.clustered(catalog, model_id)
    new = np.array([n for n, cid in enumerate(ids) if cid not in known], dtype=np.int64)
    if len(new):
        centroids = np.frombuffer(row[1], dtype=np.float32).reshape(-1, matrix.shape[1])
        labels, similarity = assign(np.asarray(matrix[new]), centroids)
        _write_members(catalog, model_id, [ids[n] for n in new], labels, similarity)


def _recluster(catalog: Catalog, model_id: str, ids: list[str], matrix: np.ndarray) -> None:
    result = cluster(matrix)
    stored.replace_clustering(
        catalog, model_id, len(result.centroids), len(ids), result.centroids.tobytes(), time.time()
    )
    _write_members(catalog, model_id, ids, result.labels, result.similarity)


def _write_members(
    catalog: Catalog, model_id: str, ids: list[str], labels: np.ndarray, similarity: np.ndarray
) -> None:
    stored.write_cluster_members(
        catalog,
        model_id,
        (
            (cid, int(label), float(s))
            for cid, label, s in zip(ids, labels, similarity, strict=True)
        ),
    )
