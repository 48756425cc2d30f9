"""Images with known text, drawn with Debian's fonts (fonts-dejavu-core, fonts-liberation):
screenshots, documents, text on photos, and a long screenshot. The tests and
bench/ocr_bench.py read them and compare what comes back with what was drawn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_NAMES = (
    "DejaVuSans.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
    "DejaVuSans-Bold.ttf",
)
WORDS = (
    "booking", "invoice", "receipt", "pharmacy", "quarterly", "targets", "meeting",
    "agenda", "station", "platform", "departure", "window", "garden", "coffee", "ticket",
    "passport", "delivery", "address", "account", "balance", "transfer", "reminder",
    "lesson", "museum", "harbour", "library", "concert", "parking", "warning", "exit",
)  # fmt: skip


def fonts() -> list[Path]:
    """The font files installed here, in FONT_NAMES order (at least one, or the tests skip)."""
    found = []
    for name in FONT_NAMES:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                found.append(folder / name)
                break
    return found


@dataclass(frozen=True)
class TextImage:
    image: Image.Image
    lines: tuple[str, ...]  # the text drawn, one string per line
    kind: str  # screenshot, document, photo, long


def phrase(rng: random.Random, words: int = 3) -> str:
    """A few dictionary words and a code ("QX7421"), the kind of thing people search for."""
    picked = rng.sample(WORDS, words)
    code = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + str(
        rng.randrange(1000, 9999)
    )
    return " ".join([*picked, code])


def photo_background(size: tuple[int, int], seed: int) -> Image.Image:
    """A photo-like picture: smooth colour blobs, some texture."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(40, 220, (5, 7, 3), dtype=np.uint8))
    smooth = coarse.resize(size, Image.Resampling.BICUBIC)
    grain = rng.normal(0, 6, (size[1], size[0], 3))
    return Image.fromarray(np.clip(np.asarray(smooth) + grain, 0, 255).astype(np.uint8))


def draw_lines(
    base: Image.Image,
    lines: list[str],
    font: Path,
    size: int,
    colour: tuple[int, int, int],
    top: int = 40,
    left: int = 40,
    spacing: float = 1.8,
    angle: float = 0.0,
    box: tuple[int, int, int] | None = None,
) -> Image.Image:
    """lines drawn on base, rotated by angle degrees about their block's centre; box: a
    plain panel (colour) behind the text, as on a sign."""
    face = ImageFont.truetype(str(font), size)
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    height = int(size * spacing)
    if box is not None:
        width = max(int(draw.textlength(line, font=face)) for line in lines)
        draw.rectangle(
            (
                left - size // 2,
                top - size // 2,
                left + width + size // 2,
                top + height * len(lines),
            ),
            fill=(*box, 255),
        )
    for n, line in enumerate(lines):
        draw.text((left, top + n * height), line, font=face, fill=(*colour, 255))
    if angle:
        centre = (left + base.width // 4, top + height * len(lines) // 2)
        layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, center=centre)
    out = base.convert("RGBA")
    out.alpha_composite(layer)
    return out.convert("RGB")


def screenshot(seed: int, size: tuple[int, int] = (1280, 800), font_size: int = 22) -> TextImage:
    rng = random.Random(seed)
    font = fonts()[seed % len(fonts())]
    lines = [phrase(rng) for _ in range(rng.randrange(4, 8))]
    bg = rng.choice([(255, 255, 255), (245, 245, 240), (30, 30, 35)])
    fg = (20, 20, 20) if sum(bg) > 300 else (230, 230, 230)
    image = draw_lines(Image.new("RGB", size, bg), lines, font, font_size, fg, top=60, left=60)
    return TextImage(image, tuple(lines), "screenshot")


def document(seed: int, size: tuple[int, int] = (1240, 1754)) -> TextImage:
    """A page photographed or scanned: paper tone, dark ink, a slight tilt, a little blur."""
    rng = random.Random(seed)
    font = fonts()[(seed + 1) % len(fonts())]
    lines = [phrase(rng, 4) for _ in range(rng.randrange(8, 14))]
    paper = Image.new("RGB", size, (238, 234, 224))
    image = draw_lines(
        paper, lines, font, 30, (25, 25, 60), top=120, left=100, angle=rng.uniform(-3, 3)
    )
    return TextImage(image.filter(ImageFilter.GaussianBlur(0.6)), tuple(lines), "document")


def text_on_photo(seed: int, size: tuple[int, int] = (1600, 1067)) -> TextImage:
    """A sign on a photo: a panel with big words, rotated a few degrees."""
    rng = random.Random(seed)
    font = fonts()[(seed + 2) % len(fonts())]
    lines = [phrase(rng, 2) for _ in range(rng.randrange(1, 3))]
    panel, ink = rng.choice([((250, 250, 250), (180, 20, 20)), ((20, 70, 160), (255, 255, 255))])
    image = draw_lines(
        photo_background(size, seed), lines, font, 64, ink,
        top=size[1] // 3, left=size[0] // 6, angle=rng.uniform(-5, 5), box=panel,
    )  # fmt: skip
    return TextImage(image, tuple(lines), "photo")


def long_screenshot(seed: int, height: int = 20_000, width: int = 1170) -> TextImage:
    """A phone's scrolling capture: many short lines from top to bottom."""
    rng = random.Random(seed)
    font = fonts()[seed % len(fonts())]
    image = Image.new("RGB", (width, height), (255, 255, 255))
    lines = []
    every = 900
    for n, top in enumerate(range(80, height - 100, every)):
        line = phrase(rng, 2)
        lines.append(line)
        image = _draw_at(image, line, font, 34, top, n)
    return TextImage(image, tuple(lines), "long")


def _draw_at(image: Image.Image, line: str, font: Path, size: int, top: int, n: int) -> Image.Image:
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(font), size)
    draw.text((60, top), line, font=face, fill=(20, 20, 20) if n % 2 else (20, 60, 140))
    return image


def plain_photo(seed: int, size: tuple[int, int] = (3000, 2000)) -> Image.Image:
    """A photo without text."""
    return photo_background(size, seed).filter(ImageFilter.GaussianBlur(1.5))


def words_of(lines: tuple[str, ...] | list[str]) -> list[str]:
    return [word.lower() for line in lines for word in line.split()]
