"""Perceptual hashes, and the reduced (draft-mode) JPEG decode they start from."""

from __future__ import annotations

from PIL import Image

from indexing.ingest.hashing import hamming
from tests.library_builder import encode, smooth_image


def test_every_image_has_perceptual_hashes(pictor, library) -> None:
    library.many(5)
    library.save("smooth.png", smooth_image((90, 90), seed=1))

    pictor.index(library.root)

    rows = pictor.rows("SELECT phash, dhash FROM images")
    assert len(rows) == 6
    assert all(isinstance(r["phash"], int) and isinstance(r["dhash"], int) for r in rows)
    assert len({r["phash"] for r in rows}) == 6  # different pictures, different hashes


def test_same_picture_at_two_qualities_is_near_and_another_picture_is_far(pictor, library) -> None:
    picture = smooth_image((400, 300), seed=11)
    high = library.save("high.jpg", picture, quality=95)
    low = library.save("low.jpg", picture, quality=35)
    other = library.save("other.jpg", smooth_image((400, 300), seed=12), quality=95)

    pictor.index(library.root)

    hashes = {p: pictor.image_for(p) for p in (high, low, other)}
    assert hashes[high]["content_id"] != hashes[low]["content_id"]
    near = hamming(hashes[high]["phash"], hashes[low]["phash"])
    far = hamming(hashes[high]["phash"], hashes[other]["phash"])
    assert near <= 10
    assert far > near + 10
    assert hamming(hashes[high]["dhash"], hashes[low]["dhash"]) <= 10


def test_indexed_large_jpeg_stores_full_size(pictor, library) -> None:
    big = library.write("big.jpg", encode(smooth_image((3000, 2000), seed=2), "JPEG"))
    pictor.index(library.root)
    row = pictor.image_for(big)
    assert (row["width"], row["height"]) == (3000, 2000)
    with Image.open(pictor.library.thumbs.path_for(row["content_id"])) as thumb:
        assert max(thumb.size) == pictor.settings.thumb_size
