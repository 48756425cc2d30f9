"""The selection bar's widgets and its pure parts: what is selected (Chosen), a click and a
shift-click on it (toggled), the ✓ on the cards (marked) and the count line (counted).
app/selection.py wires them to a gallery; app/selection_actions.py does what they ask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import gradio as gr

from app.safe_text import literal
from indexing.records import CONTENT_ID

MARK = "✓ "
# The shift key of the click, read by app/assets/selection.js (a gallery's select event
# carries no keys): the hidden checkbox is the event's first input.
READ_SHIFT = "(...values) => [!!window.pictorShift, ...values.slice(1)]"


@dataclass(frozen=True)
class Chosen:
    """The selection: content ids in the order chosen, the last one clicked (the start of a
    shift-click range) and, after "Select all results", what they were the results of."""

    ids: dict[str, None] = field(default_factory=dict)
    last: str | None = None
    whole: str = ""

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class SelectionBar:
    prefix: str
    mode: gr.Checkbox
    count: gr.Markdown
    tools: gr.Column  # everything below the switch, shown in selection mode
    page_all: gr.Button
    everything: gr.Button
    clear: gr.Button
    score: gr.Number
    rate: gr.Button
    tag: gr.Dropdown
    add_tag: gr.Button
    remove_tag: gr.Button
    album: gr.Dropdown
    add_album: gr.Button
    remove_album: gr.Button  # only in an album's view
    cover: gr.Button  # only in an album's view
    trash: gr.Button
    undo: gr.Button
    confirm: gr.Group
    question: gr.Markdown
    yes: gr.Button
    no: gr.Button
    message: gr.Markdown
    shift: gr.Checkbox  # hidden: whether the click held shift
    chosen: gr.State
    pending: gr.State
    trashed: gr.State  # the trash entries the last trash made, for Undo
    export_to: gr.Textbox  # a folder (or a .zip) for the originals and their sidecars
    export: gr.Button


@dataclass
class Wiring:
    """What a tab gives the bar: everything(*inputs) lists all its results' content ids (and
    says what they are); refresh(*inputs) redraws its page after a change; album: a
    component holding the album shown (an album's view); scope: components whose values say
    which results the gallery shows (a search, filters, an album, a person; not the page),
    read as each new gallery is shown, scope_key(*values) naming those results: a selection
    ends with its results, so an action never reaches images no longer shown."""

    gallery: gr.Gallery
    ids: gr.State
    everything: Callable[..., tuple[list[str], str]]
    everything_inputs: list[Any]
    refresh: Callable[..., Any] | None = None
    refresh_inputs: list[Any] = field(default_factory=list)
    refresh_outputs: list[Any] = field(default_factory=list)
    album: Any = None
    scope: list[Any] = field(default_factory=list)
    scope_key: Callable[..., str] = repr
    scope_changes: bool = False  # the scope's own change events too (values that hash)
    results: str = "results"  # what "Select all N …" selects: 'non-keepers' in Duplicates
    # refuse(action, *refuse_inputs): a sentence when the tab refuses this action on what it
    # shows, before anything is asked (Duplicates' Exact copies refuse Move to trash)
    refuse: Callable[..., str | None] | None = None
    refuse_inputs: list[Any] = field(default_factory=list)


def render(prefix: str, *, in_album: bool = False, whole_page: bool = True) -> SelectionBar:
    """The bar, above the gallery it selects in. whole_page=False leaves out "Select all on
    this page" (in Duplicates the page holds the keepers, which it must not select)."""
    # The switch and the count stay on screen while the gallery scrolls (pictor.css): their
    # row is a sibling of the gallery, not inside a box of its own that sticky cannot leave.
    with gr.Row(equal_height=True, elem_id=f"{prefix}-select-bar",
                elem_classes=["pictor-select-bar"]):  # fmt: skip
        mode = gr.Checkbox(label="Select", value=False, min_width=100, scale=0,
                           elem_id=f"{prefix}-select-mode")  # fmt: skip
        count = gr.Markdown("", elem_id=f"{prefix}-select-count")
    with gr.Column(visible=False, elem_id=f"{prefix}-select-tools") as tools:
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            page_all = _button("Select all on this page", f"{prefix}-select-page",
                               visible=whole_page)  # fmt: skip
            everything = _button("Select all results", f"{prefix}-select-all")
            clear = _button("Clear", f"{prefix}-select-clear")
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            score = gr.Number(label="Rating", value=None, minimum=0, maximum=10, min_width=110,
                              scale=0, elem_id=f"{prefix}-select-score")  # fmt: skip
            rate = _button("Rate them", f"{prefix}-select-rate")
            tag = gr.Dropdown(
                label="Tag (pick or type; Places/Lisbon nests)",
                choices=[], value=None, allow_custom_value=True, filterable=True,
                min_width=200, scale=2, elem_id=f"{prefix}-select-tag",
            )  # fmt: skip
            add_tag = _button("Add tag", f"{prefix}-select-add-tag")
            remove_tag = _button("Remove tag", f"{prefix}-select-remove-tag")
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            album = gr.Dropdown(
                label="Album (pick or type a new one)",
                choices=[], value=None, allow_custom_value=True, filterable=True,
                min_width=200, scale=2, elem_id=f"{prefix}-select-album",
            )  # fmt: skip
            add_album = _button("Add to album", f"{prefix}-select-add-album")
            remove_album = _button("Remove from this album", f"{prefix}-select-unalbum",
                                   visible=in_album)  # fmt: skip
            cover = _button("Set as cover", f"{prefix}-select-cover", visible=in_album)
            trash = _button("Move to trash", f"{prefix}-select-trash", variant="stop")
            undo = _button("Undo: put them back", f"{prefix}-select-undo", visible=False)
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            export_to = gr.Textbox(
                label="Export to a folder in your home (a name ending in .zip: one zip)",
                placeholder="~/Exports/Lisbon", min_width=200, scale=2,
                elem_id=f"{prefix}-select-export-to",
            )  # fmt: skip
            export = _button("Export them", f"{prefix}-select-export")
    with gr.Group(visible=False, elem_id=f"{prefix}-select-confirm") as confirm:
        question = gr.Markdown("", elem_id=f"{prefix}-select-question")
        with gr.Row():
            yes = _button("Yes, do it", f"{prefix}-select-yes", variant="primary")
            no = _button("Cancel", f"{prefix}-select-no")
    message = gr.Markdown("", elem_id=f"{prefix}-select-message")
    shift = gr.Checkbox(False, visible=False, elem_id=f"{prefix}-select-shift")
    return SelectionBar(
        prefix, mode, count, tools, page_all, everything, clear, score, rate, tag, add_tag,
        remove_tag, album, add_album, remove_album, cover, trash, undo, confirm, question, yes,
        no, message, shift, gr.State(Chosen()), gr.State(None), gr.State(None), export_to, export,
    )  # fmt: skip


def _button(label: str, elem_id: str, **options: Any) -> gr.Button:
    return gr.Button(label, size="sm", min_width=100, scale=0, elem_id=elem_id, **options)


def counted(chosen: Chosen | None, selecting: bool = True) -> str:
    """The count line: '12 selected', or how to start."""
    if not selecting:
        return ""
    n = len(chosen) if chosen else 0
    if not n:
        return "Click images to select them; shift-click selects a range."
    text = f"**{n:,} selected**"
    return text + (f" ({literal(chosen.whole)})" if chosen and chosen.whole else "")


def toggled(chosen: Chosen, ids_shown: Sequence[str], index: int, shift: bool) -> Chosen:
    """The selection after a click on the index-th image shown (shift: the range from the
    last click, when that image is on this page, is selected)."""
    if not 0 <= index < len(ids_shown):
        return chosen
    clicked = ids_shown[index]
    ids = dict(chosen.ids)
    if shift and chosen.last in ids_shown:
        start = ids_shown.index(chosen.last)  # type: ignore[arg-type]
        low, high = sorted((start, index))
        ids.update(dict.fromkeys(ids_shown[low : high + 1]))
    elif clicked in ids:
        del ids[clicked]
    else:
        ids[clicked] = None
    return Chosen(ids, clicked, "")


def marked(items: Sequence[Any] | None, ids_shown: Sequence[str], chosen: Chosen | None) -> Any:
    """The gallery's items with ✓ on the selected ones' captions; gr.skip() when they
    already are (a redraw would flash the gallery)."""
    items = list(items or [])
    if len(items) != len(ids_shown):
        return gr.skip()
    picked = chosen.ids if chosen else {}
    out, changed = [], False
    for item, content_id in zip(items, ids_shown, strict=True):
        media, text = (item[0], item[1]) if isinstance(item, list | tuple) else (item, None)
        if _other_image(media, content_id):
            return gr.skip()  # items and ids of two different redraws: never mix them
        bare = (text or "").removeprefix(MARK)
        want = MARK + bare if content_id in picked else bare
        changed = changed or want != (text or "")
        out.append((media, want or None))
    return out if changed else gr.skip()


def _other_image(media: Any, content_id: str) -> bool:
    """Whether a gallery item is the thumbnail of another image than content_id: a
    thumbnail is named by its content id (thumbs/ab/abcd….jpg). Such a pair comes from
    a gallery read before a redraw and ids read after it (or the reverse)."""
    if isinstance(media, dict):
        media = media.get("path") or media.get("url")
    if not isinstance(media, str | PurePath):
        return False
    stem = PurePath(str(media)).stem
    return bool(CONTENT_ID.fullmatch(stem)) and stem != content_id
