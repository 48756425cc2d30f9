"""The Search tab (being built; says so until then)."""

from __future__ import annotations

import gradio as gr

from app import placeholder
from app.context import AppContext


def render(ctx: AppContext) -> gr.Markdown:
    return placeholder.render("Search")


def listen(tab: gr.Markdown, ctx: AppContext) -> None:
    """No events yet."""
