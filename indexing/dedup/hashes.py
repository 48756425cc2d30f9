"""Near-duplicate hashes that know about rotations and mirrors, from one small grayscale.

A rotated or mirrored copy is the same picture, so an image carries its hashes in all 8
orientations of the dihedral group (4 rotations, each optionally mirrored) and two images
are compared upright against each orientation of the other.

Two 64-bit words per orientation, both from ONE 48x48 grayscale (the 320 px thumbnail,
reduced by area averaging):
- pHash (63 bits): the SIGNS of the 63 AC coefficients of the 8x8 lowest-frequency DCT
  block. Signs, not "above the median" as in classic pHash: mirroring the image changes
  the sign of coefficient (u, v) by (-1)^v (rows: (-1)^u) and transposing swaps u and v,
  so every orientation's hash is a fixed bit permutation plus a fixed XOR mask of the
  upright one. The DC term is left out, so a uniform brightness offset changes nothing,
  and a contrast change (a scale) changes nothing either.
- dHash (60 bits): the signs of the horizontal and vertical gradients of the 6x6 block
  means (30 + 30). A mirror or transpose maps each gradient onto another one, negated or
  not, so it is a permutation plus a mask too.
Because both are exactly equivariant, the distance between two images is the same
whichever one is taken upright: an incremental update finds the same pairs as a full run.
The stored orientations are derived from the upright bits by those permutations, never
re-thresholded, so the equivariance is exact even for coefficients that are 0.

Why these two (measured during development on bench/dedup_bench.py's generator: 300
generated photos, 10 % of them dark and 5 % nearly flat; the figures are per planted copy,
best orientation, in bits):

    transform     pHash p50/p95/max   dHash p50/p95/max   pHash+dHash p95/max
    resize 50 %        0 / 6 / 19          0 / 3 / 14           9 / 24
    JPEG q30           0 / 14 / 26         0 / 9 / 23          22 / 49
    +15 % bright       1 / 10 / 26         0 / 4 / 12          13 / 29
    rotate 90          0 / 5 / 16          0 / 1 / 5            6 / 18
    mirror (WebP)      0 / 8 / 24          0 / 5 / 16          12 / 39
    10 % crop         10 / 17 / 29         6 / 12 / 22         (similar tier)
    unrelated pairs   median 26, min 9     median 24, min 0    min 13, 2 pairs <= 22

The misses are smooth gradients, dark and nearly flat pictures, whose AC coefficients are
mostly noise; the dHash, which only needs the coarse gradient, keeps most of those, while
it cannot tell two smooth pictures apart on its own (unrelated pairs at 0 bits). The sum
separates best, hence near.py's threshold on pHash + dHash. The median-pHash and 9x8
dHash of imagehash were measured too: similar spread, but not equivariant (a third of the
pairs got a different distance from each side).

Cost: about 0.2 ms per 320 px thumbnail (convert, one reduction, two 8x48 matrix
products). The same function recomputes hashes for old catalogs from stored thumbnails.

Blob layout (what the catalog stores, 128 bytes): the 8 pHashes then the 8 dHashes, each
a little-endian uint64, orientation t at position t. Orientation t applies, to the upright
image, a transpose if t & 4, then a left-right mirror if t & 1, then an upside-down flip
if t & 2 (t = 0 upright, 1 mirror, 3 rotated 180, 5 rotated 90 clockwise, 6 rotated 90
counter-clockwise). pHash bit 63 and dHash bits 60-63 are always 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from PIL import Image

ORIENTATIONS = 8
BLOB_BYTES = 2 * ORIENTATIONS * 8
PHASH_BITS = 63
DHASH_BITS = 60
GRAY_SIZE = 48  # one reduction serves both: 8x8 DCT block and 6x6 block means
DCT_SIZE = 8
GRID = 6
SEGMENTS = 3  # the pHash bit order keeps each 21-bit segment closed under transposition

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class NearHashes:
    """One image's hashes in all 8 orientations; index 0 is upright."""

    phash: U64  # (8,)
    dhash: U64  # (8,)

    def to_blob(self) -> bytes:
        return to_blob(self)

    @classmethod
    def from_blob(cls, blob: bytes) -> NearHashes:
        return from_blob(blob)


