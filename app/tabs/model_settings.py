"""The Library tab's model settings: which CLIP embeds the library, and a warning if random."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.context import AppContext
from app.safe_text import code, literal
from indexing.models.clip import RANDOM, model_id_for

SUGGESTED_MODELS = ["ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-B-32-256", "ViT-SO400M-14-SigLIP"]
RANDOM_BANNER = (
    "⚠️ **CLIP uses random weights** (`PICTOR_CLIP_PRETRAINED=random`): search and "
    "similarity results are meaningless. This setting is for tests and benchmarks only."
)


@dataclass
class ModelSettings:
    banner: gr.Markdown
    current: gr.Markdown
    model: gr.Dropdown
    pretrained: gr.Textbox
    apply: gr.Button


def describe(ctx: AppContext) -> str:
    s = ctx.settings
    return (
        f"Embedding model: **{literal(s.clip_model)}** with weights {code(s.clip_pretrained)} "
        f"(vectors stamped {code(ctx.library.model_id)}).  \n"
        f"Status: {literal(model_status(ctx))}"
    )


def model_status(ctx: AppContext) -> str:
    """Loaded (where, with which backend), not loaded yet, or waiting for its weights."""
    embedder = ctx.library.embedder()
    random = " Random weights: for tests and benchmarks only." if embedder.is_random else ""
    if embedder.load_error is not None:
        return f"waiting for weights. {embedder.load_error}"
    if not embedder.loaded:
        return (
            f"not loaded yet; it loads on first use (backend {ctx.settings.backend}, "
            f"device {ctx.settings.device}).{random}"
        )
    return f"loaded ({embedder.runs_on}).{random}"


def banner_text(ctx: AppContext) -> str:
    return RANDOM_BANNER if ctx.settings.clip_pretrained == RANDOM else ""


def render_banner(ctx: AppContext) -> gr.Markdown:
    """Above the tabs: the warning that CLIP runs with random weights, when it does."""
    return gr.Markdown(banner_text(ctx), elem_id="random-weights-warning")


def render(ctx: AppContext, banner: gr.Markdown) -> ModelSettings:
    with gr.Accordion("Model settings", open=False):
        current = gr.Markdown(describe(ctx), elem_id="model-current")
        with gr.Row(equal_height=True):
            model = gr.Dropdown(
                choices=sorted({ctx.settings.clip_model, *SUGGESTED_MODELS}),
                value=ctx.settings.clip_model,
                allow_custom_value=True,
                label="Architecture (open_clip)",
                elem_id="model-name",
            )
            pretrained = gr.Textbox(
                value=ctx.settings.clip_pretrained,
                label="Weights: an open_clip tag, a local file path, or random",
                elem_id="model-pretrained",
            )
            apply = gr.Button("Use this model", elem_id="model-apply")
        gr.Markdown(
            "Each model keeps its own vectors; switching never mixes them. After switching, "
            "press **Re-index all** to embed your images with the new model. The choice "
            "applies to everyone using this app until it restarts; set `PICTOR_CLIP_MODEL` and "
            "`PICTOR_CLIP_PRETRAINED` "
            "to make it permanent."
        )
    return ModelSettings(banner, current, model, pretrained, apply)


def listen(panel: ModelSettings, ctx: AppContext, demo: gr.Blocks | None = None) -> None:
    def apply(model: str, pretrained: str):
        model, pretrained = (model or "").strip(), (pretrained or "").strip()
        if not model or not pretrained:
            return gr.skip(), "Choose an architecture and its weights first."
        ctx.use_model(model, pretrained)
        return (
            banner_text(ctx),
            describe(ctx) + f" Switched: vectors go to {code(model_id_for(model, pretrained))}; "
            "press Re-index all to embed.",
        )

    panel.apply.click(apply, [panel.model, panel.pretrained], [panel.banner, panel.current])
    if demo is not None:  # the status as of each page load (a search may have loaded it)
        demo.load(lambda: describe(ctx), None, panel.current, queue=False)
