"""Content identity, and the perceptual hashes as the catalog stores them.

The content id is BLAKE2b-128 of the whole file. See the README ("Content identity") for why
a full hash rather than a partial one: the indexer reads every new file completely anyway to
decode it, so hashing the same bytes in memory costs about 1 ms per 1 MB, and it makes
identity exact. Unchanged files are never hashed again (size and mtime decide).
"""

from __future__ import annotations

import hashlib

_SIGN_BIT = 1 << 63


def content_id(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def to_signed(value: int) -> int:
    """64 hash bits as a signed integer, which is what SQLite stores natively.

    The pHash and dHash columns hold the upright hashes of indexing.dedup.hashes (computed
    from the thumbnail once, with the 7 other orientations the near tier compares).
    """
    value = int(value)
    return value - (1 << 64) if value & _SIGN_BIT else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()
