"""Duplicate and similar groups, as the Duplicates view and `launch.py duplicates` ask for
them: a page of a tier's groups, every group, group number N, or one image's group.

The tiers themselves (exact, near, similar, clusters: how each updates its cache and makes
its groups) are in indexing.dedup; this module resolves the tier by name once and asks it.
The records (Member, Group, Groups) and the keeper rules are in indexing.dedup.records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from indexing.dedup.records import (
    GROUPS_PER_PAGE,
    Group,
    Groups,
    Member,
    copies_of,
    files_replaced,
    replaced_by,
    with_keeper,
)
from indexing.dedup.tier import members_of
from indexing.dedup.tiers import TIERS, tier_named
from indexing.errors import PictorError
from indexing.progress import Cancelled, ProgressCallback, no_progress
from indexing.store.data_folder import DataFolder

__all__ = [
    "GROUPS_PER_PAGE",
    "ONE_GROUP",
    "TIERS",
    "Group",
    "Groups",
    "Member",
    "all_groups",
    "check_page",
    "copies_of",
    "default_threshold",
    "duplicates_of",
    "every_group",
    "files_replaced",
    "find_groups",
    "group_numbered",
    "groups_numbered",
    "members_of",
    "replaced_by",
    "with_keeper",
]

Cancel = Callable[[], bool] | None
CLOSEST_FIRST = ("exact", "near", "similar")  # where an image's group is looked for
ONE_GROUP = "The group of the image you chose (%s). Find groups shows every group."


def check_page(page: int) -> None:
    if not 1 <= page <= 1_000_000:
        raise PictorError(f"pages run from 1 to 1,000,000 (got {page})")


def find_groups(
    library: DataFolder,
    tier: str,
    threshold: float | None = None,
    page: int = 1,
    progress: ProgressCallback = no_progress,
    cancel: Cancel = None,
    per_page: int = GROUPS_PER_PAGE,
) -> Groups:
    """One page of a tier's groups: what the CLI and the Duplicates view call. The near,
    similar and clusters tiers first compare what is new (with progress; cancel stops it)."""
    chosen = tier_named(tier)
    check_page(page)
    return chosen.page(library, threshold, page, progress, cancel, per_page)


def all_groups(
    library: DataFolder,
    tier: str,
    threshold: float | None = None,
    progress: ProgressCallback = no_progress,
    cancel: Cancel = None,
) -> list[Group]:
    """Every group of a tier (for "keep the keeper in every group")."""
    return list(every_group(library, tier, threshold, progress, cancel)[1])


def every_group(
    library: DataFolder,
    tier: str,
    threshold: float | None = None,
    progress: ProgressCallback = no_progress,
    cancel: Cancel = None,
) -> tuple[int, Iterator[Group]]:
    """How many groups a tier has, and all of them, read a chunk at a time as they are
    consumed (`duplicates --all` streams them, whatever their number)."""
    return tier_named(tier).every(library, threshold, progress, cancel)


def group_numbered(library: DataFolder, tier: str, threshold: float | None, number: int) -> Group:
    """Group `number` (1 = the first of page 1) as the tier lists it now."""
    return groups_numbered(library, tier, threshold, [number])[0]


def groups_numbered(
    library: DataFolder, tier: str, threshold: float | None, numbers: list[int]
) -> list[Group]:
    """Groups by their numbers as the tier lists them now (all read before any is acted
    on, so acting on one does not renumber the others)."""
    return tier_named(tier).numbered(library, threshold, numbers)


def duplicates_of(
    library: DataFolder,
    content_id: str,
    progress: ProgressCallback = no_progress,
    cancel: Cancel = None,
    tier: str | None = None,
    threshold: float | None = None,
) -> Groups:
    """The group of one image in `tier` (at `threshold`), or, with no tier, from the closest
    tier that has one: its exact copies, else the near-identical images, else the similar
    ones (default thresholds). No group at all: a Groups of no groups whose note says so."""
    chosen = tier_named(tier) if tier is not None else None
    if threshold is not None and (chosen is None or chosen.bounds is None):
        raise PictorError("a threshold needs --tier near or similar")
    with library.open_catalog() as catalog:
        if not catalog.has_image(content_id):
            raise PictorError(f"no image with content id {content_id} in the catalog")
    closest = [chosen] if chosen is not None else [tier_named(n) for n in CLOSEST_FIRST]
    notes = []
    for each in closest:
        try:
            group = each.group_of(library, content_id, threshold, progress, cancel)
        except Cancelled:
            raise
        except PictorError as exc:  # no vectors (no weights yet): the similar tier is out
            if chosen is not None:
                raise
            notes.append(str(exc))
            continue
        if group is not None or chosen is not None:
            return _one_group(each.name, each.threshold(threshold), group, each.noun)
    said = "This image has no exact copies, near-identical or similar images in the library."
    return Groups("exact", None, [], 0, 1, [said, *notes])


def _one_group(tier: str, threshold: float | None, group: Group | None, name: str) -> Groups:
    if group is None:
        return Groups(tier, threshold, [], 0, 1, [f"This image has no {name} in the library."])
    return Groups(tier, threshold, [group], 1, 1, [ONE_GROUP % name])


def default_threshold(tier: str, threshold: float | None) -> float | None:
    """The threshold given, else the tier's default (None for exact and clusters)."""
    chosen = tier_named(tier)
    return threshold if threshold is not None or chosen.bounds is None else chosen.default
