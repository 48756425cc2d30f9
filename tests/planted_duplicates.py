"""A library with planted duplicates: an original, its near copies and a crop, unrelated
images and one exact copy."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

from tests.library_builder import smooth_image


def planted(library) -> dict[str, Path]:
    """An original with five near copies and a crop, unrelated images, one exact copy."""
    original = smooth_image((640, 480), seed=100)
    files = {"original": library.save("original.jpg", original, quality=92)}
    files["small"] = library.save("small.jpg", original.resize((320, 240)), quality=90)
    buffer = io.BytesIO()
    original.save(buffer, "JPEG", quality=30)
    files["q30"] = library.write("q30.jpg", buffer.getvalue())
    files["bright"] = library.save("bright.png", ImageEnhance.Brightness(original).enhance(1.15))
    files["rotated"] = library.save("rotated.jpg", original.transpose(Image.Transpose.ROTATE_90))
    files["mirror"] = library.save("mirror.webp", ImageOps.mirror(original), quality=90)
    files["crop"] = library.save("crop.jpg", original.crop((32, 24, 608, 456)), quality=92)
    for n in range(5):
        files[f"other{n}"] = library.save(
            f"other{n}.jpg", smooth_image((640, 480), seed=n), quality=90
        )
    files["copy"] = library.write("sub/copy.jpg", files["other0"].read_bytes())
    return files
