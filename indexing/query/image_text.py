"""The text read in one image, as the viewer shows it: its lines, and the boxes of the
words asked for (the words of a search, or any the user types), to draw over the image.

Lines are stored with their boxes (four corners in the upright image's pixels); a word's
box is the part of its line's box that its characters span, which is close enough for a
highlight on printed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from indexing.store import search_text, text_reads
from indexing.store.catalog import Catalog

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in full-size pixels
WORD = re.compile(r"[^\W_]+")  # a word as the full-text index splits them


@dataclass(frozen=True, slots=True)
class ImageText:
    state: str | None  # None: not read yet; "none", "text" or "failed"
    lines: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(line["text"] for line in self.lines)

    def summary(self) -> str:
        """One sentence for the viewer: what was read, or why nothing shows."""
        if self.state is None:
            return "The text in this image has not been read yet (it is read after indexing)."
        if self.state == "failed":
            return f"The text in this image could not be read: {self.reason}"
        if not self.lines:
            return "No text was found in this image."
        count = len(self.lines)
        return f"{count} line{'s' if count != 1 else ''} of text read in this image."


def image_text(catalog: Catalog, content_id: str) -> ImageText:
    state = text_reads.state_of(catalog, content_id)
    if state is None:
        return ImageText(None)
    return ImageText(state["state"], text_reads.lines_of(catalog, content_id), state["reason"])


def word_boxes(lines: list[dict[str, Any]], words: str) -> list[Rect]:
    """The boxes to highlight: every line's (words empty), else each occurrence of each of
    the words (whole words, any case, as find matches them) in the lines."""
    wanted = {word.lower() for word in search_text.runs(words or "")}
    rects: list[Rect] = []
    for line in lines:
        box = [tuple(map(float, point)) for point in line["box"]]
        if not wanted:
            rects.append(_span(box, 0.0, 1.0))
            continue
        text = line["text"]
        for match in WORD.finditer(text):
            if match.group().lower() in wanted:
                rects.append(_span(box, match.start() / len(text), match.end() / len(text)))
    return rects


def _span(box: list[tuple[float, ...]], t0: float, t1: float) -> Rect:
    """The rectangle around the part of a line's box from t0 to t1 of its length."""
    top_left, top_right, bottom_right, bottom_left = box[:4]

    def along(a: tuple[float, ...], b: tuple[float, ...], t: float) -> tuple[float, float]:
        return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t

    points = [
        along(top_left, top_right, t0),
        along(top_left, top_right, t1),
        along(bottom_left, bottom_right, t0),
        along(bottom_left, bottom_right, t1),
    ]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)
