"""Facet pickers shared by the Search and Filters tabs: one dropdown per facet, with counts.

Each dropdown lists the facet's values as "Lisbon, Portugal (1,204)"; choosing one filters
to it, "Any" clears it. After every search or listing the counts are recomputed under the
current filter (indexing.query.facets), so they always say what a click would show.
The query lives in indexing.query.facets; this module only maps it to widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.context import AppContext
from app.safe_text import literal
from indexing.curate.albums import Albums
from indexing.curate.smart_albums import smart_album_ids
from indexing.errors import PictorError
from indexing.query.facets import Facets, facets
from indexing.query.filters import Filter
from indexing.store.albums import AlbumRow

ANY = ""
# (facet name, label, Filter field). In the Filters tab a chosen format or folder takes the
# place of the format boxes and the folder box.
PICKERS = (
    ("year", "Year", "year"),
    ("month", "Month", "month"),
    ("day", "Day", "day"),
    ("camera", "Camera", "camera"),
    ("lens", "Lens", "lens"),
    ("country", "Country", "country"),
    ("city", "City", "city"),
    ("subject", "Subject", "subject"),
    ("format", "Format", "formats"),
    ("folder", "Folder", "folder"),
    ("text", "Text in the image", "has_text"),
    ("tag", "Tag", "tag"),  # the user's tags, counted under the other filters
    ("album", "Album", "album"),  # not a facet: every album, with its photos counted
)
ALBUM = "album"
NAMES = tuple(name for name, _, _ in PICKERS)


@dataclass
class FacetPanel:
    pickers: list[gr.Dropdown]
    note: gr.Markdown

    @property
    def outputs(self) -> list[Any]:
        return [*self.pickers, self.note]


def render(prefix: str) -> FacetPanel:
    pickers = []
    with gr.Row():
        for name, label, _ in PICKERS:
            pickers.append(
                gr.Dropdown(
                    choices=[("Any", ANY)],
                    value=ANY,
                    label=label,
                    allow_custom_value=True,  # a value the current counts no longer list
                    filterable=True,
                    min_width=150,
                    elem_id=f"{prefix}-facet-{name}",
                )
            )
    note = gr.Markdown("", elem_id=f"{prefix}-facet-note")
    return FacetPanel(pickers, note)


def filter_values(values: list[Any]) -> dict[str, Any]:
    """Filter fields from the pickers' values (in PICKERS order); Any is left out."""
    out: dict[str, Any] = {}
    for (_, _, field_name), value in zip(PICKERS, values, strict=True):
        if value not in (None, ANY):
            out[field_name] = value
    return out


def updates(result: Facets | None, albums: list[AlbumRow] | None = None,
            album: str | None = None, smart: set[int] | None = None,
            set_values: bool = True) -> list[Any]:  # fmt: skip
    """New choices (with counts) for each picker, keeping the chosen values; and the note.
    albums: the Album picker's choices (the album chosen: album; smart: the smart ones).
    set_values=False leaves each picker's value as the page holds it: a value picked while
    these counts were made must survive them (it is listed next)."""
    if result is None:
        return [gr.update() for _ in PICKERS] + [gr.update()]
    out: list[Any] = []
    notes = []
    for name, _label, _field in PICKERS:
        if name == ALBUM:
            out.append(_album_choices(albums, album, smart or set(), set_values))
            continue
        facet = result.get(name)
        choices = [("Any", ANY)]
        choices += [(f"{value.label} ({value.count:,})", value.value) for value in facet.values]
        if facet.selected and facet.selected not in {value for _, value in choices}:
            choices.append((f"{facet.selected} (0)", facet.selected))
        if set_values:
            out.append(gr.update(choices=choices, value=facet.selected or ANY))
        else:
            out.append(gr.update(choices=choices))
        if name == "subject" and facet.note and not facet.values:
            notes.append(f"Subjects: {facet.note}")
    out.append("  \n".join(f"ℹ️ {literal(note)}" for note in notes))
    return out


def _album_choices(
    albums: list[AlbumRow] | None, chosen: str | None, smart: set[int], set_value: bool = True
) -> Any:
    """The Album picker: every album by its path, with its photos counted."""
    if albums is None:
        return gr.update()
    choices = [("Any", ANY)] + [
        (f"{a.path} ({'smart' if a.id in smart else f'{a.count:,}'})", a.path) for a in albums
    ]  # a smart album's photos are what its query finds: counted once picked
    if chosen and chosen not in {a.path for a in albums}:
        choices.append((f"{chosen} (0)", chosen))
    if not set_value:
        return gr.update(choices=choices)
    return gr.update(choices=choices, value=chosen or ANY)


def cleared() -> list[Any]:
    return [gr.update(value=ANY) for _ in PICKERS]


def counts(
    ctx: AppContext,
    flt: Filter,
    query: str | None = None,
    album: str | None = None,
    set_values: bool = True,
) -> list[Any]:
    """The pickers' updates under flt (and a metadata query), for either tab; album: the
    album picked, when flt holds a smart album's contents in its place; set_values: see
    updates()."""
    try:
        with ctx.catalog() as catalog:
            result = facets(
                catalog, flt, query, subject_note=lambda: ctx.library.subject_note(catalog)
            )
            albums = Albums(catalog).listed()
            smart = smart_album_ids(catalog)
    except PictorError:
        return updates(None)
    return updates(result, albums, album or flt.album, smart, set_values)
