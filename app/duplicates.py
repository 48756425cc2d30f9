"""The Duplicates view (a sub-tab of Filters): groups side by side, keep the best, trash the rest.

A page shows up to SLOTS groups, each in a fixed slot (so element ids stay stable): a
heading, the members as cards, and "Keep the keeper, trash the rest". Clicking a card makes
it that group's keeper. "For every group" asks first, saying how many files will move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gradio as gr

from app.components import format_bytes
from app.context import AppContext
from app.safe_text import code, literal
from indexing.curate.keep_best import keep_all, keep_one
from indexing.dedup.tiers import THRESHOLDS
from indexing.errors import PictorError
from indexing.query.duplicates import (
    GROUPS_PER_PAGE,
    Group,
    Groups,
    Member,
    all_groups,
    files_replaced,
    find_groups,
)

SLOTS = GROUPS_PER_PAGE
TIER_LABELS = {
    "Exact copies": "exact",
    "Near-identical (resized, re-compressed, rotated, mirrored)": "near",
    "Similar (same scene, bursts, crops)": "similar",
    "Clusters (browse what is in the library)": "clusters",
}
DEFAULT_THRESHOLDS = {"near": 10.0, "similar": 0.9}


@dataclass
class Slot:
    box: gr.Column
    heading: gr.Markdown
    gallery: gr.Gallery
    paths: gr.Markdown
    keep: gr.Button


@dataclass
class DuplicatesTab:
    tier: gr.Radio
    threshold: gr.Slider  # the similar tier's (cosine)
    near_threshold: gr.Slider  # the near tier's (bits): its own slider, so no event races
    find: gr.Button
    keep_all: gr.Button
    confirm_all: gr.Button
    message: gr.Markdown
    prev: gr.Button
    next: gr.Button
    count: gr.Markdown
    slots: list[Slot]
    shown: gr.State  # the Groups on screen


def render() -> DuplicatesTab:
    with gr.Row(equal_height=True):
        tier = gr.Radio(list(TIER_LABELS), value="Exact copies", label="Tier", elem_id="dup-tier")
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
    with gr.Row(equal_height=True):
        keep_everywhere = gr.Button(
            "Keep the keeper in every group, trash the rest…", elem_id="dup-keep-all"
        )
        confirm = gr.Button("Yes, move them to the trash", variant="stop", visible=False,
                            elem_id="dup-confirm-all")  # fmt: skip
    message = gr.Markdown("", elem_id="dup-message")
    with gr.Row(equal_height=True):
        prev = gr.Button("◀ Previous", size="sm", elem_id="dup-prev")
        count = gr.Markdown("", elem_id="dup-count")
        next_ = gr.Button("Next ▶", size="sm", elem_id="dup-next")
    slots = [_render_slot(n) for n in range(SLOTS)]
    return DuplicatesTab(tier, threshold, near_threshold, find, keep_everywhere, confirm, message,
                         prev, next_, count, slots, gr.State(None))  # fmt: skip


def chosen_threshold(tier_label: str, near: float | None, similar: float | None) -> float | None:
    """The threshold of the chosen tier, read from that tier's own slider (None: no threshold)."""
    tier = TIER_LABELS.get(tier_label, "exact")
    return near if tier == "near" else similar if tier == "similar" else None


def _render_slot(n: int) -> Slot:
    with gr.Column(visible=False, elem_id=f"dup-group-{n}") as box:
        heading = gr.Markdown("", elem_id=f"dup-group-{n}-heading")
        gallery = gr.Gallery(
            columns=4, height="auto", allow_preview=False, object_fit="contain",
            elem_id=f"dup-group-{n}-gallery",
        )  # fmt: skip
        paths = gr.Markdown("", elem_id=f"dup-group-{n}-paths")
        keep = gr.Button(
            "Keep the keeper, trash the rest", size="sm", elem_id=f"dup-group-{n}-keep"
        )
    return Slot(box, heading, gallery, paths, keep)


