"""Perceptual hashes' distance, and the reduced (draft-mode) JPEG decode they start from
(hashes of indexed files: tests/integration/test_hashing.py)."""

from __future__ import annotations

from PIL import Image, JpegImagePlugin

from indexing.ingest.decode import decode
from indexing.ingest.hashing import hamming
from tests.library_builder import encode


def test_hamming_counts_differing_bits_on_signed_values() -> None:
    assert hamming(0, 0) == 0
    assert hamming(-1, 0) == 64  # all 64 bits set, as stored by SQLite
    assert hamming(0b1011, 0b0001) == 2


def test_large_jpeg_is_decoded_in_draft_mode_but_keeps_its_full_size(monkeypatch) -> None:
    data = encode(Image.new("RGB", (3000, 2000), (90, 140, 200)), "JPEG", quality=80)
    drafts: list[tuple] = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        drafts.append((mode, size))
        return real_draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)

    decoded = decode(data, min_side=320, max_pixels=10**9)

    assert drafts, "JPEG was not decoded in draft mode"
    assert (decoded.width, decoded.height) == (3000, 2000)
    assert decoded.pixels.width < 3000 and decoded.pixels.height < 2000
    assert min(decoded.pixels.size) >= 320