def to_blob(hashes: NearHashes) -> bytes:
    """128 bytes: 8 pHashes then 8 dHashes, little-endian uint64 (see the module doc)."""
    return hashes.phash.astype("<u8").tobytes() + hashes.dhash.astype("<u8").tobytes()


def from_blob(blob: bytes) -> NearHashes:
    if len(blob) != BLOB_BYTES:
        raise ValueError(f"near hashes are {BLOB_BYTES} bytes, not {len(blob)}")
    values = np.frombuffer(blob, dtype="<u8").astype(np.uint64)
    return NearHashes(values[:ORIENTATIONS].copy(), values[ORIENTATIONS:].copy())


def arrays_from_blobs(blobs: Sequence[bytes]) -> tuple[U64, U64]:
    """(N, 8) pHash and dHash arrays from N blobs in one pass (for loading a catalog)."""
    if any(len(blob) != BLOB_BYTES for blob in blobs):
        raise ValueError(f"near hashes are {BLOB_BYTES} bytes each")
    values = np.frombuffer(b"".join(blobs), dtype="<u8").astype(np.uint64)
    values = values.reshape(len(blobs), 2, ORIENTATIONS)
    return values[:, 0].copy(), values[:, 1].copy()


def near_hashes(pixels: Image.Image) -> NearHashes:
    """All 16 hashes of an upright image of any size and mode (a thumbnail is plenty)."""
    gray = pixels if pixels.mode == "L" else pixels.convert("L")
    small = np.asarray(
        gray.convert("F").resize((GRAY_SIZE, GRAY_SIZE), Image.Resampling.BOX), dtype=np.float64
    )
    basis = _dct_basis()
    coefficients = (basis @ small @ basis.T).reshape(-1)  # row-major (u, v)
    order, _, _ = _phash_layout()
    phash_bits = coefficients[order] > 0
    step = GRAY_SIZE // GRID
    means = small.reshape(GRID, step, GRID, step).mean(axis=(1, 3))
    dhash_bits = np.concatenate(
        [(means[:, 1:] > means[:, :-1]).reshape(-1), (means[1:, :] > means[:-1, :]).reshape(-1)]
    )
    return NearHashes(
        _pack(_oriented_bits(phash_bits, *_phash_layout()[1:])),
        _pack(_oriented_bits(dhash_bits, *_dhash_layout())),
    )


def all_orientations(phash: U64, dhash: U64) -> tuple[U64, U64]:
    """(N, 8) hashes from N upright pHashes and dHashes: a catalog could store 16 bytes
    per image and derive the rest (used by the benchmark's synthetic libraries)."""
    up_p = _unpack(np.asarray(phash, dtype=np.uint64))[:, :PHASH_BITS]
    up_d = _unpack(np.asarray(dhash, dtype=np.uint64))[:, :DHASH_BITS]
    out = []
    for bits, (source, flip) in ((up_p, _phash_layout()[1:]), (up_d, _dhash_layout())):
        oriented = np.zeros((len(bits), ORIENTATIONS, 64), dtype=bool)
        oriented[:, :, : source.shape[1]] = bits[:, source] ^ flip
        packed = np.packbits(oriented, axis=2, bitorder="little")
        out.append(packed.view("<u8").reshape(len(bits), ORIENTATIONS).astype(np.uint64))
    return out[0], out[1]


def hamming(a: U64, b: U64) -> npt.NDArray[np.uint8]:
    """Elementwise differing bits of two uint64 arrays (broadcasting)."""
    return np.bitwise_count(np.bitwise_xor(a, b))


