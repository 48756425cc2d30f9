"""The detail panel every tab shares: the clicked image large, its metadata, its rating.

Library, Search and Filters each render one (with their own element ids and action
buttons) and wire it to their gallery; the rating editor saves through the same
RatingService as the Rate tab and `launch.py rate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.components import detail_markdown
from app.context import AppContext
from app.safe_text import literal
from indexing.curate.rating_service import RatingService
from indexing.errors import PictorError
from indexing.query import details


@dataclass
class DetailPanel:
    preview: gr.Image
    meta: gr.Markdown
    score: gr.Number
    save: gr.Button
    clear: gr.Button
    message: gr.Markdown
    buttons: list[gr.Button]  # the tab's own actions (e.g. Find similar)
    why: gr.Gallery  # for a predicted rating: the rated images nearest to this one
    selected: gr.State  # the content id shown

    @property
    def outputs(self) -> list[Any]:
        return [self.preview, self.meta, self.score, self.message, self.why, self.selected]


def render(
    *,
    image_id: str,
    meta_id: str,
    prefix: str,
    hint: str,
    height: int = 560,
    buttons: tuple[tuple[str, str], ...] = (),
) -> DetailPanel:
    with gr.Row():
        preview = gr.Image(
            label="Image", type="filepath", interactive=False, height=height, elem_id=image_id
        )
        with gr.Column():
            meta = gr.Markdown(hint, elem_id=meta_id)
            with gr.Row(equal_height=True):
                score = gr.Number(
                    label="Your rating (0–10)",
                    minimum=0,
                    maximum=10,
                    step=0.5,
                    elem_id=f"{prefix}-score",
                )
                save = gr.Button("Save rating", size="sm", elem_id=f"{prefix}-save-rating")
                clear = gr.Button("Clear rating", size="sm", elem_id=f"{prefix}-clear-rating")
            message = gr.Markdown("", elem_id=f"{prefix}-rating-message")
            made = [gr.Button(label, elem_id=elem_id) for label, elem_id in buttons]
            why = gr.Gallery(
                label="Why this prediction: the rated images nearest to it",
                columns=5,
                height="auto",
                allow_preview=False,
                visible=False,
                elem_id=f"{prefix}-why",
            )
    return DetailPanel(preview, meta, score, save, clear, message, made, why, gr.State(None))


def show(ctx: AppContext, content_id: str | None, hint: str, message: str = "") -> tuple:
    """Panel values (preview, meta, score, message, why, selected) for one image."""
    hidden = gr.Gallery(visible=False)
    if content_id is None:
        return None, hint, None, "", hidden, None
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        neighbours = _why(ctx, catalog, detail) if detail else []
    if detail is None:
        return None, "This image is no longer in the catalog.", None, "", hidden, None
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    preview = ctx.library.previews.get(content_id, present)
    return (
        str(preview) if preview else None,
        detail_markdown(detail),
        detail.get("rating"),
        message,
        gr.Gallery(value=neighbours, visible=bool(neighbours)),
        content_id,
    )


def _why(ctx: AppContext, catalog, detail: dict) -> list[tuple[str, str]]:
    """Thumbnails of the rated images nearest to a predicted one, captioned with ratings."""
    if detail.get("predicted") is None or detail.get("rating") is not None:
        return []
    from evaluator.explain import nearest_rated

    try:
        mirror = ctx.library.vector_mirror().sync(ctx.library.vectors())  # at most every 5 s
        found = nearest_rated(catalog, mirror, detail["content_id"])
    except Exception:  # no vectors here (no weights, a Chroma server away): nothing to show
        return []
    thumbs = ctx.library.thumbs
    return [(str(thumbs.path_for(n.content_id)), f"{n.rating:g} yours · {n.similarity:.2f} alike")
            for n in found if thumbs.has(n.content_id)]  # fmt: skip


def listen(panel: DetailPanel, ctx: AppContext, gallery: gr.Gallery, ids: gr.State) -> None:
    hint = "Click an image to see it here."

    def selected(ids_shown: list[str], evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else None
        inside = index is not None and 0 <= index < len(ids_shown)
        return show(ctx, ids_shown[index] if inside else None, hint)

    def rate(content_id: str | None, score: float | None, clear: bool = False):
        if content_id is None:
            return show(ctx, None, hint, "Click an image first.")
        if score is None and not clear:
            return show(ctx, content_id, hint, "Type a score from 0 to 10 first.")
        try:
            result = RatingService(ctx.library).rate(content_id, None if clear else score)
        except PictorError as exc:
            return show(ctx, content_id, hint, f"⚠️ {literal(exc)}")
        said = "Rating cleared." if clear else f"Saved: {result.change.rating:g}."
        notes = [said, *(f"⚠️ {literal(w)}" for w in result.warnings)]
        return show(ctx, content_id, hint, "  \n".join(notes))

    gallery.select(selected, [ids], panel.outputs)
    panel.save.click(rate, [panel.selected, panel.score], panel.outputs)
    panel.score.submit(rate, [panel.selected, panel.score], panel.outputs)
    panel.clear.click(lambda cid: rate(cid, None, clear=True), [panel.selected], panel.outputs)
