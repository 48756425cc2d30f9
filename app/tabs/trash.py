"""The Trash view (a sub-tab of Filters): what was trashed, Restore, and Empty trash."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.components import thumbnails
from app.context import AppContext
from app.safe_text import code, literal
from indexing.curate.trash import Trash, TrashEntry, TrashReport
from indexing.errors import PictorError


@dataclass
class TrashTab:
    refresh: gr.Button
    gallery: gr.Gallery
    listing: gr.Markdown
    restore: gr.Button
    restore_all: gr.Button
    empty: gr.Button
    confirm_empty: gr.Button
    message: gr.Markdown
    entries: gr.State  # the TrashEntry ids shown, in order
    selected: gr.State  # the entry id clicked


def render() -> TrashTab:
    with gr.Row(equal_height=True):
        refresh = gr.Button("Refresh", size="sm", elem_id="trash-refresh")
        restore = gr.Button("Restore the selected file", elem_id="trash-restore")
        restore_all = gr.Button("Restore all", elem_id="trash-restore-all")
        empty = gr.Button("Empty trash…", variant="stop", elem_id="trash-empty")
        confirm = gr.Button("Yes, delete them for good", variant="stop", visible=False,
                            elem_id="trash-confirm-empty")  # fmt: skip
    message = gr.Markdown("", elem_id="trash-message")
    gallery = thumbnails(
        label="In the trash (click one to select it)",
        columns=8,
        height="auto",
        allow_preview=False,
        object_fit="cover",
        elem_id="trash-gallery",
    )
    listing = gr.Markdown("", elem_id="trash-listing")
    return TrashTab(refresh, gallery, listing, restore, restore_all, empty, confirm, message,
                    gr.State([]), gr.State(None))  # fmt: skip


def listen(tab: TrashTab, ctx: AppContext, opened: gr.Tab) -> None:
    outputs = [tab.gallery, tab.listing, tab.entries, tab.message]

    def show(message: str = ""):
        with ctx.catalog() as catalog:
            entries = Trash(catalog).entries()
        thumbs = ctx.library.thumbs
        shown = [(e, cid) for e in entries if (cid := e.content_id) and thumbs.has(cid)]
        items = [(str(thumbs.path_for(cid)), _caption(e)) for e, cid in shown]
        listing = "  \n".join(code(e.original_path) for e in entries) or "The trash is empty."
        return items, listing, [e.id for e, _ in shown], message

    def restore(ids: list[int], selected: int | None, everything: bool):
        if not everything and selected is None:
            return show("Click a file in the trash first.")
        try:
            with ctx.catalog() as catalog:
                report = Trash(catalog).restore(None if everything else [str(selected)])
        except PictorError as exc:  # restored or emptied elsewhere since the list was shown
            return show(f"⚠️ {literal(exc)}")
        return show(_said(report, "Restored"))

    def select(ids: list[int], evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else -1
        return ids[index] if 0 <= index < len(ids) else None

    def ask():
        with ctx.catalog() as catalog:
            count = len(Trash(catalog).entries())
        if not count:
            return "The trash is already empty.", gr.Button(visible=False)
        text = f"This deletes the **{count:,} file(s)** in the trash for good. Sure?"
        return text, gr.Button(visible=True)

    def empty():
        with ctx.catalog() as catalog:
            report = Trash(catalog).empty()
        return (*show(_said(report, "Deleted for good")), gr.Button(visible=False))

    opened.select(show, None, outputs)
    tab.refresh.click(show, None, outputs)
    tab.gallery.select(select, [tab.entries], [tab.selected])
    tab.restore.click(lambda ids, s: restore(ids, s, False), [tab.entries, tab.selected], outputs)
    tab.restore_all.click(
        lambda ids, s: restore(ids, s, True), [tab.entries, tab.selected], outputs
    )
    tab.empty.click(ask, None, [tab.message, tab.confirm_empty])
    tab.confirm_empty.click(empty, None, [*outputs, tab.confirm_empty])


def _caption(entry: TrashEntry) -> str:
    return entry.original_path.rsplit("/", 1)[-1]


def _said(report: TrashReport, verb: str) -> str:
    lines = [f"{verb}: {len(report.moved):,} file(s)."]
    lines += [f"⚠️ {code(p['path'])}: {literal(p['reason'])}" for p in report.problems]
    return "  \n".join(lines)
