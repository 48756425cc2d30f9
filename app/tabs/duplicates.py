"""The Duplicates view (a sub-tab of Filters): groups side by side, keep the best, trash the rest.

A page shows up to SLOTS groups, each in a fixed slot (so element ids stay stable): a
heading, the members as cards, "Keep the keeper, trash the rest", "Not duplicates (keep
all)" and "Not a duplicate: take ★ out". Clicking a card makes it that group's keeper
(★) and shows it in the shared viewer below. "For every group" asks first, saying how many
files will move. Grouping (which first compares what is new) and trashing every group run
in the background with progress and Cancel; the other tabs keep working meanwhile. What a
button did (files trashed, groups dismissed, decisions reset) has an Undo beside its
message. Every viewer's "Show its duplicates" lands here with that image's group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gradio as gr

from app import detail
from app.components import format_bytes, thumbnails
from app.context import AppContext
from app.jobs import BackgroundJob
from app.safe_text import code, literal
from indexing.curate.dismissals import Dismissals, dismiss_group, dismiss_member
from indexing.curate.keep_best import KeepReport, keep_all, keep_one, undo_keep
from indexing.dedup.tiers import REGISTRY, THRESHOLDS, tier_named
from indexing.errors import PictorError
from indexing.query.duplicates import (
    GROUPS_PER_PAGE,
    Group,
    Groups,
    Member,
    all_groups,
    duplicates_of,
    files_replaced,
    find_groups,
)

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
    slots = [_render_slot(n) for n in range(SLOTS)]
    return DuplicatesTab(tier, threshold, near_threshold, find, cancel, progress, keep_everywhere,
                         confirm, message, undo, gr.State(None), reset, prev, next_, count, slots,
                         gr.State(None), gr.State([]))  # fmt: skip


def source(tab: DuplicatesTab) -> detail.Source:
    """The viewer's list when a card is clicked: that card's group."""
    return detail.Source("duplicates", "Duplicates", tab.ids)


def chosen_threshold(tier_label: str, near: float | None, similar: float | None) -> float | None:
    """The threshold of the chosen tier, read from that tier's own slider (None: no threshold)."""
    tier = TIER_LABELS.get(tier_label, "exact")
    return near if tier == "near" else similar if tier == "similar" else None


def _render_slot(n: int) -> Slot:
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
        yield ("", None, "", f"⚠️ {job.failure('Grouping')}", *_undo(last), *_hidden(tab))
        return
    yield ("", *_page(ctx, job.summary, message, last))


def _undo(last) -> tuple:
    """The Undo button and its state: shown for what was just done, else left as it was."""
    if last is None:
        return gr.skip(), gr.skip()
    return gr.Button(visible=bool(last[1])), last


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
            yield ("", None, "", said, *_undo(last), *_hidden(tab))
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
        yield from _keep(ctx, groups, slot, tier_label, threshold, show)

    def redraw(groups: Groups | None):
        yield from turn(groups, 0)

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
    _listen_decisions(tab, ctx, turn, outputs)

    def redraw_if_here(groups: Groups | None, shown: detail.Shown | None):
        if shown is None or shown.source != "duplicates":
            yield tuple(gr.skip() for _ in outputs)
            return
        yield from redraw(groups)

    # The viewer's trash and undo change the groups: the page is drawn again after either.
    for event in viewer_events.values():
        event.then(redraw_if_here, [tab.shown, viewer.listed], outputs)
    _listen_keep_all(tab, ctx, show, outputs)


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


def _listen_keep_all(tab: DuplicatesTab, ctx: AppContext, show, outputs: list) -> None:
    def ask(tier_label: str, threshold: float | None):
        tier = TIER_LABELS.get(tier_label, "exact")
        if tier_named(tier).browsing:
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

    def confirm(tier_label: str, threshold: float | None):
        tier = TIER_LABELS.get(tier_label, "exact")
        chosen = threshold if tier in DEFAULT_THRESHOLDS else None

        def work(report, cancel):
            groups = all_groups(ctx.library, tier, chosen, report, cancel)
            with ctx.catalog() as catalog:
                return keep_all(catalog, groups, report, cancel)

        job = yield from in_background(ctx, work, len(outputs))
        if job is None:
            return
        if job.error is not None:
            yield ("", *[gr.skip()] * 2, f"⚠️ {job.failure('Trashing')}",
                   *[gr.skip()] * (len(outputs) - 4))  # fmt: skip
            return
        yield from show(tier_label, threshold, 1, _said(job.summary), _trashed(job.summary))

    chosen = [tab.tier, tab.near_threshold, tab.threshold]
    tab.keep_all.click(
        lambda t, n, s: ask(t, chosen_threshold(t, n, s)), chosen, [tab.message, tab.confirm_all]
    )
    tab.confirm_all.click(lambda: gr.Button(visible=False), None, [tab.confirm_all], queue=False)

    def confirmed(tier_label: str, near: float | None, similar: float | None):
        yield from confirm(tier_label, chosen_threshold(tier_label, near, similar))

    tab.confirm_all.click(confirmed, chosen, outputs)
    # A confirmation counts the files of one tier and threshold: changing either withdraws it.
    for changed in (tab.tier, tab.near_threshold, tab.threshold):
        changed.change(lambda: gr.Button(visible=False), None, [tab.confirm_all], queue=False)


