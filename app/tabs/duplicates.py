"""The Duplicates view (a sub-tab of Filters): groups side by side, keep the best, trash the rest.

A page shows up to SLOTS groups, each in a fixed slot (so element ids stay stable): a
heading, the members as cards, "Keep the keeper, trash the rest", "Not duplicates (keep
all)" and "Not a duplicate: take ★ out". Clicking a card makes it that group's keeper
(★) and shows it in the shared viewer below. "For every group" asks first, saying how many
files will move. Grouping (which first compares what is new) and trashing every group run
in the background with progress and Cancel; the other tabs keep working meanwhile. What a
button did (files trashed, groups dismissed, decisions reset) has an Undo beside its
message. Every viewer's "Show its duplicates" lands here with that image's group.

The widgets and the page's drawing live in duplicate_page.py, what the buttons do to the
catalog in duplicate_actions.py; this module builds the tab (render) and wires its events
(listen).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app import detail, selection
from app.components import thumbnails
from app.context import AppContext
from app.tabs.duplicate_actions import keep_pressed, listen_decisions, listen_keep_all
from app.tabs.duplicate_page import (
    DEFAULT_THRESHOLDS,
    PARTS,
    SLOTS,
    TIER_INFO,
    TIER_LABELS,
    DuplicatesTab,
    chosen_threshold,
    hidden_slots,
    outputs_of,
    render_slot,
    shown_rows,
    slot_values,
    undo_values,
)
from indexing.dedup.tiers import THRESHOLDS
from indexing.query.duplicates import Groups, duplicates_of, find_groups

__all__ = ["DuplicatesTab", "listen", "listen_show_duplicates", "render", "source"]


def render() -> DuplicatesTab:
    with gr.Row(equal_height=True):
        tier = gr.Radio(list(TIER_LABELS), value="Exact copies", label="Tier", info=TIER_INFO,
                        elem_id="dup-tier")  # fmt: skip
        threshold = gr.Slider(
            *THRESHOLDS["similar"], value=DEFAULT_THRESHOLDS["similar"], step=0.01,
            label="Similarity threshold (cosine)", visible=False, elem_id="dup-threshold",
        )  # fmt: skip
        near_threshold = gr.Slider(
            *THRESHOLDS["near"], value=DEFAULT_THRESHOLDS["near"], step=1,
            label="Near-identical threshold (differing hash bits)", visible=False,
            elem_id="dup-near-threshold",
        )  # fmt: skip
        find = gr.Button("Find groups", variant="primary", elem_id="dup-find")
        cancel = gr.Button("Cancel", variant="stop", elem_id="dup-cancel")
    progress = gr.Markdown("", elem_id="dup-progress")
    with gr.Row(equal_height=True):
        keep_everywhere = gr.Button(
            "Keep the keeper in every group, trash the rest…", elem_id="dup-keep-all"
        )
        confirm = gr.Button("Yes, move them to the trash", variant="stop", visible=False,
                            elem_id="dup-confirm-all")  # fmt: skip
    with gr.Row(equal_height=True, elem_id="dup-message-row"):
        message = gr.Markdown("", elem_id="dup-message")
        undo = gr.Button("Undo", size="sm", visible=False, elem_id="dup-undo")
        reset = gr.Button("Show dismissed groups again", size="sm", elem_id="dup-reset-dismissed")
    with gr.Row(equal_height=True, elem_id="dup-pager"):
        prev = gr.Button("◀ Previous", size="sm", elem_id="dup-prev")
        count = gr.Markdown("", elem_id="dup-count")
        next_ = gr.Button("Next ▶", size="sm", elem_id="dup-next")
    select = selection.render("dups", whole_page=False)  # the page's keepers: never all of it
    picks = thumbnails(label="The images of the groups shown (click to select)", columns=6,
                       object_fit="contain", visible=False, elem_id="dup-picks")  # fmt: skip
    with gr.Column(elem_id="dup-slots") as slots_box:  # hidden while selecting
        slots = [render_slot(n) for n in range(SLOTS)]
    return DuplicatesTab(tier, threshold, near_threshold, find, cancel, progress, keep_everywhere,
                         confirm, message, undo, gr.State(None), reset, prev, next_, count, slots,
                         gr.State(None), gr.State([]), select, picks, gr.State([]),
                         slots_box)  # fmt: skip


def source(tab: DuplicatesTab) -> detail.Source:
    """The viewer's list when a card is clicked: that card's group."""
    return detail.Source("duplicates", "Duplicates", tab.ids)


def listen(
    tab: DuplicatesTab, ctx: AppContext, viewer: detail.Viewer, viewer_events: dict[str, Any]
) -> None:
    """viewer_events: detail.listen's trash and undo, after which the page is drawn again
    (when the viewer was opened here)."""
    outputs = outputs_of(tab)

    def show(tier_label: str, threshold: float | None, page: int = 1, message: str = "", last=None):
        tier = TIER_LABELS.get(tier_label, "exact")
        chosen = threshold if tier in DEFAULT_THRESHOLDS else None
        yield from shown_rows(
            ctx, tab,
            lambda report, cancel: find_groups(ctx.library, tier, chosen, page, report, cancel),
            message, last,
        )  # fmt: skip

    def turn(groups: Groups | None, step: int, message: str = "", last=None):
        if groups is None:
            said = message or "Press Find groups first."
            yield ("", None, "", said, *undo_values(last), *hidden_slots(tab))
            return
        page = min(max(1, groups.page + step), groups.pages)
        threshold = groups.threshold if groups.threshold is not None else 0.0
        label = next(k for k, v in TIER_LABELS.items() if v == groups.tier)
        yield from show(label, threshold, page, message, last)

    def find(tier_label: str, near: float | None, similar: float | None):
        yield from show(tier_label, chosen_threshold(tier_label, near, similar))

    # By elem_id: the component gradio hands back is the session's copy, with its own _id.
    keep_buttons = {slot.keep.elem_id: number for number, slot in enumerate(tab.slots)}

    def keep(groups: Groups | None, tier_label: str, near, similar, evt: gr.EventData):
        """The Keep button of the slot pressed (one event for all slots: see below)."""
        threshold = chosen_threshold(tier_label, near, similar)
        slot = keep_buttons.get(getattr(evt.target, "elem_id", None), len(tab.slots))
        yield from keep_pressed(ctx, groups, slot, tier_label, threshold, show)

    def redraw(groups: Groups | None):
        yield from turn(groups, 0)

    tab.redraw = (redraw, [tab.shown], outputs)  # after a selection's action

    def earlier(groups: Groups | None):
        yield from turn(groups, -1)

    def later(groups: Groups | None):
        yield from turn(groups, 1)

    chosen = [tab.tier, tab.near_threshold, tab.threshold]
    tab.find.click(find, chosen, outputs)
    tab.cancel.click(
        lambda: ctx.grouping.cancel(
            "Nothing is running here.", "Cancelling… what is done so far is kept."
        ),
        None, [tab.progress], queue=False,
    )  # fmt: skip
    tab.tier.change(_threshold_for, [tab.tier], [tab.near_threshold, tab.threshold])
    tab.prev.click(earlier, [tab.shown], outputs)
    tab.next.click(later, [tab.shown], outputs)
    # One event for the slots' cards and one for their Keep buttons, told apart by the
    # component that fired: the page's load time grows with components x events.
    slot_parts = [c for s in tab.slots for c in s.parts()]
    galleries = {slot.gallery.elem_id: number for number, slot in enumerate(tab.slots)}

    def choose(groups: Groups | None, evt: gr.SelectData):
        slot = galleries.get(getattr(evt.target, "elem_id", None), len(tab.slots))
        shown, *values = _choose_keeper(ctx, tab, viewer, groups, slot, evt)
        parts = [gr.skip()] * len(slot_parts)
        if slot < len(tab.slots):
            parts[PARTS * slot : PARTS * slot + PARTS] = values[:PARTS]
        return (shown, *parts, *values[PARTS:])

    gr.on([s.gallery.select for s in tab.slots], choose, [tab.shown],
          [tab.shown, *slot_parts, *viewer.open_outputs, tab.ids])  # fmt: skip
    gr.on([s.keep.click for s in tab.slots], keep, [tab.shown, *chosen], outputs)
    listen_decisions(tab, ctx, turn, outputs)

    def redraw_if_here(groups: Groups | None, shown: detail.Shown | None):
        if shown is None or shown.source != "duplicates":
            yield tuple(gr.skip() for _ in outputs)
            return
        yield from redraw(groups)

    # The viewer's trash and undo change the groups: the page is drawn again after either.
    for event in viewer_events.values():
        event.then(redraw_if_here, [tab.shown, viewer.listed], outputs)
    listen_keep_all(tab, ctx, show, outputs)


def listen_show_duplicates(
    tab: DuplicatesTab,
    ctx: AppContext,
    button: gr.Button,
    content_id: gr.State,
    tabs: gr.Tabs,
    filter_tabs: gr.Tabs,
    closes: gr.Column | None = None,
) -> None:
    """A "Show its duplicates": open this view with that image's group (and close the
    viewer, `closes`, where it was pressed there)."""
    outputs = outputs_of(tab)
    keep = (gr.skip(),) if closes is not None else ()

    def run(cid: str | None):
        if not cid:
            yield (gr.skip(), gr.skip(), gr.skip(), "", gr.skip(), gr.skip(),
                   "Click an image first.", *[gr.skip()] * (len(outputs) - 4), *keep)  # fmt: skip
            return
        opened = (gr.Tabs(selected="filters"), gr.Tabs(selected="duplicates"))
        closed = (detail.closed(),) if closes is not None else ()
        yield (*opened, gr.skip(), "Looking for its duplicates…",
               *[gr.skip()] * (len(outputs) - 1), *closed)  # fmt: skip
        rows = shown_rows(
            ctx, tab, lambda report, cancel: duplicates_of(ctx.library, cid, report, cancel)
        )
        for row in rows:
            groups = row[1]
            tier = gr.skip()
            if isinstance(groups, Groups):
                tier = next(k for k, v in TIER_LABELS.items() if v == groups.tier)
            yield (gr.skip(), gr.skip(), tier, *row, *keep)

    closing = [closes] if closes is not None else []
    button.click(run, [content_id], [tabs, filter_tabs, tab.tier, *outputs, *closing])


def _threshold_for(tier_label: str):
    """Show the chosen tier's own slider (near, similar), keeping the value set in it."""
    tier = TIER_LABELS.get(tier_label, "exact")
    return gr.Slider(visible=tier == "near"), gr.Slider(visible=tier == "similar")


def _choose_keeper(
    ctx: AppContext,
    tab: DuplicatesTab,
    viewer: detail.Viewer,
    groups: Groups | None,
    slot: int,
    evt: gr.SelectData,
):
    """The card clicked becomes the keeper, and the viewer shows it (its group is the list)."""
    if groups is None or slot >= len(groups.groups):
        return (groups, *((gr.skip(),) * PARTS), *detail.unchanged(viewer), gr.skip())
    group = groups.groups[slot]
    if isinstance(evt.index, int) and 0 <= evt.index < len(group.members):
        group.keeper = evt.index
    chosen = group.members[group.keeper].content_id if group.members else None
    ids = list(dict.fromkeys(m.content_id for m in group.members))
    return (
        groups,
        *slot_values(ctx, group, (groups.page - 1) * SLOTS + slot + 1),
        *detail.opened(ctx, source(tab), ids, chosen),
        ids,
    )
