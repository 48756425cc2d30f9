"""The viewer's Generation section, for an AI image: a table of its settings, the prompt
and the negative prompt (plain-text boxes), and a Copy prompt button. A prompt longer than
EXCERPT characters shows its beginning, with a Show all button that puts the whole text in
the box (to read or copy): a browser takes seconds to lay out a megabyte of text, and nobody
reads that much to find an image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.components import COPY_JS
from app.context import AppContext
from app.safe_text import literal
from indexing.query import details

SETTINGS_VALUE_LIMIT = 300
EXCERPT = 5_000  # characters of a prompt shown before "Show all"


@dataclass
class GenerationView:
    section: gr.Accordion  # hidden for an image with no generation parameters
    settings: gr.Markdown
    prompt: gr.Textbox
    negative: gr.Textbox
    copy: gr.Button
    show_all: gr.Button  # shown when a prompt is cut to its EXCERPT


def render(prefix: str) -> GenerationView:
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
        show_all = gr.Button(
            "Show all", size="sm", visible=False, elem_id=f"{prefix}-show-all-prompt"
        )
        settings = gr.Markdown("", elem_id=f"{prefix}-generation")
    copy.click(None, [prompt], None, js=COPY_JS % (f"{prefix}-copy-prompt", "Copy prompt"))
    return GenerationView(section, settings, prompt, negative, copy, show_all)


def generation_markdown(generation: dict[str, Any]) -> str:
    """The settings of a generation as a two-column table, every value literal text; below
    it, where the settings were cut (too many to read), the note saying where."""
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
    table = "\n".join(["| Setting | Value |", "|---|---|", *cells])
    cut = generation.get("cut")
    return f"{table}\n\n{literal(cut)}" if cut else table


def values(generation: dict[str, Any] | None) -> tuple:
    """Values for (section, settings, prompt, negative, show all): all hidden for a non-AI
    image; each prompt cut to its EXCERPT, with Show all where one was cut."""
    if not generation:
        hidden = gr.Button(visible=False)
        return gr.Accordion(visible=False), "", gr.Textbox(value=""), gr.Textbox(value=""), hidden
    prompt, negative = _prompts(generation)
    return (
        gr.Accordion(label=f"Generation ({generation.get('tool')})", visible=True),
        generation_markdown(generation),
        _prompt_box("Prompt", prompt, EXCERPT),
        _prompt_box("Negative prompt", negative, EXCERPT, hide_empty=True),
        gr.Button(visible=max(len(prompt), len(negative)) > EXCERPT),
    )


def _prompts(generation: dict[str, Any]) -> tuple[str, str]:
    return generation.get("prompt") or "", generation.get("negative_prompt") or ""


def _prompt_box(label: str, text: str, limit: int | None, hide_empty=False) -> gr.Textbox:
    """A prompt's box: the whole text, or (limit given) its first `limit` characters with
    the label saying how much is shown."""
    shown = text
    if limit is not None and len(text) > limit:
        label = f"{label} (the first {limit:,} of {len(text):,} characters; Show all for the rest)"
        shown = text[:limit]
    return gr.Textbox(value=shown, label=label, visible=bool(text) or not hide_empty)


def whole_prompts(ctx: AppContext, content_id: str | None) -> tuple:
    """Values for (prompt, negative, show all): the whole texts, for Show all."""
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id) if content_id else None
    prompt, negative = _prompts((detail or {}).get("generation") or {})
    return (
        _prompt_box("Prompt", prompt, None),
        _prompt_box("Negative prompt", negative, None, hide_empty=True),
        gr.Button(visible=False),
    )
