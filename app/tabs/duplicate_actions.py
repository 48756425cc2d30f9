"""What the Duplicates tab's buttons do to the catalog: keep the keeper of one group or of
every group (after asking), "Not duplicates" for a group or its ★ card, reset every such
decision, and Undo of whichever was last.

Split from duplicates.py, which builds the tab and wires the page's own events (find,
pages, cards); these handlers change the library and then draw the page again through the
`show` and `turn` callbacks that duplicates.listen hands them.
"""

from __future__ import annotations

import gradio as gr

from app.context import AppContext
from app.safe_text import code, literal
from app.tabs.duplicate_page import (
    DEFAULT_THRESHOLDS,
    TIER_LABELS,
    DuplicatesTab,
    chosen_threshold,
    in_background,
)
from indexing.curate.dismissals import Dismissals, dismiss_group, dismiss_member
from indexing.curate.keep_best import KeepReport, keep_all, keep_one, undo_keep
from indexing.dedup.tiers import tier_named
from indexing.errors import PictorError
from indexing.query.duplicates import Groups, all_groups, files_replaced


def listen_keep_all(tab: DuplicatesTab, ctx: AppContext, show, outputs: list) -> None:
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
        yield from show(tier_label, threshold, 1, said_of(job.summary), trashed_by(job.summary))

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


def keep_pressed(
    ctx: AppContext, groups: Groups | None, slot: int, label: str, threshold: float | None, show
):
    if groups is None or slot >= len(groups.groups):
        yield from show(label, threshold, 1, "Press Find groups first.")
        return
    with ctx.catalog() as catalog:
        report = keep_one(catalog, groups.groups[slot])
    yield from show(label, threshold, groups.page, said_of(report), trashed_by(report))


def trashed_by(report: KeepReport) -> tuple[str, KeepReport | list]:
    """What Undo puts back: the files this keep moved, and what its keepers inherited."""
    return ("keep", report if report.moved or report.inherited else [])


def said_of(report) -> str:
    lines = [f"Moved {len(report.moved):,} file(s) to the trash; restore them from Trash."]
    if report.cancelled:
        lines[0] = f"Cancelled. {lines[0]} The other groups are as they were."
    lines += [f"⚠️ {code(p['path'])}: {literal(p['reason'])}" for p in report.problems]
    return "  \n".join(lines)


def listen_decisions(tab: DuplicatesTab, ctx: AppContext, turn, outputs: list) -> None:
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
