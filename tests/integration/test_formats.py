"""Every supported format is indexed with its true size and format name."""

from __future__ import annotations

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from tests.library_builder import encode, noise_image, smooth_image

pillow_heif.register_heif_opener()


def heic_bytes(image: Image.Image) -> bytes:
    """HEIC made by pillow_heif; fails the test (not skips it) if this build cannot encode."""
    try:
        return encode(image, "HEIF", quality=90)
    except (KeyError, OSError, ValueError) as exc:  # pragma: no cover - depends on the build
        pytest.fail(f"the installed pillow_heif cannot encode HEIC: {exc}")


FORMATS = [
    ("photo.jpg", "JPEG", (97, 61), lambda im: encode(im, "JPEG", quality=90)),
    ("photo.jpeg", "JPEG", (40, 90), lambda im: encode(im, "JPEG")),
    ("image.png", "PNG", (83, 47), lambda im: encode(im, "PNG")),
    ("image.webp", "WEBP", (70, 35), lambda im: encode(im, "WEBP", quality=80)),
    ("image.bmp", "BMP", (33, 65), lambda im: encode(im, "BMP")),
    ("image.tif", "TIFF", (52, 52), lambda im: encode(im, "TIFF")),
    ("image.tiff", "TIFF", (64, 30), lambda im: encode(im, "TIFF", compression="tiff_lzw")),
    ("image.heic", "HEIF", (96, 64), heic_bytes),
]


def test_every_format_is_indexed_with_size_and_format(pictor, library) -> None:
    for seed, (name, _, size, make) in enumerate(FORMATS):
        library.write(name, make(smooth_image(size, seed=seed)))

    summary = pictor.index(library.root)

    assert summary.errors == [] and summary.new == len(FORMATS)
    for name, fmt, size, _ in FORMATS:
        row = pictor.image_for(library.root / name)
        assert (row["format"], row["width"], row["height"]) == (fmt, *size), name
        assert pictor.library.thumbs.has(row["content_id"]), name


def test_animated_gif_is_indexed_from_its_first_frame(pictor, library) -> None:
    red = Image.new("RGB", (80, 40), (255, 0, 0))
    blue = Image.new("RGB", (80, 40), (0, 0, 255))
    green = Image.new("RGB", (80, 40), (0, 255, 0))
    gif = library.save("anim.gif", red, save_all=True, append_images=[blue, green], duration=100)
    with Image.open(gif) as check:
        assert check.n_frames == 3

    pictor.index(library.root)

    row = pictor.image_for(gif)
    assert (row["format"], row["width"], row["height"]) == ("GIF", 80, 40)
    with Image.open(pictor.library.thumbs.path_for(row["content_id"])) as thumb:
        r, g, b = thumb.convert("RGB").getpixel((thumb.width // 2, thumb.height // 2))
    assert r > 200 and g < 60 and b < 60  # red, not the blue or green frames


def test_cmyk_palette_alpha_and_16_bit_images(pictor, library) -> None:
    cmyk = library.save("print.jpg", smooth_image((64, 48), seed=1).convert("CMYK"))
    palette = library.save("palette.png", smooth_image((50, 50), seed=2).convert("P"))
    palette_gif = library.save("palette.gif", smooth_image((30, 20), seed=3).convert("P"))
    alpha = noise_image((40, 40), seed=4, mode="RGBA")
    alpha_png = library.save("alpha.png", alpha)
    alpha_webp = library.save("alpha.webp", alpha, lossless=True)
    grey_la = library.save("grey-alpha.png", noise_image((20, 20), seed=5).convert("LA"))
    ramp = np.tile(np.linspace(0, 65535, 128), (64, 1)).astype(np.uint16)
    sixteen = library.save("sixteen.png", Image.fromarray(ramp))
    with Image.open(sixteen) as check:
        assert check.mode.startswith("I")  # really 16 bits per pixel on disk

    summary = pictor.index(library.root)

    assert summary.errors == [] and summary.new == 7
    expected = {
        cmyk: ("JPEG", 64, 48),
        palette: ("PNG", 50, 50),
        palette_gif: ("GIF", 30, 20),
        alpha_png: ("PNG", 40, 40),
        alpha_webp: ("WEBP", 40, 40),
        grey_la: ("PNG", 20, 20),
        sixteen: ("PNG", 128, 64),
    }
    for path, (fmt, width, height) in expected.items():
        row = pictor.image_for(path)
        assert (row["format"], row["width"], row["height"]) == (fmt, width, height), path.name

    content_id = pictor.image_for(sixteen)["content_id"]
    with Image.open(pictor.library.thumbs.path_for(content_id)) as thumb:
        grey = np.asarray(thumb.convert("L"))
    # The dark-to-light ramp survives, scaled to 8 bits rather than clipped to white.
    assert grey.min() < 30 and grey.max() > 220
    assert 80 < grey[:, grey.shape[1] // 2].mean() < 180
