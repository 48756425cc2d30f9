"""The detail panel every tab shares: the clicked image large, its metadata, its rating.

Library, Search and Filters each render one (with their own element ids and action
buttons) and wire it to their gallery; the rating editor saves through the same
RatingService as the Rate tab and `launch.py rate`. Below them, for an AI image, its
generation parameters: a table of the settings, the prompt and the negative prompt in
full (plain-text boxes), and a Copy prompt button.
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

# Copies the prompt box's text, also where the Clipboard API is missing (plain http from
# another machine), and says so on the button for a moment.
COPY_JS = """(text) => {
  const button = document.getElementById("%s");
  const copied = () => {
    if (!button) return;
    button.textContent = "Copied ✓";
    setTimeout(() => { button.textContent = "Copy prompt"; }, 1500);
  };
  const fallback = () => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    if (document.execCommand("copy")) copied();
    area.remove();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(copied, fallback);
  } else {
    fallback();
  }
  return [];
}"""
SETTINGS_VALUE_LIMIT = 300


@dataclass
class GenerationView:
    section: gr.Accordion  # hidden for an image with no generation parameters
    settings: gr.Markdown
    prompt: gr.Textbox
    negative: gr.Textbox
    copy: gr.Button


@dataclass
class DetailPanel:
    preview: gr.Image
    meta: gr.Markdown
    about: gr.Markdown  # date and its source, place, subjects
    score: gr.Number
    save: gr.Button
    clear: gr.Button
    message: gr.Markdown
    buttons: list[gr.Button]  # the tab's own actions (e.g. Find similar)
    generation: GenerationView
    why: gr.Gallery  # for a predicted rating: the rated images nearest to this one
    selected: gr.State  # the content id shown

    @property
    def outputs(self) -> list[Any]:
        g = self.generation
        return [
            self.preview,
            self.meta,
            self.score,
            self.message,
            self.why,
            self.selected,
            self.about,
            g.section,
            g.settings,
            g.prompt,
            g.negative,
        ]


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
            about = gr.Markdown("", visible=False, elem_id=f"{prefix}-about")
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
            generation = _render_generation(prefix)
            why = gr.Gallery(
                label="Why this prediction: the rated images nearest to it",
                columns=5,
                height="auto",
                allow_preview=False,
                visible=False,
                elem_id=f"{prefix}-why",
            )
    return DetailPanel(
        preview, meta, about, score, save, clear, message, made, generation, why, gr.State(None)
    )


def _render_generation(prefix: str) -> GenerationView:
    with gr.Accordion("Generation", open=True, visible=False) as section:
        prompt = gr.Textbox(
            label="Prompt",
            lines=2,
            max_lines=12,
            interactive=False,
            buttons=["copy"],
            elem_id=f"{prefix}-prompt",
        )
        copy = gr.Button("Copy prompt", size="sm", elem_id=f"{prefix}-copy-prompt")
        negative = gr.Textbox(
            label="Negative prompt",
            lines=1,
            max_lines=8,
            interactive=False,
            buttons=["copy"],
            elem_id=f"{prefix}-negative-prompt",
        )
        settings = gr.Markdown("", elem_id=f"{prefix}-generation")
    copy.click(None, [prompt], None, js=COPY_JS % f"{prefix}-copy-prompt")
    return GenerationView(section, settings, prompt, negative, copy)


def show(ctx: AppContext, content_id: str | None, hint: str, message: str = "") -> tuple:
    """Panel values (in DetailPanel.outputs' order) for one image."""
    hidden = gr.Gallery(visible=False)
    if content_id is None:
        return None, hint, None, "", hidden, None, *_about(None), *_generation(None)
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        neighbours = _why(ctx, catalog, detail) if detail else []
    if detail is None:
        gone = "This image is no longer in the catalog."
        return None, gone, None, "", hidden, None, *_about(None), *_generation(None)
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    preview = ctx.library.previews.get(content_id, present)
    return (
        str(preview) if preview else None,
        detail_markdown(detail, dated=False, prompt=detail.get("generation") is None),
        detail.get("rating"),
        message,
        gr.Gallery(value=neighbours, visible=bool(neighbours)),
        content_id,
        *_about(detail),
        *_generation(detail.get("generation")),
    )


def about_markdown(detail: dict[str, Any]) -> str:
    """When (and by which clock), where, and what: one line each, the lines it has."""
    lines = []
    if detail.get("day"):
        source = "EXIF" if detail.get("date_source") == "exif" else "file date"
        lines.append(f"Date: {literal(detail['day'])} ({source})")
    place = detail.get("place") or {}
    named = [place.get(k) for k in ("city", "region", "country")]
    if any(named):
        lines.append("Place: " + literal(", ".join(p for p in named if p)))
    if detail.get("subjects"):
        lines.append("Subjects: " + literal(", ".join(detail["subjects"])))
    return "  \n".join(lines)


def _about(detail: dict[str, Any] | None) -> tuple[gr.Markdown]:
    text = about_markdown(detail) if detail else ""
    return (gr.Markdown(text, visible=bool(text)),)


def generation_markdown(generation: dict[str, Any]) -> str:
    """The settings of a generation as a two-column table, every value literal text."""
    cfg = generation.get("cfg")
    rows = [
        ("Tool", generation.get("tool")),
        ("Model", generation.get("model")),
        ("Size", generation.get("size")),
        ("Steps", generation.get("steps")),
        ("Sampler", generation.get("sampler")),
        ("CFG scale", f"{cfg:g}" if cfg is not None else None),
        ("Seed", generation.get("seed")),
        *(generation.get("extras") or {}).items(),
    ]
    cells = [
        f"| {literal(key)} | {literal(value, limit=SETTINGS_VALUE_LIMIT)} |"
        for key, value in rows
        if value is not None and value != ""
    ]
    return "\n".join(["| Setting | Value |", "|---|---|", *cells])


def _generation(generation: dict[str, Any] | None) -> tuple:
    """Values for (section, settings, prompt, negative): all hidden for a non-AI image."""
    if not generation:
        return gr.Accordion(visible=False), "", gr.Textbox(value=""), gr.Textbox(value="")
    negative = generation.get("negative_prompt") or ""
    return (
        gr.Accordion(label=f"Generation ({generation.get('tool')})", visible=True),
        generation_markdown(generation),
        gr.Textbox(value=generation.get("prompt") or ""),
        gr.Textbox(value=negative, visible=bool(negative)),
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
