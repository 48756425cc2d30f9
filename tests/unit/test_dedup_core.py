"""The grouping algorithms: orientation-proof hashes, pair finders against brute force,
union-find with a cap, clusters."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from indexing.dedup.clusters import MAX_CLUSTERS, MIN_CLUSTERS, assign, cluster, cluster_count
from indexing.dedup.groups import groups_from_pairs
from indexing.dedup.hashes import NearHashes, near_hashes
from indexing.dedup.near import NearIndex, pairs_among, pairs_between
from indexing.dedup.similar import TOP_K, similar_pairs
from tests.library_builder import smooth_image

TRANSFORMS = {
    "resize": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "jpeg q30": lambda im: _jpeg(im, 30),
    "brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    "rotation": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "mirror": ImageOps.mirror,
    "rotation + mirror": lambda im: ImageOps.mirror(im.transpose(Image.Transpose.ROTATE_270)),
}


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _table(images: list[Image.Image]) -> NearIndex:
    hashes = [near_hashes(im) for im in images]
    return NearIndex(np.stack([h.phash for h in hashes]), np.stack([h.dhash for h in hashes]))


def test_hashes_round_trip_through_bytes() -> None:
    hashes = near_hashes(smooth_image((200, 150), seed=3))
    again = NearHashes.from_blob(hashes.to_blob())
    assert (again.phash == hashes.phash).all() and (again.dhash == hashes.dhash).all()
    with pytest.raises(ValueError):
        NearHashes.from_blob(b"short")


@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_each_planted_transform_is_found_and_unrelated_images_are_not(transform: str) -> None:
    originals = [smooth_image((400, 300), seed=seed) for seed in range(12)]
    copy = TRANSFORMS[transform](originals[0])
    pairs = pairs_among(_table([*originals, copy]))
    assert list(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True)) == [(0, 12)]


def _random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    high = rng.integers(0, 2**32, size=(n, 8), dtype=np.uint64) << np.uint64(32)
    return high | rng.integers(0, 2**32, size=(n, 8), dtype=np.uint64)


def _brute_force(phash: np.ndarray, dhash: np.ndarray, limit: int) -> set[tuple[int, int]]:
    found = set()
    for i in range(len(phash)):
        p = np.bitwise_count(phash[i, 0] ^ phash)
        d = np.bitwise_count(dhash[i, 0] ^ dhash)
        for j in np.flatnonzero(((p <= limit) & (d <= limit)).any(axis=1)):
            if j != i:
                found.add((min(i, int(j)), max(i, int(j))))
    return found


def test_near_pairs_equal_brute_force_and_incremental_equals_full() -> None:
    rng = np.random.default_rng(7)
    phash, dhash = _random_hashes(rng, 2000), _random_hashes(rng, 2000)
    for i in range(0, 400, 2):  # plant: row i+1 in some orientation is row i, up to 8 bits off
        flips = rng.choice(64, int(rng.integers(0, 9)), replace=False)
        orientation = int(rng.integers(0, 8))
        phash[i + 1, orientation] = phash[i, 0] ^ np.uint64(sum(1 << int(b) for b in flips))
        dhash[i + 1, orientation] = dhash[i, 0]
    index = NearIndex(phash, dhash)
    full = pairs_among(index, 8, 8)
    assert set(zip(full.a.tolist(), full.b.tolist(), strict=True)) == _brute_force(phash, dhash, 8)
    assert len(full) >= 200
    new = np.arange(1000, 2000)
    partial = pairs_between(index, new, 8, 8)
    expected = {(a, b) for a, b in zip(full.a.tolist(), full.b.tolist(), strict=True) if b >= 1000}
    assert set(zip(partial.a.tolist(), partial.b.tolist(), strict=True)) == expected


def _clustered(rng: np.random.Generator, n: int, topics: int, spread: float) -> np.ndarray:
    centres = rng.normal(size=(topics, 64))
    vectors = centres[rng.integers(0, topics, n)] + rng.normal(scale=spread, size=(n, 64))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_similar_pairs_equal_brute_force_for_a_top_k() -> None:
    rng = np.random.default_rng(3)
    vectors = _clustered(rng, 1500, topics=30, spread=0.3)
    found = similar_pairs(vectors, 0.9)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1)
    expected = set()
    for i in range(len(vectors)):
        best = [j for j in np.argsort(-sims[i])[:TOP_K] if sims[i, j] >= 0.9]
        expected |= {(min(i, j), max(i, j)) for j in best}
    got = set(zip(found.a.tolist(), found.b.tolist(), strict=True))
    assert expected and len(got & expected) / len(expected) >= 0.99
    assert all(sims[a, b] >= 0.9 - 1e-5 for a, b in got)


def test_union_find_joins_chains_and_the_cap_stops_them() -> None:
    a = np.arange(0, 9)
    b = np.arange(1, 10)  # a chain 0-1-2-...-9
    strength = np.linspace(1.0, 0.9, 9)
    assert [len(g) for g in groups_from_pairs(10, a, b, strength)] == [10]
    capped = groups_from_pairs(10, a, b, strength, cap=4)
    assert all(len(g) <= 4 for g in capped) and sum(len(g) for g in capped) >= 8


def test_clusters_count_rule_representatives_and_assign() -> None:
    assert cluster_count(100) == 7 and cluster_count(10) == MIN_CLUSTERS
    assert cluster_count(10_000_000) == MAX_CLUSTERS
    rng = np.random.default_rng(1)
    vectors = _clustered(rng, 600, topics=3, spread=0.05)
    result = cluster(vectors)
    assert len(result.centroids) == cluster_count(600)
    for label in range(len(result.centroids)):
        for row in result.representatives(label, 3):
            assert result.labels[row] == label
    labels, _ = assign(vectors[:50], result.centroids)
    assert (labels == result.labels[:50]).all()
