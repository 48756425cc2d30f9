"""Assembles the five tabs and launches the server."""

from __future__ import annotations

import gradio as gr

from app import filters, library, model_settings, placeholder, search
from app.context import AppContext
from indexing.errors import PictorError
from indexing.settings import Settings

TABS = ("Library", "Search", "Filters", "Rate", "Train")


def build_app(ctx: AppContext) -> gr.Blocks:
    with gr.Blocks(title="Pictor") as demo:
        gr.Markdown("# Pictor\nYour images, on your machine.")
        banner = model_settings.render_banner(ctx)
        with gr.Tabs() as tabs:
            with gr.Tab("Library", id="library"):
                models = model_settings.render(ctx, banner)
                library_tab = library.render()
            with gr.Tab("Search", id="search"):
                search_tab = search.render(ctx)
            with gr.Tab("Filters", id="filters"):
                filters_tab = filters.render(ctx)
            for name in TABS[3:]:
                with gr.Tab(name, id=name.lower()):
                    placeholder.render(name)
        library.listen(library_tab, ctx, demo)
        search.listen(search_tab, ctx)
        search.listen_find_similar(
            search_tab, ctx, library_tab.find_similar, library_tab.selected, tabs
        )
        filters.listen(filters_tab, ctx)
        model_settings.listen(models, ctx)
    return demo


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise PictorError("--auth must look like USER:PASSWORD")
    return user, password


def launch_ui(settings: Settings, *, block: bool = True) -> gr.Blocks:
    auth = parse_auth(settings.auth)
    ctx = AppContext.create(settings)
    demo = build_app(ctx)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=settings.share,
        auth=auth,
        allowed_paths=[str(settings.thumbs_dir)],
        prevent_thread_lock=not block,
        show_error=True,
        theme=gr.themes.Soft(),
    )
    return demo