def card_caption(member: Member, keeper: bool) -> str:
    """'★ keeper · 1920×1080 · 2.1 MB · 2023-07-01 · 7.5 yours · IMG_1.jpg' (what decides the
    keeper, then the file name; the group lists the full paths under its cards)."""
    when = datetime.fromtimestamp(member.date_key).strftime("%Y-%m-%d") if member.date_key else ""
    parts = ["★ keeper"] if keeper else []
    parts += [f"{member.width}×{member.height}", format_bytes(member.bytes), when]
    if member.rating is not None:
        parts.append(f"{member.rating:g} yours")
    elif member.predicted is not None:
        parts.append(f"{member.predicted:.1f} predicted")
    parts.append(member.path.rsplit("/", 1)[-1])
    return " · ".join(p for p in parts if p)


def slot_values(ctx: AppContext, group: Group | None, number: int) -> tuple:
    if group is None or not group.members:
        return gr.Column(visible=False), "", [], "", gr.skip()
    keeper = group.members[group.keeper]
    items = [
        (str(ctx.library.thumbs.path_for(m.content_id)), card_caption(m, i == group.keeper))
        for i, m in enumerate(group.members)
    ]
    moving = files_replaced(group)
    size = f" of a cluster of {group.size:,}" if group.size else ""
    heading = (
        f"**Group {number}**: {len(group.members)} images{size}; keeping "
        f"{code(keeper.path)}, {moving} file(s) would move to the trash"
    )
    listing = "  \n".join(
        f"{'★ ' if i == group.keeper else ''}{code(m.path)}"
        + (
            f" (+{len(m.paths) - 1} more copies)"
            if len(m.paths) > 1 and m.path == m.paths[0]
            else ""
        )
        for i, m in enumerate(group.members)
    )
    return gr.Column(visible=True), heading, items, listing, gr.Button(visible=not group.size)


def listen(tab: DuplicatesTab, ctx: AppContext) -> None:
    slot_outputs = [c for s in tab.slots for c in (s.box, s.heading, s.gallery, s.paths, s.keep)]
    outputs = [tab.shown, tab.count, tab.message, *slot_outputs]

    def show(tier_label: str, threshold: float | None, page: int = 1, message: str = ""):
        tier = TIER_LABELS.get(tier_label, "exact")
        try:
            groups = find_groups(
                ctx.library, tier, threshold if tier in DEFAULT_THRESHOLDS else None, page
            )
        except PictorError as exc:
            return (None, "", f"⚠️ {literal(exc)}", *_hidden(tab))
        return _page(ctx, groups, message)

    def turn(groups: Groups | None, step: int):
        if groups is None:
            return (None, "", "Press Find groups first.", *_hidden(tab))
        page = min(max(1, groups.page + step), groups.pages)
        threshold = groups.threshold if groups.threshold is not None else 0.0
        label = next(k for k, v in TIER_LABELS.items() if v == groups.tier)
        return show(label, threshold, page)

    chosen = [tab.tier, tab.near_threshold, tab.threshold]
    tab.find.click(lambda t, n, s: show(t, chosen_threshold(t, n, s)), chosen, outputs)
    tab.tier.change(_threshold_for, [tab.tier], [tab.near_threshold, tab.threshold])
    tab.prev.click(lambda g: turn(g, -1), [tab.shown], outputs)
    tab.next.click(lambda g: turn(g, 1), [tab.shown], outputs)
    for number, slot in enumerate(tab.slots):
        slot.gallery.select(
            _keeper_chooser(ctx, number),
            [tab.shown],
            [tab.shown, slot.box, slot.heading, slot.gallery, slot.paths, slot.keep],
        )
        slot.keep.click(
            lambda groups, label, near, similar, n=number: _keep(
                ctx, groups, n, label, chosen_threshold(label, near, similar), show
            ),
            [tab.shown, *chosen],
            outputs,
        )
    _listen_keep_all(tab, ctx, show, outputs)


