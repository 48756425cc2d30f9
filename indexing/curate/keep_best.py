"""Keep the keeper, trash the rest: one duplicate group at a time, or every group of a tier.

Before anything moves, the keeper inherits what the images it replaces carried (their
most recent rating and their preference pairs, where it has none of its own), so
cleaning up never costs the evaluator a rating. Then the other files go to the trash
(indexing.curate.trash), with undo.
"""

from __future__ import annotations

from collections.abc import Callable

from indexing.curate.trash import Trash, TrashReport
from indexing.progress import ProgressCallback, StageMeter, no_progress
from indexing.query.duplicates import Group, files_replaced, replaced_by
from indexing.store.catalog import Catalog
from indexing.store.ratings import Ratings


def keep_one(catalog: Catalog, group: Group, keeper: int | None = None) -> TrashReport:
    """Trash every file of the group but the keeper's (the suggested one by default); a
    member of another kind than the keeper (a video beside a photo) is never trashed."""
    chosen = group.members[group.keeper if keeper is None else keeper]
    if all(m.content_id == chosen.content_id for m in group.members):
        paths = [m.path for m in group.members if m.path != chosen.path]  # exact copies
    else:
        replaced = replaced_by(group, chosen)
        Ratings(catalog).inherit(chosen.content_id, [m.content_id for m in replaced])
        paths = [path for m in replaced for path in m.paths]
    return Trash(catalog).trash(paths)


def keep_all(
    catalog: Catalog,
    groups: list[Group],
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> TrashReport:
    """keep_one for each group; a file that already went with an earlier group is skipped.
    A cancel stops between groups: what moved stays in the trash (with undo), the rest stays."""
    total = TrashReport()
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
        meter.advance(len(report.moved) + len(report.problems))
    meter.finish()
    return total
