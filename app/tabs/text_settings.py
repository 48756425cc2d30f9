"""The Library tab's "Text in images" settings: whether indexing reads the text in images
(OCR, PICTOR_OCR), and how far it has got."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.context import AppContext
from indexing.names.wording import plural


@dataclass
class TextSettings:
    enabled: gr.Checkbox
    status: gr.Markdown


def describe(ctx: AppContext) -> str:
    """What has been read so far, in one line."""
    with ctx.catalog() as catalog:
        counts = ctx.library.status(catalog)["text"]
    read = f"{plural(counts['read'], 'image')} read, {counts['with_text']:,} with text"
    failed = f", {counts['failed']:,} could not be read" if counts["failed"] else ""
    pending = f", {counts['pending']:,} waiting" if counts["pending"] else ""
    off = " Reading is off: indexing leaves the text alone." if not ctx.settings.ocr else ""
    return f"{read}{failed}{pending}.{off}"


def render(ctx: AppContext) -> TextSettings:
    with gr.Accordion("Text in images", open=False):
        enabled = gr.Checkbox(
            value=ctx.settings.ocr,
            label="Read the text in images after indexing (OCR, on this machine)",
            elem_id="ocr-enabled",
        )
        status = gr.Markdown("", elem_id="ocr-status")
        gr.Markdown(
            "Words in screenshots, documents, signs and memes become searchable by name "
            "(`find`, and Search's Names and metadata mode; `text:word` for those alone). "
            "Reading runs after the rest of indexing; a photo without text costs little. "
            "The choice applies until the app restarts; set `PICTOR_OCR=off` to make it "
            "permanent."
        )
    return TextSettings(enabled, status)


def listen(panel: TextSettings, ctx: AppContext, demo: gr.Blocks | None = None) -> None:
    def toggle(on: bool) -> str:
        ctx.set_stage("ocr", bool(on))
        return describe(ctx)

    panel.enabled.change(toggle, [panel.enabled], [panel.status])
    if demo is not None:
        demo.load(lambda: describe(ctx), None, panel.status, queue=False)
