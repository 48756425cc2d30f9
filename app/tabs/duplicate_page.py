"""The Duplicates tab's page: its widgets, the fixed slots a page of groups fills, each
group's cards, heading and file listing, and the rows the page's outputs take while
grouping runs in the background and once it is done.

Kept apart from duplicates.py (which builds the tab and wires its events) and
duplicate_actions.py (what the buttons do to the catalog) so that both draw the page the
same way: a slot always holds PARTS components in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gradio as gr

from app.components import format_bytes, thumbnails
from app.context import AppContext
from app.jobs import BackgroundJob
from app.safe_text import code, literal
from indexing.dedup.tiers import REGISTRY
from indexing.query.duplicates import GROUPS_PER_PAGE, Group, Groups, Member, files_replaced

SLOTS = GROUPS_PER_PAGE
TIER_LABELS = {
    "Exact copies": "exact",
    "Near-identical": "near",
    "Similar": "similar",
    "Clusters": "clusters",
}
TIER_INFO = (
    "Near-identical: resized, re-compressed, rotated, mirrored · Similar: the same scene, "
    "bursts, crops · Clusters: browse what is in the library"
)
DEFAULT_THRESHOLDS = {name: t.default for name, t in REGISTRY.items() if t.bounds is not None}
BUSY = "Grouping or trashing is already running; wait for it or press Cancel."


@dataclass
class Slot:
    box: gr.Column
    heading: gr.Markdown
    gallery: gr.Gallery
    paths: gr.Markdown
    keep: gr.Button
    dismiss: gr.Button  # "Not duplicates (keep all)"
    apart: gr.Button  # "Not a duplicate: take ★ out"

    def parts(self) -> list[Any]:
        return [self.box, self.heading, self.gallery, self.paths, self.keep, self.dismiss,
                self.apart]  # fmt: skip


PARTS = 7  # components per slot, as Slot.parts lists them


@dataclass
class DuplicatesTab:
    tier: gr.Radio
    threshold: gr.Slider  # the similar tier's (cosine)
    near_threshold: gr.Slider  # the near tier's (bits): its own slider, so no event races
    find: gr.Button
    cancel: gr.Button
    progress: gr.Markdown
    keep_all: gr.Button
    confirm_all: gr.Button
    message: gr.Markdown
    undo: gr.Button  # undoes what `last` says was done
    last: gr.State  # ("trash", trash ids) | ("dismiss", dismissal ids) | ("reset", sets)
    reset: gr.Button  # forget every not-duplicates decision
    prev: gr.Button
    next: gr.Button
    count: gr.Markdown
    slots: list[Slot]
    shown: gr.State  # the Groups on screen
    ids: gr.State  # the viewer's list: the members of the group last clicked
    select: Any = None  # select many (app/tabs/duplicate_selection.py): the selection bar
    picks: gr.Gallery | None = None  # with Select on: the groups' images in one gallery
    pick_ids: gr.State | None = None  # their content ids
    slots_box: gr.Column | None = None  # the slots (hidden while selecting)
    redraw: Any = None  # (fn, inputs, outputs) drawing the same page again; set by listen()


def chosen_threshold(tier_label: str, near: float | None, similar: float | None) -> float | None:
    """The threshold of the chosen tier, read from that tier's own slider (None: no threshold)."""
    tier = TIER_LABELS.get(tier_label, "exact")
    return near if tier == "near" else similar if tier == "similar" else None


