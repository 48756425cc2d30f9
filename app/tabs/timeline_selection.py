"""Select many in the Timeline (Filters → Timeline): the shared selection bar (app/selection.py)
over the photos of the period shown. With Select on, the rows of months or days give way to
one gallery of the photos they show (the newest of each group, captioned with its group);
"Select all N photos of the period" is every photo of the page's groups that Filter & sort's
filters let through, which is what the groups count. The selection ends with its period:
another page, Month or Day, other filters, or a change that redraws the groups.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import gradio as gr

from app import selection
from app.context import AppContext
from app.tabs.timeline import Target, TimelineView
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.filters import Filter
from indexing.query.ranking import allowed_ids
from indexing.store.catalog import Catalog

Groups = list[dict[str, Any]]  # the Timeline's groups state (timeline.show)


def period(groups: Groups) -> tuple[date, date]:
    """The first and last day of the groups shown (newest first): the page's period."""
    if not groups:
        raise PictorError("Open the Timeline first: nothing is shown to select from.")
    return _days(groups[-1]["filter"])[0], _days(groups[0]["filter"])[1]


def _days(values: dict[str, str]) -> tuple[date, date]:
    if "day" in values:
        day = date.fromisoformat(values["day"])
        return day, day
    year, month = (int(part) for part in values["month"].split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_ids(catalog: Catalog, flt: Filter, groups: Groups) -> list[str]:
    """Every image of the period shown that the filter (less its dates) lets through."""
    first, last = period(groups)
    return allowed_ids(catalog, flt.model_copy(update={"taken_from": first, "taken_to": last}), -1)


def scope_key(groups: Groups) -> str:
    """The results shown: which groups, with their counts (so other filters, or a change
    that moves a photo out of them, end the selection)."""
    return "\n".join(group["caption"] for group in groups or [])


def page_photos(groups: Groups) -> tuple[list[tuple[str, str]], list[str]]:
    """The gallery's items (thumbnail, its group's name) and their content ids."""
    items, ids = [], []
    for group in groups or []:
        for path, content_id in zip(group["thumbs"], group.get("ids", []), strict=False):
            items.append((path, group.get("label", "")))
            ids.append(content_id)
    return items, ids


def listen(view: TimelineView, ctx: AppContext, target: Target) -> None:
    if view.select is None or view.picks is None or view.pick_ids is None or not view.redraw:
        return
    bar, picks, pick_ids, rows_box = view.select, view.picks, view.pick_ids, view.rows_box

    def every_photo(groups: Groups, *values: Any) -> tuple[list[str], str]:
        flt, _ = target.filter_of(*values)
        with ctx.catalog() as catalog:
            ids = period_ids(catalog, flt, groups)
        newest, oldest = groups[0]["label"], groups[-1]["label"]
        span = newest if newest == oldest else f"{oldest} – {newest}"
        return ids, f"all {plural(len(ids), 'photo')} of {span}"

    def shown(on: bool, groups: Groups):
        """With Select on, the groups' photos in one gallery instead of the rows."""
        if not on:
            return gr.Gallery(visible=False), gr.skip(), gr.Column(visible=True)
        items, ids = page_photos(groups)
        return gr.Gallery(value=items, visible=True), ids, gr.Column(visible=False)

    gr.on([bar.mode.change, view.groups.change], shown, [bar.mode, view.groups],
          [picks, pick_ids, rows_box], show_progress="hidden")  # fmt: skip
    redraw, inputs, outputs = view.redraw
    selection.listen(bar, ctx, selection.Wiring(
        picks, pick_ids, every_photo, [view.groups, *target.filter_inputs],
        redraw, inputs, outputs, scope=[view.groups], scope_key=scope_key,
        results="photos of the period",
    ))  # fmt: skip
