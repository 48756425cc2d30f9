"""The Events view (inside the Library tab, under People): albums Pictor proposes from time
gaps, places and people (indexing.curate.events), one card each with its cover, title,
dates, count and the people most seen in it; click one, then Accept it (a normal album,
under the name in the box: edit it to rename) or Dismiss it (it does not come back).
Below, Export an album: its originals with their sidecars to a folder or a zip, with
progress. The callbacks only translate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.components import thumbnails
from app.context import AppContext
from app.safe_text import literal
from indexing.curate.albums import Albums
from indexing.curate.events import Events, Proposal, names_line
from indexing.curate.export import export_images
from indexing.curate.smart_albums import SmartAlbums
from indexing.errors import PictorError
from indexing.ingest.scan import outside_home_and_roots
from indexing.names.wording import plural

EMPTY = (
    "No event albums to propose. Events come from photos with a date taken: trips away "
    "from home (by GPS), bursts of photos at home, and days at home with named guests "
    "(People), each of 15 photos or more."
)


@dataclass
class EventsView:
    refresh: gr.Button
    cards: gr.Gallery
    summary: gr.Markdown
    chosen: gr.Markdown
    name: gr.Textbox
    accept: gr.Button
    dismiss: gr.Button
    message: gr.Markdown
    proposals: gr.State  # the ids of the cards shown, in order
    selected: gr.State  # the proposal id clicked
    export_album: gr.Dropdown
    export_to: gr.Textbox
    export_zip: gr.Checkbox
    export: gr.Button
    export_message: gr.Markdown


def render() -> EventsView:
    with gr.Row(equal_height=True):
        refresh = gr.Button("Refresh", size="sm", min_width=90, elem_id="events-refresh")
        summary = gr.Markdown("", elem_id="events-summary")
    cards = thumbnails(
        label="Proposed albums (click one)", columns=6, object_fit="cover", elem_id="events-cards"
    )
    chosen = gr.Markdown("", elem_id="events-chosen")
    with gr.Row(equal_height=True):
        name = gr.Textbox(label="Album name (edit to rename)", elem_id="events-name", scale=3)
        accept = gr.Button("Accept", variant="primary", elem_id="events-accept", min_width=90)
        dismiss = gr.Button("Dismiss", elem_id="events-dismiss", min_width=90)
    message = gr.Markdown("", elem_id="events-message")
    gr.Markdown("**Export an album**: its originals, with their XMP sidecars and RAW pairs.")
    with gr.Row(equal_height=True):
        export_album = gr.Dropdown(
            label="Album", choices=[], allow_custom_value=True, elem_id="export-album", scale=2
        )
        export_to = gr.Textbox(label="To the folder", placeholder="/home/me/Exports",
                               elem_id="export-to", scale=3)  # fmt: skip
        export_zip = gr.Checkbox(label="As one zip", value=False, elem_id="export-zip",
                                 min_width=110)  # fmt: skip
        export = gr.Button("Export", elem_id="export-run", min_width=90)
    export_message = gr.Markdown("", elem_id="export-message")
    return EventsView(
        refresh, cards, summary, chosen, name, accept, dismiss, message, gr.State([]),
        gr.State(None), export_album, export_to, export_zip, export, export_message,
    )  # fmt: skip


def listen(view: EventsView, ctx: AppContext, opened: gr.Accordion) -> None:
    card_outputs = [view.cards, view.summary, view.proposals, view.export_album]

    def cards() -> tuple[Any, ...]:
        with ctx.catalog() as catalog:
            found = Events(catalog).proposals()
            albums = [album.path for album in Albums(catalog).listed()]
        thumbs = ctx.library.thumbs
        items = [
            (str(thumbs.path_for(p.cover)) if thumbs.has(p.cover) else None, _caption(p))
            for p in found
        ]
        shown = [(image, text) for image, text in items if image is not None]
        ids = [p.id for p, (image, _) in zip(found, items, strict=True) if image is not None]
        text = f"{plural(len(ids), 'proposal')}" if ids else EMPTY
        return shown, text, ids, gr.update(choices=albums)

    def select(ids: list[str], evt: gr.SelectData) -> tuple[Any, ...]:
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index < len(ids):
            return None, "", "", ""
        with ctx.catalog() as catalog:
            try:
                proposal = Events(catalog).get(ids[index])
            except PictorError as exc:
                return None, "", "", f"⚠️ {literal(exc)}"
        title = f"**{literal(proposal.label)}** ({proposal.kind})"
        return proposal.id, title, proposal.title, ""

    def decide(action: str, proposal_id: str | None, name: str) -> tuple[Any, ...]:
        if proposal_id is None:
            return (*cards(), None, "", "", "Click a proposed album first.")
        try:
            with ctx.catalog() as catalog:
                events = Events(catalog)
                if action == "accept":
                    _, album = events.accept(proposal_id, (name or "").strip() or None)
                    said = f"Made the album {literal(album.path)} ({plural(album.count, 'photo')})."
                else:
                    said = f"Dismissed {literal(events.dismiss(proposal_id).label)}."
        except PictorError as exc:
            return (*cards(), proposal_id, gr.update(), gr.update(), f"⚠️ {literal(exc)}")
        return (*cards(), None, "", "", said)

    def export(album: str | None, folder: str, as_zip: bool, progress=gr.Progress()) -> str:  # noqa: B008
        if not (album or "").strip() or not (folder or "").strip():
            return "Choose an album and type the folder to export to."
        if outside_home_and_roots(folder.strip(), []) is not None:
            return "⚠️ The app exports into your home folder; elsewhere: `launch.py album export`."
        try:
            with ctx.catalog() as catalog:
                albums, smart = Albums(catalog), SmartAlbums(ctx.library, catalog)
                chosen = albums.get(album or "")
                ids = smart.run(chosen).content_ids if smart.is_smart(chosen) else None
                done = export_images(
                    catalog, ids if ids is not None else albums.items(chosen), folder.strip(),
                    as_zip=bool(as_zip), zip_name=chosen.name,
                    progress=lambda n, total: progress((n, total), desc="Exporting", unit="image"),
                )  # fmt: skip
        except PictorError as exc:
            return f"⚠️ {literal(exc)}"
        return literal(done.line())

    decided = [*card_outputs, view.selected, view.chosen, view.name, view.message]
    opened.expand(cards, None, card_outputs)
    view.refresh.click(cards, None, card_outputs)
    view.cards.select(select, [view.proposals], [view.selected, view.chosen, view.name,
                                                 view.message])  # fmt: skip
    view.accept.click(lambda p, n: decide("accept", p, n), [view.selected, view.name], decided)
    view.dismiss.click(lambda p, n: decide("dismiss", p, n), [view.selected, view.name], decided)
    view.export.click(
        export, [view.export_album, view.export_to, view.export_zip], [view.export_message]
    )


def _caption(proposal: Proposal) -> str:
    """'Lisbon, 12–15 July 2023 · 184 photos · with Ana and Rui' (at home the title names
    them: 'Ana and Rui, 3 May 2024 · 30 photos')."""
    text = f"{proposal.title} · {plural(len(proposal.content_ids), 'photo')}"
    return text + (f" · with {names_line(proposal.people)}" if proposal.with_people else "")