def render_slot(n: int) -> Slot:
    with gr.Column(visible=False, elem_id=f"dup-group-{n}", elem_classes="dup-group") as box:
        heading = gr.Markdown("", elem_id=f"dup-group-{n}-heading")
        gallery = thumbnails(
            columns=4, height="auto", allow_preview=False, object_fit="contain",
            show_label=False, elem_id=f"dup-group-{n}-gallery", elem_classes="dup-cards",
        )  # fmt: skip
        paths = gr.Markdown("", elem_id=f"dup-group-{n}-paths")
        with gr.Row(elem_classes="dup-group-actions"):
            keep = gr.Button(
                "Keep the keeper, trash the rest", size="sm", elem_id=f"dup-group-{n}-keep"
            )
            dismiss = gr.Button(
                "Not duplicates (keep all)", size="sm", elem_id=f"dup-group-{n}-dismiss"
            )
            apart = gr.Button(
                "Not a duplicate: take ★ out", size="sm", elem_id=f"dup-group-{n}-apart"
            )
    return Slot(box, heading, gallery, paths, keep, dismiss, apart)


def card_caption(member: Member, keeper: bool) -> str:
    """'★ keeper · 1920×1080 · 2.1 MB · 2023-07-01 · 7.5 yours · IMG_1.jpg' (what decides the
    keeper, then the file name; the group lists the full paths under its cards)."""
    when = datetime.fromtimestamp(member.date_key).strftime("%Y-%m-%d") if member.date_key else ""
    parts = ["★ keeper"] if keeper else []
    parts += ["▶ video"] if member.kind == "video" else []
    parts += [f"{member.width}×{member.height}", format_bytes(member.bytes), when]
    if member.rating is not None:
        parts.append(f"{member.rating:g} yours")
    elif member.predicted is not None:
        parts.append(f"{member.predicted:.1f} predicted")
    parts.append(member.path.rsplit("/", 1)[-1])
    return " · ".join(p for p in parts if p)


def slot_values(ctx: AppContext, group: Group | None, number: int) -> tuple:
    if group is None or not group.members:
        return gr.Column(visible=False), "", [], "", gr.skip(), gr.skip(), gr.skip()
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
    decides = gr.Button(visible=not group.size)  # clusters are for browsing
    return gr.Column(visible=True), heading, items, listing, decides, decides, decides


def outputs_of(tab: DuplicatesTab) -> list[Any]:
    slot_outputs = [c for s in tab.slots for c in s.parts()]
    return [tab.progress, tab.shown, tab.count, tab.message, tab.undo, tab.last, *slot_outputs]


def in_background(ctx: AppContext, work, width: int):
    """Run work(report, cancel) as the app's one grouping job, yielding rows of `width`
    values (the progress text first, the rest skipped) while it runs. Returns the finished
    job, or None when another one is running."""
    rest = [gr.skip()] * (width - 1)
    job = BackgroundJob(lambda report, token: work(report, lambda: token.cancelled), "dedup")
    if not ctx.grouping.try_start(job):
        yield (BUSY, *rest)
        return None
    for text in job.updates(lambda progress: progress.describe()):
        yield (text, *rest)
    return job


def shown_rows(ctx: AppContext, tab: DuplicatesTab, work, message: str = "", last=None):
    """The rows for outputs_of(tab) while work makes a Groups in the background, then the page
    (with an Undo for `last`, what was just done, when given)."""
    job = yield from in_background(ctx, work, len(outputs_of(tab)))
    if job is None:
        return
    if job.error is not None:
        yield ("", None, "", f"⚠️ {job.failure('Grouping')}", *undo_values(last), *hidden_slots(tab))
        return
    yield ("", *page_values(ctx, job.summary, message, last))


def undo_values(last) -> tuple:
    """The Undo button and its state: shown for what was just done, else left as it was."""
    if last is None:
        return gr.skip(), gr.skip()
    return gr.Button(visible=bool(last[1])), last


def page_values(ctx: AppContext, groups: Groups, message: str, last=None) -> tuple:
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
    return (groups, count, "  \n".join(n for n in notes if n), *undo_values(last), *values)


def hidden_slots(tab: DuplicatesTab) -> list:
    hidden: list[Any] = [gr.Column(visible=False), "", [], "", gr.skip(), gr.skip(), gr.skip()]
    return [v for _ in tab.slots for v in hidden]
