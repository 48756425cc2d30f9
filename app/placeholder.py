"""Tabs whose features arrive with later issues say so plainly."""

from __future__ import annotations

import gradio as gr

COMING = {
    "Train": "Train a personal evaluator on your ratings and preferences.",
}


def render(name: str) -> gr.Markdown:
    return gr.Markdown(
        f"### {name}: coming soon\n\n{COMING[name]}", elem_id=f"{name.lower()}-coming-soon"
    )
