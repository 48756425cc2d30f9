""" "Save as smart album": a small row any gallery with filters can show (the Filters tab:
the lead calls `render()` inside its layout and `listen()` with its controls), saving the
current filters and sort under a name as a smart album (indexing.curate.smart_albums): the
query, not the images, so the album stays live.

    row = smart_album_row.render()                      # in filters.render(), under the sort
    smart_album_row.listen(row, ctx, tab.controls,
                           lambda values: filters.request_from(1, values))   # in listen()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.context import AppContext
from app.safe_text import literal
from indexing.curate.smart_albums import SmartAlbums, SmartQuery
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.listing import ListRequest


@dataclass
class SmartAlbumRow:
    name: gr.Textbox
    save: gr.Button
    message: gr.Markdown


def render() -> SmartAlbumRow:
    with gr.Row(equal_height=True):
        name = gr.Textbox(
            label="Save as smart album", placeholder="e.g. Best of Lisbon", scale=3,
            elem_id="smart-album-name",
        )  # fmt: skip
        save = gr.Button("Save", size="sm", min_width=90, elem_id="smart-album-save")
    message = gr.Markdown("", elem_id="smart-album-message")
    return SmartAlbumRow(name, save, message)


def save_smart_album(ctx: AppContext, name: str, request: ListRequest) -> str:
    """Save the request's filter and sort as a smart album; what to tell the user."""
    query = SmartQuery(request.filter, request.sort, request.descending)
    try:
        with ctx.catalog() as catalog:
            smart = SmartAlbums(ctx.library, catalog)
            ran = smart.run(smart.create(name or "", query))
    except PictorError as exc:
        return f"⚠️ {literal(exc)}"
    count = plural(len(ran.content_ids), "image")
    return f"Saved the smart album {literal(ran.album.path)}: {count} now; it stays up to date."


def listen(
    row: SmartAlbumRow,
    ctx: AppContext,
    controls: list[Any],
    request_of: Callable[[list[Any]], ListRequest],
) -> None:
    """controls: the gallery's filter widgets; request_of: their values to a ListRequest."""

    def save(name: str, *values: Any) -> str:
        try:
            request = request_of(list(values))
        except PictorError as exc:
            return f"⚠️ {literal(exc)}"
        return save_smart_album(ctx, name, request)

    row.save.click(save, [row.name, *controls], [row.message])
    row.name.submit(save, [row.name, *controls], [row.message])
