"""Building image libraries in tmp_path: noise and photo-like pictures, in any format."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def noise_image(size: tuple[int, int] = (64, 64), seed: int = 0, mode: str = "RGB") -> Image.Image:
    """Random pixels: every seed gives different content, and so a different content id."""
    rng = np.random.default_rng(seed)
    channels = len(mode) if mode in ("RGB", "RGBA") else 1
    shape = (size[1], size[0], channels) if channels > 1 else (size[1], size[0])
    image = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8))
    return image if image.mode == mode else image.convert(mode)


def smooth_image(size: tuple[int, int] = (256, 256), seed: int = 0) -> Image.Image:
    """A photo-like picture: coarse random blobs, smoothly upscaled."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))
    return coarse.resize(size, Image.Resampling.BICUBIC)


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


class LibraryBuilder:
    """A folder of images under tmp_path, written file by file by the test."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def save(self, name: str, image: Image.Image, **options: Any) -> Path:
        target = self.path(name)
        image.save(target, **options)
        return target

    def noise(self, name: str, size: tuple[int, int] = (64, 64), seed: int = 0, **opts) -> Path:
        return self.save(name, noise_image(size, seed), **opts)

    def write(self, name: str, data: bytes) -> Path:
        target = self.path(name)
        target.write_bytes(data)
        return target

    def many(self, count: int, size: tuple[int, int] = (48, 48), folder: str = "") -> list[Path]:
        """count distinct small JPEGs, spread over a few subfolders."""
        return [
            self.noise(f"{folder}{'/' if folder else ''}set{i % 4}/img{i:04d}.jpg", size, seed=i)
            for i in range(count)
        ]
