"""Keep the keeper, trash the rest: one duplicate group at a time, or every group of a tier.

Before anything moves, the keeper inherits what the images it replaces carried (their
most recent rating and their preference pairs, where it has none of its own), so
cleaning up never costs the evaluator a rating, and the user's organisation of them (their
albums and tags, their caption where it has none, an album cover one of them was), so
cleaning up never empties an album. Then the other files go to the trash
(indexing.curate.trash). Undo (`undo_keep`) brings the files back and takes back what the
keeper inherited, so the keeper's rating, preferences, albums, tags and caption are as
they were before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from indexing.curate.trash import Trash, TrashReport
from indexing.dedup.records import Group, files_replaced, replaced_by
from indexing.progress import ProgressCallback, StageMeter, no_progress
from indexing.store import keeper_organisation
from indexing.store.catalog import Catalog
from indexing.store.keeper_organisation import OrganisationInheritance
from indexing.store.ratings import Inheritance, Ratings


@dataclass(slots=True)
class KeepReport(TrashReport):
    """The trash's report, and what each keeper inherited (for undo_keep)."""

    inherited: list[Inheritance] = field(default_factory=list)
    organised: list[OrganisationInheritance] = field(default_factory=list)


def keep_one(catalog: Catalog, group: Group, keeper: int | None = None) -> KeepReport:
    """Trash every file of the group but the keeper's (the suggested one by default); a
    member of another kind than the keeper (a video beside a photo) is never trashed."""
    chosen = group.members[group.keeper if keeper is None else keeper]
    inherited = []
    organised = []
    if all(m.content_id == chosen.content_id for m in group.members):
        paths = [m.path for m in group.members if m.path != chosen.path]  # exact copies
    else:
        replaced = replaced_by(group, chosen)
        took = Ratings(catalog).inherit(chosen.content_id, [m.content_id for m in replaced])
        inherited = [took] if took.taken else []
        with catalog.transaction() as conn:
            given = keeper_organisation.inherit(
                conn, chosen.content_id, [m.content_id for m in replaced], took.at
            )
        organised = [given] if given.taken else []
        paths = [path for m in replaced for path in m.paths]
    report = Trash(catalog).trash(paths)
    return KeepReport(report.moved, report.problems, report.cancelled, inherited, organised)


def keep_all(
    catalog: Catalog,
    groups: list[Group],
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> KeepReport:
    """keep_one for each group; a file that already went with an earlier group is skipped.
    A cancel stops between groups: what moved stays in the trash (with undo), the rest stays."""
    total = KeepReport()
    moved: set[str] = set()
    meter = StageMeter("trash", sum(files_replaced(g) for g in groups), progress)
    for group in groups:
        if cancel is not None and cancel():
            total.cancelled = True
            break
        group.members = [m for m in group.members if m.path not in moved]
        if len(group.members) < 2:
            continue
        report = keep_one(catalog, group)
        moved.update(entry.original_path for entry in report.moved)
        total.moved += report.moved
        total.problems += report.problems
        total.inherited += report.inherited
        total.organised += report.organised
        meter.advance(len(report.moved) + len(report.problems))
    meter.finish()
    return total


def undo_keep(catalog: Catalog, kept: KeepReport) -> TrashReport:
    """Undo a keep: its files still in the trash come back (one restored elsewhere
    meanwhile, from the Trash tab, is left as it is), and each keeper gives back what it
    inherited (a rating, an album, a tag or a caption given to the keeper since stays)."""
    trash = Trash(catalog)
    held = {entry.id for entry in trash.entries()}
    wanted = [str(entry.id) for entry in kept.moved if entry.id in held]
    report = trash.restore(wanted) if wanted else TrashReport()
    ratings = Ratings(catalog)
    for inherited in reversed(kept.inherited):
        ratings.disinherit(inherited)
    for given in reversed(kept.organised):
        with catalog.transaction() as conn:
            keeper_organisation.give_back(conn, given)
    return report
