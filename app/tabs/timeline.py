"""The Timeline view (a sub-tab of Filters): the library by month or day, newest first.

Each group is a row: its date, count and where the dates come from (EXIF, or file times),
a "Show" button and a strip of its newest thumbnails. Show (or a click on the strip) opens
that month or day in Filter & sort; the events found in the page (indexing.query.timeline)
are listed below, and choosing one shows its date range there. The query is
indexing.query.timeline, the same one `launch.py timeline` prints.

The groups count what the Filters tab's filters let through (less its dates, which Show
sets): one rule for the Timeline and its Show, so a group of 12 opens a list of 12.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from app import selection
from app.components import thumbnails
from app.context import AppContext
from app.safe_text import literal
from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.timeline import Group, Timeline, timeline

BY = {"Month": "month", "Day": "day"}


@dataclass
class Target:
    """Where a chosen group goes: outputs to set, then a refresh of the listing."""

    outputs: list[Any]
    choose: Callable[[dict[str, str]], tuple]
    refresh: Callable[[], tuple[Callable[..., Any], list[Any], list[Any]]]
    filter_inputs: list[Any]  # the widgets whose values make the filter the groups count
    filter_of: Callable[..., tuple[Filter, str]]  # (those values) -> (filter, a note or "")


@dataclass
class TimelineView:
    by: gr.Radio
    prev: gr.Button
    next: gr.Button
    page_label: gr.Markdown
    events: gr.Radio
    status: gr.Markdown
    page: gr.State
    groups: gr.State  # [{"caption", "thumbs", "filter", "ids", "label"}] of the rows shown
    event_filters: gr.State  # {label: filter values}
    select: selection.SelectionBar | None = None  # select many: app/tabs/timeline_selection
    picks: gr.Gallery | None = None  # with Select on: the photos of the rows, in one gallery
    pick_ids: gr.State | None = None  # their content ids
    rows_box: gr.Column | None = None  # the rows (hidden while selecting)
    redraw: tuple[Callable[..., Any], list[Any], list[Any]] | None = None  # set by listen()


def render(ctx: AppContext, target: Target) -> TimelineView:
    with gr.Row(equal_height=True):
        by = gr.Radio(list(BY), value="Month", label="Group by", elem_id="timeline-by")
        prev = gr.Button("◀ Newer", size="sm", elem_id="timeline-prev")
        page_label = gr.Markdown("", elem_id="timeline-page")
        next_ = gr.Button("Older ▶", size="sm", elem_id="timeline-next")
    status = gr.Markdown("Open this view to see your library by date.", elem_id="timeline-status")
    groups = gr.State([])
    select = selection.render("timeline")
    picks = thumbnails(label="Photos of the groups shown (click to select)", columns=8,
                       object_fit="cover", visible=False, elem_id="timeline-picks")  # fmt: skip
    with gr.Column(elem_id="timeline-rows") as rows_box:  # hidden while selecting
        # Drawn when the groups change, not on every page load (empty then: nothing to draw, but
        # a render on load costs the first page a round trip and a re-layout).
        @gr.render(inputs=[groups], triggers=[groups.change])
        def rows(shown: list[dict[str, Any]]) -> None:
            for number, group in enumerate(shown):
                with gr.Row(equal_height=True, elem_classes=["timeline-group"]):
                    gr.Markdown(group["caption"], elem_id=f"timeline-caption-{number}")
                    button = gr.Button(
                        "Show", size="sm", scale=0, min_width=80, elem_id=f"timeline-show-{number}"
                    )
                strip = thumbnails(
                    value=group["thumbs"],
                    columns=8,
                    rows=1,
                    height=130,
                    allow_preview=False,
                    show_label=False,
                    object_fit="cover",
                    elem_id=f"timeline-strip-{number}",
                )
                values = group["filter"]
                for trigger in (button.click, strip.select):
                    fn, inputs, outputs = target.refresh()
                    trigger(lambda v=values: target.choose(v), None, target.outputs).then(
                        fn, inputs, outputs
                    )

    events = gr.Radio(
        [], label="Events on this page (choose one to show it)", elem_id="timeline-events"
    )
    return TimelineView(
        by, prev, next_, page_label, events, status, gr.State(1), groups, gr.State({}),
        select, picks, gr.State([]), rows_box,
    )  # fmt: skip


def caption(group: Group) -> str:
    return f"**{literal(group.label)}** · {group.count:,} images · {group.source_line}"


def show(
    ctx: AppContext, by_label: str, page: int, flt: Filter | None = None, note: str = ""
) -> tuple:
    """Groups, events, event filters, page, page label, status."""
    by = BY.get(by_label, "month")
    try:
        with ctx.catalog() as catalog:
            result: Timeline = timeline(catalog, flt, by, max(1, int(page)))
            if not result.groups and result.page > 1:
                result = timeline(catalog, flt, by, result.pages)
    except PictorError as exc:
        return [], gr.update(choices=[]), {}, 1, "", f"⚠️ {literal(exc)}"
    groups = []
    for group in result.groups:
        shown = [
            (str(path), t.content_id)
            for path, t in ((ctx.library.thumbs.path_for(t.content_id), t) for t in group.thumbs)
            if Path(path).exists()
        ]
        groups.append(
            {
                "caption": caption(group),
                "thumbs": [path for path, _ in shown],
                "filter": group.filter_values(),
                "ids": [cid for _, cid in shown],
                "label": group.label,
            }
        )
    events = {event.label: event.filter_values() for event in result.events}
    label = f"Page {result.page} of {result.pages}"
    filtered = flt is not None and flt != Filter()
    if result.images:
        status = (
            f"**{result.images:,} images** in {result.groups_total:,} {by}s. Events: EXIF-dated "
            "photos at most 3 hours apart, in one place, at least 5."
        )
        if filtered:
            status += "  \nCounting only what the filters in Filter & sort let through."
    elif filtered:
        status = "No image passes the filters set in Filter & sort (Clear filters there)."
    else:
        status = "No images yet: add a folder in the Library tab."
    if note:
        status += f"  \n{literal(note)}"
    return (
        groups, gr.update(choices=list(events), value=None), events, result.page, label, status,
    )  # fmt: skip


def listen(view: TimelineView, ctx: AppContext, opened: Any, target: Target) -> None:
    outputs = [
        view.groups, view.events, view.event_filters, view.page, view.page_label, view.status,
    ]  # fmt: skip

    def filtered(by: str, page: int, *values: Any) -> tuple:
        try:
            flt, note = target.filter_of(*values)
        except PictorError as exc:  # a bad value in Filter & sort: said there too
            flt, note = Filter(), f"Filters not applied: {exc}"
        return show(ctx, by, page, flt, note)

    controls = target.filter_inputs
    # After a selection's action (app/tabs/timeline_selection.py): the same page again.
    view.redraw = (filtered, [view.by, view.page, *controls], outputs)
    opened.select(lambda by, *v: filtered(by, 1, *v), [view.by, *controls], outputs)
    view.by.change(lambda by, *v: filtered(by, 1, *v), [view.by, *controls], outputs)
    view.prev.click(
        lambda by, page, *v: filtered(by, page - 1, *v), [view.by, view.page, *controls], outputs
    )
    view.next.click(
        lambda by, page, *v: filtered(by, page + 1, *v), [view.by, view.page, *controls], outputs
    )

    def to_event(label: str | None, events: dict[str, dict[str, str]]):
        values = events.get(label or "")
        return target.choose(values) if values else tuple(gr.update() for _ in target.outputs)

    fn, inputs, refresh_outputs = target.refresh()
    view.events.input(to_event, [view.events, view.event_filters], target.outputs).then(
        fn, inputs, refresh_outputs
    )
