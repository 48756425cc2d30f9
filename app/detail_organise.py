"""The viewer's "Organise" section: the image's albums (add it to one, new or existing), its
tags (edited as one comma-separated line) and its caption; opened from an album in manual
order, "◀ Earlier" and "Later ▶" move it one place (wired by app/tabs/albums.py).
Everything goes through indexing.curate (Albums, Tags), as `launch.py album|tag|caption`
does; a refusal (a bad tag, a trashed image) is one line under the controls and changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.context import AppContext
from app.safe_text import literal
from indexing.curate.albums import Albums
from indexing.curate.smart_albums import hand_filled
from indexing.curate.tags import Tags
from indexing.curate.xmp_keywords import write_back
from indexing.errors import PictorError
from indexing.store.catalog import Catalog


@dataclass
class OrganiseView:
    album: gr.Dropdown  # an album path; a new name creates the album
    add: gr.Button
    tags: gr.Textbox  # 'Places/Portugal/Lisbon, Family'
    save_tags: gr.Button
    caption: gr.Textbox
    save_caption: gr.Button
    message: gr.Markdown
    order_row: gr.Row  # shown when opened from an album in manual order
    earlier: gr.Button
    later: gr.Button

    @property
    def outputs(self) -> list[Any]:
        return [self.album, self.tags, self.caption, self.message]


def render(prefix: str) -> OrganiseView:
    with gr.Accordion("Albums, tags and caption", open=True, elem_id=f"{prefix}-organise"):
        with gr.Row(visible=False, equal_height=True, elem_id=f"{prefix}-album-order") as row:
            gr.Markdown("Its place in the album:", elem_id=f"{prefix}-album-order-label")
            earlier = gr.Button("◀ Earlier", size="sm", scale=0, min_width=100,
                                elem_id=f"{prefix}-earlier")  # fmt: skip
            later = gr.Button("Later ▶", size="sm", scale=0, min_width=100,
                              elem_id=f"{prefix}-later")  # fmt: skip
        with gr.Row(equal_height=True):
            album = gr.Dropdown(
                label="Album (pick one, or type a new name; Folder/Name nests it)",
                choices=[], value=None, allow_custom_value=True, scale=3,
                elem_id=f"{prefix}-album",
            )  # fmt: skip
            add = gr.Button("Add to album", size="sm", scale=1, elem_id=f"{prefix}-add-album")
        with gr.Row(equal_height=True):
            tags = gr.Textbox(
                label="Tags, separated by commas (e.g. Places/Portugal/Lisbon, Family)",
                scale=3, elem_id=f"{prefix}-tags",
            )  # fmt: skip
            save_tags = gr.Button("Save tags", size="sm", scale=1, elem_id=f"{prefix}-save-tags")
        with gr.Row(equal_height=True):
            caption = gr.Textbox(label="Caption", lines=2, scale=3, elem_id=f"{prefix}-caption")
            save_caption = gr.Button(
                "Save caption", size="sm", scale=1, elem_id=f"{prefix}-save-caption"
            )
        message = gr.Markdown("", elem_id=f"{prefix}-organise-message")
    return OrganiseView(
        album, add, tags, save_tags, caption, save_caption, message, row, earlier, later
    )


def values(ctx: AppContext, content_id: str | None, message: str = "") -> tuple:
    """The section's values (OrganiseView.outputs' order) for one image."""
    if content_id is None:
        return gr.Dropdown(choices=[], value=None), "", "", ""
    with ctx.catalog() as catalog:
        albums = [album.path for album in hand_filled(catalog)]  # not the smart ones
        tags = Tags(catalog)
        typed, caption = ", ".join(tags.of(content_id)), tags.caption(content_id) or ""
    return gr.Dropdown(choices=albums, value=None), typed, caption, message


def listen(view: OrganiseView, ctx: AppContext, selected: gr.State) -> None:
    def add(content_id: str | None, path: str | None) -> tuple:
        path = (path or "").strip()
        if content_id is None or not path:
            return values(ctx, content_id, "Pick an album or type a new name first.")
        try:
            with ctx.catalog() as catalog:
                albums = Albums(catalog)
                known = {album.path.lower() for album in albums.listed()}
                if path.lower() not in known and not _named(albums, path):
                    albums.create(path)
                change = albums.add(path, [content_id])
        except PictorError as exc:
            return values(ctx, content_id, f"⚠️ {literal(str(exc))}")
        verb = "Added to" if change.changed else "Already in"
        return values(ctx, content_id, f"{verb} {literal(change.album.path)}.")

    def save_tags(content_id: str | None, typed: str) -> tuple:
        if content_id is None:
            return values(ctx, None)
        try:
            with ctx.catalog() as catalog:
                now = Tags(catalog).set_tags(content_id, (typed or "").split(","))
                sidecar = to_sidecars(ctx, catalog, content_id)
        except PictorError as exc:
            return values(ctx, content_id, f"⚠️ {literal(str(exc))}")
        return values(ctx, content_id, f"Tags saved ({len(now)}).{sidecar}")

    def save_caption(content_id: str | None, text: str) -> tuple:
        if content_id is None:
            return values(ctx, None)
        try:
            with ctx.catalog() as catalog:
                stored = Tags(catalog).set_caption(content_id, text)
                sidecar = to_sidecars(ctx, catalog, content_id)
        except PictorError as exc:
            return values(ctx, content_id, f"⚠️ {literal(str(exc))}")
        said = "Caption saved." if stored else "Caption removed."
        return values(ctx, content_id, said + sidecar)

    view.add.click(add, [selected, view.album], view.outputs)
    view.save_tags.click(save_tags, [selected, view.tags], view.outputs)
    view.save_caption.click(save_caption, [selected, view.caption], view.outputs)


def to_sidecars(ctx: AppContext, catalog: Catalog, content_id: str) -> str:
    """With write_xmp_keywords on, the image's tags and caption to its XMP sidecars; what
    to add to the message ('' when off)."""
    if not ctx.settings.write_xmp_keywords:
        return ""
    written, problems = write_back(catalog, [content_id])
    if problems:
        return f" ⚠️ {literal(problems[0])}"
    return f" Written to {'its XMP sidecar' if written == 1 else f'{written} XMP sidecars'}."


def _named(albums: Albums, path: str) -> bool:
    """Whether a bare name already names an album in some folder."""
    try:
        albums.get(path)
    except PictorError:
        return False
    return True
