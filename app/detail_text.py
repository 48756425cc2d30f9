"""The viewer's "Text in the image" section: the lines read in the image (OCR), in a box
where they can be selected, a Copy text button, and on request the boxes of the words
asked for (or of every line) drawn over the image.

It follows the image shown (the panel's `selected` state; app/detail.py fills it with
values()); the boxes are drawn on a copy of the preview, scaled from the image's full
size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image, ImageDraw, ImageFont

from app.components import COPY_JS
from app.context import AppContext
from indexing.query import details
from indexing.query.image_text import Rect, image_text, word_boxes

HIGHLIGHT = (255, 200, 0)


@dataclass
class TextView:
    section: gr.Accordion  # hidden for an image with no text read in it
    summary: gr.Markdown
    text: gr.Textbox
    copy: gr.Button
    words: gr.Textbox  # the words to highlight; empty: every line
    show_boxes: gr.Button
    hide_boxes: gr.Button

    @property
    def outputs(self) -> list[Any]:
        """What following the image fills (in values()' order)."""
        return [self.section, self.summary, self.text, self.words]


def render(prefix: str) -> TextView:
    with gr.Accordion("Text in the image", open=True, visible=False) as section:
        summary = gr.Markdown("", elem_id=f"{prefix}-text-summary")
        text = gr.Textbox(
            label="Text read in the image",
            lines=3,
            max_lines=12,
            interactive=False,
            buttons=["copy"],
            elem_id=f"{prefix}-text",
        )
        copy = gr.Button("Copy text", size="sm", elem_id=f"{prefix}-copy-text")
        words = gr.Textbox(
            label="Words to outline on the image (empty: every line)",
            placeholder="e.g. booking code",
            elem_id=f"{prefix}-text-words",
        )
        with gr.Row():
            show_boxes = gr.Button("Outline them", size="sm", elem_id=f"{prefix}-text-show")
            hide_boxes = gr.Button("Hide outlines", size="sm", elem_id=f"{prefix}-text-hide")
    copy.click(None, [text], None, js=COPY_JS % (f"{prefix}-copy-text", "Copy text"))
    return TextView(section, summary, text, copy, words, show_boxes, hide_boxes)


def values(ctx: AppContext, content_id: str | None) -> tuple:
    """Values for TextView.outputs: the section shown when text was read (or failed)."""
    if content_id is None:
        return gr.Accordion(visible=False), "", "", ""
    with ctx.catalog() as catalog:
        read = image_text(catalog, content_id)
    shown = bool(read.lines) or read.state == "failed"
    return gr.Accordion(visible=shown), read.summary(), read.text, ""


def highlighted(ctx: AppContext, content_id: str | None, words: str) -> Any:
    """The preview with the boxes of the words (every line's, words empty) drawn on it;
    unchanged where nothing matches."""
    if content_id is None:
        return gr.Image()
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        read = image_text(catalog, content_id)
    if detail is None:
        return gr.Image()
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    preview = ctx.library.previews.get(content_id, present)
    rects = word_boxes(read.lines, words)
    if preview is None or not rects:
        return gr.Image(str(preview) if preview else None)
    with Image.open(preview) as opened:
        picture = opened.convert("RGB")
    return draw_boxes(picture, rects, (detail["width"], detail["height"]))


def draw_boxes(
    picture: Image.Image,
    rects: list[Rect],
    full: tuple[int, int],
    labels: Sequence[str] = (),
    fill: int = 70,
) -> Image.Image:
    """rects (in the full image's pixels) outlined and lightly filled on a preview of it;
    labels[i] (if given) written in a tag above rect i (the viewer's face boxes)."""
    sx, sy = picture.width / max(1, full[0]), picture.height / max(1, full[1])
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line = max(2, round(min(picture.size) / 300))
    font = ImageFont.load_default(size=max(12, round(min(picture.size) / 30)))
    for index, (x0, y0, x1, y1) in enumerate(rects):
        box = (x0 * sx - line, y0 * sy - line, x1 * sx + line, y1 * sy + line)
        draw.rectangle(box, fill=(*HIGHLIGHT, fill), outline=(*HIGHLIGHT, 255), width=line)
        if index < len(labels) and labels[index]:
            _tag(draw, font, labels[index], box)
    out = picture.convert("RGBA")
    out.alpha_composite(layer)
    return out.convert("RGB")


def _tag(draw: ImageDraw.ImageDraw, font: Any, text: str, box: tuple[float, ...]) -> None:
    """text on the highlight colour, just above the box (inside it at the image's top)."""
    x0, y0 = box[0], box[1]
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = max(2, (bottom - top) // 5)
    height = bottom - top + 2 * pad
    y = y0 - height if y0 - height >= 0 else y0
    draw.rectangle((x0, y, x0 + right - left + 2 * pad, y + height), fill=(*HIGHLIGHT, 255))
    draw.text((x0 + pad - left, y + pad - top), text, fill=(0, 0, 0, 255), font=font)


def plain(ctx: AppContext, content_id: str | None) -> Any:
    """The preview without boxes."""
    if content_id is None:
        return gr.Image()
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
    if detail is None:
        return gr.Image()
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    preview = ctx.library.previews.get(content_id, present)
    return gr.Image(str(preview) if preview else None)


def listen(view: TextView, ctx: AppContext, selected: gr.State, preview: gr.Image) -> None:
    view.show_boxes.click(
        lambda cid, words: highlighted(ctx, cid, words), [selected, view.words], [preview]
    )
    view.words.submit(
        lambda cid, words: highlighted(ctx, cid, words), [selected, view.words], [preview]
    )
    view.hide_boxes.click(lambda cid: plain(ctx, cid), [selected], [preview])
