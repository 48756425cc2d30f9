"""Select many, in any gallery: a "Select" switch over the gallery; while it is on a click
toggles an image (✓ in its caption), shift-click selects the range from the last click,
"Select all on this page", "Select all results" (every result of the tab's current query,
kept on the server as ids, never sent to the browser) and Clear. The selection can be
rated, tagged or untagged, added to an album (or removed from the album shown), made the
album's cover, or moved to the trash with Undo: each after one confirmation that says how
many. The work is indexing.curate's bulk calls (Albums.add, Tags.add take many ids at once).

A tab renders the bar with render() beside its gallery and wires it with listen(), giving
what only it knows: how to list all its results, and how to redraw its page after a change.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app import selection_actions
from app.context import AppContext
from app.safe_text import literal
from app.selection_bar import (
    MARK,
    READ_SHIFT,
    Chosen,
    SelectionBar,
    Wiring,
    counted,
    marked,
    render,
    toggled,
)
from indexing.curate.smart_albums import hand_filled
from indexing.curate.tags import Tags
from indexing.errors import PictorError

__all__ = ["MARK", "Chosen", "SelectionBar", "Wiring", "counted", "listen", "marked", "render",
           "toggled"]  # fmt: skip


def listen(bar: SelectionBar, ctx: AppContext, wiring: Wiring) -> None:
    """Wire the bar to its gallery: the switch, clicks, select all, clear and the actions."""
    gallery, ids_state = wiring.gallery, wiring.ids
    # One at a time and in order, every click (none dropped while one is answered): two quick
    # clicks must select two images, each reading the selection the one before left.
    quiet: dict[str, Any] = {
        "show_progress": "hidden",
        "trigger_mode": "multiple",
        "concurrency_limit": 1,
        "concurrency_id": f"{bar.prefix}-select",
    }

    def choices() -> tuple[Any, Any]:
        with ctx.catalog() as catalog:
            tags = [tag for tag, _ in Tags(catalog).counts()]
            albums = [album.path for album in hand_filled(catalog)]  # not the smart ones
        return gr.Dropdown(choices=tags), gr.Dropdown(choices=albums)

    def switched(on: bool, items, ids_shown):
        chosen = Chosen()
        return (
            gr.Column(visible=bool(on)), counted(chosen, on), chosen,
            marked(items, ids_shown, chosen), *choices(), gr.Group(visible=False), "",
        )  # fmt: skip

    def click(shift: bool, on: bool, ids_shown: list[str], chosen: Chosen, items,
              evt: gr.SelectData):  # fmt: skip
        if not on:
            return gr.skip(), gr.skip(), gr.skip()
        index = evt.index if isinstance(evt.index, int) else -1
        chosen = toggled(chosen or Chosen(), ids_shown or [], index, bool(shift))
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen)

    def select_page(ids_shown: list[str], chosen: Chosen, items):
        ids = dict((chosen or Chosen()).ids)
        ids.update(dict.fromkeys(ids_shown or []))
        chosen = Chosen(ids, None, "")
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen)

    def select_everything(ids_shown: list[str], items, *values):
        try:
            every, said = wiring.everything(*values)
        except PictorError as exc:
            return gr.skip(), gr.skip(), gr.skip(), f"⚠️ {literal(exc)}"
        chosen = Chosen(dict.fromkeys(every), None, said)
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen), ""

    def cleared(ids_shown: list[str], items):
        chosen = Chosen()
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen), ""

    mode_outputs = [bar.tools, bar.count, bar.chosen, gallery, bar.tag, bar.album, bar.confirm,
                    bar.message]  # fmt: skip

    def all_label(on: bool, *values):
        """'Select all 1,240 results': how many the button would select, once selecting."""
        if not on:
            return gr.skip()
        try:
            every, _ = wiring.everything(*values)
        except PictorError:
            return gr.Button(value=f"Select all {wiring.results}")
        return gr.Button(value=f"Select all {len(every):,} {wiring.results}")

    bar.mode.change(switched, [bar.mode, gallery, ids_state], mode_outputs, **quiet).then(
        all_label, [bar.mode, *wiring.everything_inputs], [bar.everything], **quiet
    )
    if wiring.scope:
        seen = gr.State(None)  # the scope_key of the results the selection was made in
        scoped = len(wiring.scope)

        def rescoped(previous: str | None, on: bool, chosen: Chosen, items, shown, *values):
            """Other results: the selection ends, a question asked of it is withdrawn ("Yes,
            do it" must never reach the images of the results before), and "Select all N" is
            counted again."""
            key = wiring.scope_key(*values[:scoped])
            if key == previous:
                return (gr.skip(),) * 7
            label = all_label(on, *values[scoped:])
            withdrawn = (gr.Group(visible=False), None)  # bar.confirm, bar.pending
            if not chosen:
                return key, gr.skip(), gr.skip(), gr.skip(), label, *withdrawn
            fresh = Chosen()
            return (key, fresh, counted(fresh, on), marked(items, shown or [], fresh), label,
                    *withdrawn)  # fmt: skip

        # Read on each new gallery (the event that shows other results sets the scope with
        # it), and on a change of the scope itself where its values hash (a State's change
        # event hashes its value, which a dataclass with a dict in it refuses): an album
        # renamed shows the same photos, and its selection ends then, not at a later redraw.
        changes = [component.change for component in wiring.scope] if wiring.scope_changes else []
        gr.on(
            [gallery.change, *changes], rescoped,
            [seen, bar.mode, bar.chosen, gallery, ids_state, *wiring.scope,
             *wiring.everything_inputs],
            [seen, bar.chosen, bar.count, gallery, bar.everything, bar.confirm, bar.pending],
            **quiet,
        )  # fmt: skip
    gallery.select(click, [bar.shift, bar.mode, ids_state, bar.chosen, gallery],
                   [bar.chosen, bar.count, gallery], js=READ_SHIFT, **quiet)  # fmt: skip
    picked = [bar.chosen, bar.count, gallery]
    bar.page_all.click(select_page, [ids_state, bar.chosen, gallery], picked, **quiet)
    bar.everything.click(select_everything, [ids_state, gallery, *wiring.everything_inputs],
                         [*picked, bar.message], **quiet)  # fmt: skip
    bar.clear.click(cleared, [ids_state, gallery], [*picked, bar.message], **quiet)
    # A new page (paging, a refresh, the viewer's trash) shows the ✓ of what is selected.
    gallery.change(lambda items, shown, chosen: marked(items, shown or [], chosen),
                   [gallery, ids_state, bar.chosen], [gallery], **quiet)  # fmt: skip
    selection_actions.listen(bar, ctx, wiring, choices)