def _listen_keep_all(tab: DuplicatesTab, ctx: AppContext, show, outputs: list) -> None:
    def ask(tier_label: str, threshold: float):
        tier = TIER_LABELS.get(tier_label, "exact")
        if tier == "clusters":
            return "Clusters are for browsing; pick keepers in another tier.", gr.Button(
                visible=False
            )
        try:
            groups = all_groups(
                ctx.library, tier, threshold if tier in DEFAULT_THRESHOLDS else None
            )
        except PictorError as exc:
            return f"⚠️ {literal(exc)}", gr.Button(visible=False)
        moving = sum(files_replaced(g) for g in groups)
        if not moving:
            return "Nothing to move: no groups in this tier.", gr.Button(visible=False)
        text = (
            f"This keeps the suggested keeper of each of the {len(groups):,} groups and moves "
            f"**{moving:,} files** to the trash (you can restore them from Trash). Sure?"
        )
        return text, gr.Button(visible=True)

    def confirm(tier_label: str, threshold: float):
        tier = TIER_LABELS.get(tier_label, "exact")
        groups = all_groups(ctx.library, tier, threshold if tier in DEFAULT_THRESHOLDS else None)
        with ctx.catalog() as catalog:
            report = keep_all(catalog, groups)
        said = _said(report)
        return (*show(tier_label, threshold, 1, said), gr.Button(visible=False))

    chosen = [tab.tier, tab.near_threshold, tab.threshold]
    tab.keep_all.click(
        lambda t, n, s: ask(t, chosen_threshold(t, n, s)), chosen, [tab.message, tab.confirm_all]
    )
    tab.confirm_all.click(
        lambda t, n, s: confirm(t, chosen_threshold(t, n, s)), chosen,
        [*outputs, tab.confirm_all],
    )  # fmt: skip
    # A confirmation counts the files of one tier and threshold: changing either withdraws it.
    for changed in (tab.tier, tab.near_threshold, tab.threshold):
        changed.change(lambda: gr.Button(visible=False), None, [tab.confirm_all], queue=False)


def _threshold_for(tier_label: str):
    """Show the chosen tier's own slider (near, similar), keeping the value set in it."""
    tier = TIER_LABELS.get(tier_label, "exact")
    return gr.Slider(visible=tier == "near"), gr.Slider(visible=tier == "similar")


def _page(ctx: AppContext, groups: Groups, message: str) -> tuple:
    values: list[Any] = []
    for n in range(SLOTS):
        group = groups.groups[n] if n < len(groups.groups) else None
        values += slot_values(ctx, group, (groups.page - 1) * SLOTS + n + 1)
    count = (
        f"**{groups.total:,} groups** · page {groups.page} of {groups.pages} · "
        f"{groups.files_to_trash:,} files would move for this page's groups"
        if groups.total
        else "No groups in this tier."
    )
    notes = [message, *(literal(n) for n in groups.notes)]
    return (groups, count, "  \n".join(n for n in notes if n), *values)


def _hidden(tab: DuplicatesTab) -> list:
    return [v for _ in tab.slots for v in (gr.Column(visible=False), "", [], "", gr.skip())]


def _keeper_chooser(ctx: AppContext, slot: int):
    """A select handler for one slot (gradio passes SelectData by its annotation)."""

    def choose(groups: Groups | None, evt: gr.SelectData):
        return _choose_keeper(ctx, groups, slot, evt)

    return choose


def _choose_keeper(ctx: AppContext, groups: Groups | None, slot: int, evt: gr.SelectData):
    if groups is None or slot >= len(groups.groups):
        return (groups, *((gr.skip(),) * 5))
    group = groups.groups[slot]
    if isinstance(evt.index, int) and 0 <= evt.index < len(group.members):
        group.keeper = evt.index
    return (groups, *slot_values(ctx, group, (groups.page - 1) * SLOTS + slot + 1))


def _keep(ctx: AppContext, groups: Groups | None, slot: int, label: str, threshold: float, show):
    if groups is None or slot >= len(groups.groups):
        return show(label, threshold, 1, "Press Find groups first.")
    with ctx.catalog() as catalog:
        report = keep_one(catalog, groups.groups[slot])
    return show(label, threshold, groups.page, _said(report))


def _said(report) -> str:
    lines = [f"Moved {len(report.moved):,} file(s) to the trash; restore them from Trash."]
    lines += [f"⚠️ {code(p['path'])}: {literal(p['reason'])}" for p in report.problems]
    return "  \n".join(lines)
