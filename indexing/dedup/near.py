"""Near-identical pairs without comparing every pair: multi-index hashing over pHash segments.

Two images are near-identical when, in one of the 8 orientations, their pHashes differ in
at most PHASH_THRESHOLD bits AND their dHashes in at most DHASH_THRESHOLD bits (both 10).
A pair's `distance` and `dhash_distance` are taken in the orientation where the larger of
the two is smallest, so "both <= t" is exactly "near at threshold t", for any t.

Calibration (measured during development on bench/dedup_bench.py's generator: 300
generated photos, every original against every other in all 8 orientations = 44,850
unrelated pairs; recall is over planted copies):

    rule                 unrelated pairs kept   recall over resize, q30, +15 %, rot90, mirror
    pHash <= 8                    0                 0.975
    pHash <= 10                   1                 0.981
    both <= 10 (chosen)           0                 0.975 (JPEG q30 0.927, the others >= 0.977)
    both <= 12                    2                 0.982
    pHash + dHash <= 20           3                 0.989

One wrong link merges two whole groups, so the choice is the loosest rule with no
unrelated pair: both <= 10. The pairs it misses are dark or nearly flat pictures re-saved
at JPEG quality 30 (noise-level detail); union-find recovers some through the other
copies of the same picture. A smooth gradient is the typical unrelated pair at 11-16 bits.

Finding the pairs (compared with a BK-tree and a brute-force scan during development):
every image's 8 oriented pHashes go in an index; the 63 bits form 3 segments of 21 (each
closed under transposition, see hashes.py). Two hashes within t bits of each other differ
in at most t // 3 bits of at least one segment (pigeonhole), so probing each query's 3
segments with every pattern of up to r = t // 3 flipped bits finds EVERY pair within
t <= 3r + 2 bits: r = 3 (1,562 probes per segment) is exact up to 11 bits, the default;
r = 2 (232 probes) is exact up to 8 bits and finds 90 % of 9-bit and 75 % of 10-bit
pairs (uniform hashes), at a seventh of the time. A probe is two reads in a bucket table
(2^21 offsets into the entries sorted by that segment), and each candidate is then
checked on the full 63 + 60 bits. With uniform hashes a query meets 3 x 1,562 x 8N / 2^21
candidates: 1,800 at 100,000 images.

Pairs are symmetric by construction (equivariant hashes, segments closed under
transposition), so `pairs_between(index, new)`, the incremental form, finds exactly the
pairs of the new images that `pairs_among` finds, and each pair is checked from one side
only. Queries run in batches of bounded size whatever N is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

from indexing.dedup.hashes import ORIENTATIONS, PHASH_BITS, SEGMENTS
from indexing.dedup.unionfind import group_pairs

PHASH_THRESHOLD = 10
DHASH_THRESHOLD = 10
MAX_RADIUS = 3  # exact up to 3 * 3 + 2 = 11 bits
EXACT_UP_TO = 200_000  # images; beyond, radius 2
WIDTH = PHASH_BITS // SEGMENTS  # 21
PROBE_BATCH = 1 << 21  # query x probe lookups per vectorised step
CANDIDATE_BATCH = 1 << 22  # candidates verified per vectorised step

U64 = npt.NDArray[np.uint64]
Rows = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Pairs:
    """Pairs of row indices (a < b), in the orientation where they are nearest."""

    a: Rows
    b: Rows
    distance: Rows  # pHash bits
    dhash_distance: Rows  # dHash bits, same orientation
    orientation: npt.NDArray[np.int8]  # b's orientation t, compared with a upright

    def __len__(self) -> int:
        return len(self.a)

    def within(self, threshold: int, dhash_threshold: int | None = None) -> Pairs:
        """The pairs that are near at a stricter threshold (both distances at most it)."""
        dhash_threshold = threshold if dhash_threshold is None else dhash_threshold
        keep = (self.distance <= threshold) & (self.dhash_distance <= dhash_threshold)
        return Pairs(*(field[keep] for field in self._fields()))

    def _fields(self) -> tuple[np.ndarray, ...]:
        return self.a, self.b, self.distance, self.dhash_distance, self.orientation


class NearIndex:
    """N images' pHashes in all 8 orientations, bucketed by each 21-bit segment.

    Per segment: the entries (row * 8 + orientation) sorted by the segment's value, their
    pHashes in that order (so a bucket's candidates are read sequentially, and only the
    few that pass are looked up by entry), and each bucket's start and count.
    """

    def __init__(self, phash: U64, dhash: U64):
        if phash.shape != dhash.shape or phash.ndim != 2 or phash.shape[1] != ORIENTATIONS:
            raise ValueError("phash and dhash must both be (N, 8) arrays")
        if phash.size >= 1 << 31:
            raise ValueError("at most 268 million images per index")
        self.phash = np.ascontiguousarray(phash, dtype=np.uint64)
        self.dhash = np.ascontiguousarray(dhash, dtype=np.uint64)
        flat = self.phash.reshape(-1)  # entry e = row * 8 + orientation
        self._order: list[npt.NDArray[np.int32]] = []
        self._sorted: list[U64] = []
        self._starts: list[npt.NDArray[np.int32]] = []
        self._counts: list[npt.NDArray[np.int32]] = []
        for segment in range(SEGMENTS):
            keys = _segment(flat, segment)
            order = np.argsort(keys, kind="stable").astype(np.int32)
            counts = np.bincount(keys, minlength=1 << WIDTH)
            self._order.append(order)
            self._sorted.append(flat.take(order))
            self._starts.append((np.cumsum(counts) - counts).astype(np.int32))
            self._counts.append(counts.astype(np.int32))

    def __len__(self) -> int:
        return self.phash.shape[0]

    def query(
        self,
        rows: Rows,
        threshold: int = PHASH_THRESHOLD,
        dhash_threshold: int = DHASH_THRESHOLD,
        skip: npt.NDArray[np.bool_] | None = None,
        radius: int | None = None,
    ) -> Pairs:
        """Near pairs of the query rows. A pair with another query row is kept from one
        side only: skip marks the query rows (None: every row is a query)."""
        radius = default_radius(threshold, len(self)) if radius is None else radius
        masks = _masks(radius)
        rows = np.asarray(rows, dtype=np.int64)
        found: list[Pairs] = []
        step = max(1, PROBE_BATCH // len(masks))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            for segment in range(SEGMENTS):
                for local, position in self._candidates(chunk, segment, masks, threshold):
                    entry = self._order[segment].take(position)
                    found.append(self._verify(chunk[local], entry, dhash_threshold, skip))
        return _best(found)

    def _candidates(self, rows: Rows, segment: int, masks: np.ndarray, threshold: int):
        """(query index in rows, sorted position) of the candidates whose full pHash is
        within threshold, for every probe of the rows' segment, in bounded steps."""
        upright = self.phash[rows, 0]
        keys = _segment(upright, segment).astype(np.int32)
        probes = (keys[:, None] ^ masks[None, :]).reshape(-1)
        counts = self._counts[segment].take(probes)
        hit = np.flatnonzero(counts)
        counts = counts[hit].astype(np.int64)
        starts = self._starts[segment].take(probes[hit])
        ends = np.cumsum(counts)
        first = 0
        while first < len(hit):  # no step verifies more than CANDIDATE_BATCH
            done = int(ends[first - 1]) if first else 0
            last = max(first + 1, int(np.searchsorted(ends, done + CANDIDATE_BATCH, "right")))
            n = counts[first:last]
            base = starts[first:last] - (ends[first:last] - n)
            position = np.repeat(base, n) + np.arange(done, int(ends[last - 1]))
            local = np.repeat(hit[first:last] // len(masks), n)
            bits = np.bitwise_count(self._sorted[segment].take(position) ^ upright.take(local))
            near = bits <= threshold
            yield local[near], position[near]
            first = last

    def _verify(self, query: Rows, entry: np.ndarray, dhash_threshold: int, skip) -> Pairs:
        """The dHash check, one side per pair, and the orientation seen from the lower row."""
        owner = entry.astype(np.int64) >> 3
        if skip is None:
            keep = owner > query
        else:
            keep = (owner != query) & ~(skip[owner] & (owner < query))
        query, entry, owner = query[keep], entry[keep], owner[keep]
        flat_p, flat_d = self.phash.reshape(-1), self.dhash.reshape(-1)
        p = np.bitwise_count(self.phash[query, 0] ^ flat_p.take(entry))
        d = np.bitwise_count(self.dhash[query, 0] ^ flat_d.take(entry))
        near = d <= dhash_threshold
        query, owner, entry = query[near], owner[near], entry[near]
        orientation = (entry & 7).astype(np.int8)
        # seen from the other side (the lower row upright) the orientation is the inverse:
        # the same element, except that the two quarter turns (5 and 6) swap
        turned = (query > owner) & ((orientation == 5) | (orientation == 6))
        orientation[turned] = 11 - orientation[turned]
        a, b = np.minimum(query, owner), np.maximum(query, owner)
        return Pairs(a, b, p[near].astype(np.int64), d[near].astype(np.int64), orientation)


def default_radius(threshold: int, n: int) -> int:
    """Probe radius: exact for the threshold (t // 3, at most 3) up to EXACT_UP_TO images;
    beyond, 2 (exact to 8 bits), which costs a seventh of the time at a million."""
    return min(threshold // SEGMENTS, MAX_RADIUS if n <= EXACT_UP_TO else 2)


def pairs_among(
    index: NearIndex,
    threshold: int = PHASH_THRESHOLD,
    dhash_threshold: int | None = None,
    *,
    radius: int | None = None,
) -> Pairs:
    """Every near pair among the indexed images."""
    dhash_threshold = threshold if dhash_threshold is None else dhash_threshold
    return index.query(np.arange(len(index)), threshold, dhash_threshold, radius=radius)


def pairs_between(
    index: NearIndex,
    new_rows: Rows,
    threshold: int = PHASH_THRESHOLD,
    dhash_threshold: int | None = None,
    *,
    radius: int | None = None,
) -> Pairs:
    """Every near pair with at least one row among new_rows: the incremental update."""
    dhash_threshold = threshold if dhash_threshold is None else dhash_threshold
    rows = np.unique(np.asarray(new_rows, dtype=np.int64))
    is_new = np.zeros(len(index), dtype=bool)
    is_new[rows] = True
    return index.query(rows, threshold, dhash_threshold, skip=is_new, radius=radius)


def group(pairs: Pairs, n: int, threshold: int | None = None) -> list[Rows]:
    """Near groups (2+ rows, largest first): pairs within threshold, joined transitively."""
    chosen = pairs if threshold is None else pairs.within(threshold)
    return group_pairs(n, chosen.a, chosen.b)


def _best(found: list[Pairs]) -> Pairs:
    """One row per pair: the orientation where the larger distance is smallest."""
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, empty, empty, np.zeros(0, dtype=np.int8))
    a, b, p, d, t = (
        np.concatenate(parts) for parts in zip(*(f._fields() for f in found), strict=True)
    )
    order = np.lexsort((t, p + d, np.maximum(p, d), b, a))
    a, b, p, d, t = a[order], b[order], p[order], d[order], t[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return Pairs(a[first], b[first], p[first], d[first], t[first])


@cache
def _masks(radius: int) -> npt.NDArray[np.int32]:
    """Every pattern of at most `radius` set bits in a 21-bit segment, fewest bits first."""
    masks = [0]
    for count in range(1, radius + 1):
        masks += [sum(1 << bit for bit in bits) for bits in combinations(range(WIDTH), count)]
    return np.array(masks, dtype=np.int32)


def _segment(values: U64, segment: int) -> npt.NDArray[np.int64]:
    shifted = np.right_shift(values, np.uint64(segment * WIDTH))
    return np.bitwise_and(shifted, np.uint64((1 << WIDTH) - 1)).astype(np.int64)
