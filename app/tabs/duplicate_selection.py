"""Select many in Duplicates (Filters → Duplicates): the shared selection bar (app/selection.py)
across the groups shown. With Select on, the groups' slots give way to one gallery of their
images (one card per image and group, captioned "Group 3 · ★ keeper"), so images of several
groups can be picked, then trashed (with Undo), tagged, added to an album or exported.
"Select all N non-keepers" picks every image of the page's groups but their keepers (★).
The group actions (Keep, Not duplicates, Keep in every group) are as they were with Select
off. The selection ends when other groups are shown (another tier, threshold or page, or
the page drawn again after a change).

A selection is of images (content ids), as in every gallery: in Exact copies a group is one
image in several files, so there the files are Keep's to trash, not a selection's (its Move
to trash is refused with the reason). There is no "Select all on this page": the page holds
the keepers."""

from __future__ import annotations

from typing import Any

import gradio as gr

from app import selection
from app.context import AppContext
from app.tabs.duplicate_page import SLOTS, DuplicatesTab
from indexing.dedup.tiers import tier_named
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.duplicates import Groups, replaced_by

EXACT = (
    "In Exact copies a group is one image in several files: Keep the keeper (in a group, or in "
    "every group) moves the extra files. A selection acts on whole images."
)


EXACT_TRASH = (
    "In Exact copies a card is every copy of its image: Move to trash would leave none. Keep "
    "the keeper (in a group, or in every group) to move the extra files."
)


def refused(action: str, groups: Groups | None) -> str | None:
    """Why the selection may not do this here: in Exact copies, Move to trash (a card is
    every file of its image, the keeper's too)."""
    if action == "trash" and groups is not None and tier_named(groups.tier).one_image:
        return EXACT_TRASH
    return None


def non_keepers(groups: Groups | None) -> list[str]:
    """The images of the groups shown that Keep would trash: each group's members of its
    keeper's kind but the keeper (a video beside a photo is never one, as Keep never trashes
    it), and never an image that keeps another group shown."""
    if groups is None or not groups.groups:
        raise PictorError("Press Find groups first: no groups are shown.")
    tier = tier_named(groups.tier)
    if tier.one_image:
        raise PictorError(EXACT)
    if tier.browsing:
        raise PictorError("Clusters are for browsing: they have no keepers. Click images instead.")
    keepers = {g.members[g.keeper].content_id for g in groups.groups if g.members}
    # Keep's own rule: what keeping the keeper would trash (never a member of another kind,
    # a video beside a photo), less any image that keeps a group shown.
    return list(
        dict.fromkeys(
            member.content_id
            for group in groups.groups
            if group.members
            for member in replaced_by(group, group.members[group.keeper])
            if member.content_id not in keepers
        )
    )


def page_photos(ctx: AppContext, groups: Groups | None) -> tuple[list[tuple[str, str]], list[str]]:
    """The gallery's items (thumbnail, 'Group 3 · ★ keeper') and their content ids: one card
    per image and group, in the groups' order."""
    items: list[tuple[str, str]] = []
    ids: list[str] = []
    for number, group in enumerate(groups.groups if groups else []):
        first = (groups.page - 1) * SLOTS + number + 1 if groups else 0
        keeper = group.members[group.keeper].content_id if group.members else None
        for content_id in dict.fromkeys(member.content_id for member in group.members):
            star = " · ★ keeper" if content_id == keeper else ""
            items.append((str(ctx.library.thumbs.path_for(content_id)), f"Group {first}{star}"))
            ids.append(content_id)
    return items, ids


def scope_key(groups: Groups | None) -> str:
    """The groups shown: tier, threshold, page, and each group's keeper and images."""
    if groups is None:
        return ""
    shown = [
        (g.members[g.keeper].content_id if g.members else "", [m.content_id for m in g.members])
        for g in groups.groups
    ]
    return repr((groups.tier, groups.threshold, groups.page, shown))


def listen(tab: DuplicatesTab, ctx: AppContext) -> None:
    if tab.select is None or tab.picks is None or tab.pick_ids is None or tab.redraw is None:
        return
    bar = tab.select

    def every(groups: Groups | None) -> tuple[list[str], str]:
        ids = non_keepers(groups)
        return ids, f"the {plural(len(ids), 'non-keeper')} of the groups shown"

    def shown(on: bool, groups: Groups | None) -> tuple[Any, ...]:
        """With Select on, the groups' images in one gallery instead of the slots."""
        if not on:
            return gr.Gallery(visible=False), gr.skip(), gr.Column(visible=True)
        items, ids = page_photos(ctx, groups)
        return gr.Gallery(value=items, visible=True), ids, gr.Column(visible=False)

    gr.on([bar.mode.change, tab.shown.change], shown, [bar.mode, tab.shown],
          [tab.picks, tab.pick_ids, tab.slots_box], show_progress="hidden")  # fmt: skip
    redraw, inputs, outputs = tab.redraw
    selection.listen(bar, ctx, selection.Wiring(
        tab.picks, tab.pick_ids, every, [tab.shown], redraw, inputs, outputs,
        scope=[tab.shown], scope_key=scope_key, results="non-keepers",
        refuse=refused, refuse_inputs=[tab.shown],
    ))  # fmt: skip