def _oriented_bits(upright: np.ndarray, source: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """(8, 64) bits: orientation t's bit i is upright bit source[t, i], XOR flip[t, i]."""
    bits = np.zeros((ORIENTATIONS, 64), dtype=bool)
    bits[:, : source.shape[1]] = upright[source] ^ flip
    return bits


def _pack(bits: np.ndarray) -> U64:
    """(8, 64) bools to 8 uint64s, bit i of each word = bits[:, i]."""
    packed = np.packbits(bits, axis=1, bitorder="little")
    return packed.view("<u8").reshape(-1).astype(np.uint64)


def _unpack(words: U64) -> np.ndarray:
    """(N,) uint64 to (N, 64) bools, bit i in column i."""
    as_bytes = words.astype("<u8").view(np.uint8).reshape(len(words), 8)
    return np.unpackbits(as_bytes, axis=1, bitorder="little").astype(bool)


def _transform(t: int, grid: np.ndarray) -> np.ndarray:
    out = grid.T if t & 4 else grid
    if t & 1:
        out = out[:, ::-1]
    if t & 2:
        out = out[::-1, :]
    return out


@cache
def _dct_basis() -> np.ndarray:
    """The first 8 rows of the orthonormal DCT-II matrix for 48 samples."""
    k = np.arange(DCT_SIZE)[:, None]
    n = np.arange(GRAY_SIZE)[None, :]
    basis = np.sqrt(2.0 / GRAY_SIZE) * np.cos(np.pi * (2 * n + 1) * k / (2 * GRAY_SIZE))
    basis[0] /= np.sqrt(2.0)
    return basis


@cache
def _phash_layout() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit order of the pHash, and each orientation's (source bit, sign flip) tables.

    The 63 AC coefficients go to 3 segments of 21 bits (near.py indexes them), each
    closed under transposition ((u, v) and (v, u) in the same segment, so a pair has the
    same distance per segment from both sides) and each mixing low and high frequencies.
    """
    pairs = [(u, v) for u in range(DCT_SIZE) for v in range(u + 1, DCT_SIZE)]
    pairs.sort(key=lambda uv: (uv[0] + uv[1], uv[1]))
    diagonal = [(u, u) for u in range(1, DCT_SIZE)]
    segments: list[list[tuple[int, int]]] = [[] for _ in range(SEGMENTS)]
    for n, (u, v) in enumerate(pairs):
        segments[n % SEGMENTS] += [(u, v), (v, u)]
    width = PHASH_BITS // SEGMENTS
    for uv in diagonal:
        segments[max(range(SEGMENTS), key=lambda s: width - len(segments[s]))].append(uv)
    layout = [uv for segment in segments for uv in segment]
    position = {uv: i for i, uv in enumerate(layout)}
    order = np.array([u * DCT_SIZE + v for u, v in layout])
    source = np.empty((ORIENTATIONS, PHASH_BITS), dtype=np.int64)
    flip = np.zeros((ORIENTATIONS, PHASH_BITS), dtype=bool)
    for t in range(ORIENTATIONS):
        for i, (u, v) in enumerate(layout):
            source[t, i] = position[(v, u) if t & 4 else (u, v)]
            flip[t, i] = bool((t & 1 and v % 2) ^ (t & 2 and u % 2))
    return order, source, flip


@cache
def _dhash_layout() -> tuple[np.ndarray, np.ndarray]:
    """Each orientation's (source bit, complement) tables for the gradient-sign dHash.

    Upright bit r*5+c is cell (r, c+1) > cell (r, c); bit 30+r*6+c is (r+1, c) > (r, c).
    In an oriented grid each gradient joins two cells that were neighbours upright too,
    in the same or the opposite direction (then the bit is complemented).
    """
    cells = np.arange(GRID * GRID).reshape(GRID, GRID)
    upright = _gradients(cells)
    source = np.empty((ORIENTATIONS, DHASH_BITS), dtype=np.int64)
    flip = np.zeros((ORIENTATIONS, DHASH_BITS), dtype=bool)
    for t in range(ORIENTATIONS):
        for i, (start, end) in enumerate(_gradients(_transform(t, cells))):
            forward = (start, end) in upright
            source[t, i] = upright[(start, end) if forward else (end, start)]
            flip[t, i] = not forward
    return source, flip


def _gradients(cells: np.ndarray) -> dict[tuple[int, int], int]:
    """(from cell, to cell) -> bit position: horizontal gradients, then vertical."""
    edges = [(int(cells[r, c]), int(cells[r, c + 1])) for r in range(GRID) for c in range(GRID - 1)]
    edges += [
        (int(cells[r, c]), int(cells[r + 1, c])) for r in range(GRID - 1) for c in range(GRID)
    ]
    return {edge: i for i, edge in enumerate(edges)}