def _threshold_for(tier_label: str):
    """Show the chosen tier's own slider (near, similar), keeping the value set in it."""
    tier = TIER_LABELS.get(tier_label, "exact")
    return gr.Slider(visible=tier == "near"), gr.Slider(visible=tier == "similar")


def _page(ctx: AppContext, groups: Groups, message: str, last=None) -> tuple:
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
    return (groups, count, "  \n".join(n for n in notes if n), *_undo(last), *values)


def _hidden(tab: DuplicatesTab) -> list:
    hidden: list[Any] = [gr.Column(visible=False), "", [], "", gr.skip(), gr.skip(), gr.skip()]
    return [v for _ in tab.slots for v in hidden]


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


def _keep(
    ctx: AppContext, groups: Groups | None, slot: int, label: str, threshold: float | None, show
):
    if groups is None or slot >= len(groups.groups):
        yield from show(label, threshold, 1, "Press Find groups first.")
        return
    with ctx.catalog() as catalog:
        report = keep_one(catalog, groups.groups[slot])
    yield from show(label, threshold, groups.page, _said(report), _trashed(report))


def _trashed(report: KeepReport) -> tuple[str, KeepReport | list]:
    """What Undo puts back: the files this keep moved, and what its keepers inherited."""
    return ("keep", report if report.moved or report.inherited else [])


def _said(report) -> str:
    lines = [f"Moved {len(report.moved):,} file(s) to the trash; restore them from Trash."]
    if report.cancelled:
        lines[0] = f"Cancelled. {lines[0]} The other groups are as they were."
    lines += [f"⚠️ {code(p['path'])}: {literal(p['reason'])}" for p in report.problems]
    return "  \n".join(lines)


def _listen_decisions(tab: DuplicatesTab, ctx: AppContext, turn, outputs: list) -> None:
    """Not duplicates (a group, or the ★ card out of its group), reset them all, and Undo."""
    buttons = {}
    for number, slot in enumerate(tab.slots):
        buttons[slot.dismiss.elem_id] = (number, False)
        buttons[slot.apart.elem_id] = (number, True)

    def decide(groups: Groups | None, evt: gr.EventData):
        slot, one = buttons.get(getattr(evt.target, "elem_id", None), (len(tab.slots), False))
        if groups is None or slot >= len(groups.groups):
            yield from turn(groups, 0)
            return
        group = groups.groups[slot]
        chosen = group.members[group.keeper]
        with ctx.catalog() as catalog:
            if one:
                made = dismiss_member(catalog, group, chosen.content_id)
            else:
                made = dismiss_group(catalog, group)
        name = code(chosen.path.rsplit("/", 1)[-1])
        copies = len({m.content_id for m in group.members}) == 1  # one content: all kept
        said = (
            f"{name} is no longer grouped with the others."
            if one and not copies
            else "Not duplicates: this group will not be shown again (until you reset it)."
        )
        yield from turn(groups, 0, said, ("dismiss", [d.id for d in made]))

    def reset_all(groups: Groups | None):
        with ctx.catalog() as catalog:
            dismissals = Dismissals(catalog)
            sets = [(d.content_ids, d.at) for d in dismissals.listed(with_paths=False)]
            dismissals.reset()
        said = f"Reset {len(sets):,} not-duplicates decision(s): their groups show again."
        yield from turn(groups, 0, said, ("reset", sets))

    def undo(groups: Groups | None, last):
        kind, what = last or ("", [])
        with ctx.catalog() as catalog:
            if kind == "keep" and isinstance(what, KeepReport):
                report = undo_keep(catalog, what)  # the files, and the keepers' inheritance
                said = f"Undone: {len(report.moved):,} file(s) back from the trash."
                said += "".join(f"  \n⚠️ {code(p['path'])}: {literal(p['reason'])}"
                                for p in report.problems)  # fmt: skip
            elif kind == "dismiss":
                dismissals = Dismissals(catalog)
                standing = {d.id for d in dismissals.listed(with_paths=False)}
                still = [i for i in what if i in standing]
                if still:
                    dismissals.reset(still)
                said = "Undone: they are grouped again."
            elif kind == "reset":
                with catalog.transaction() as conn:
                    Dismissals(catalog).import_sets(conn, [(ids, at) for ids, at in what])
                said = f"Undone: {len(what):,} not-duplicates decision(s) are back."
            else:
                said = "Nothing to undo."
        yield from turn(groups, 0, said, (kind, []))

    gr.on([e for s in tab.slots for e in (s.dismiss.click, s.apart.click)], decide,
          [tab.shown], outputs)  # fmt: skip
    tab.reset.click(reset_all, [tab.shown], outputs)
    tab.undo.click(undo, [tab.shown, tab.last], outputs)
