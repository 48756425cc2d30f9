"""'Not duplicates': the user's decision that images a tier grouped are to be kept apart.

One mechanism for every tier. A dismissal is a set of content ids: no two of them are
duplicates of each other, so a near or similar pair between two members of one set is
never grouped. A set of one content says its own copies are all kept (the exact tier,
whose group is one content at several paths).

- "Not duplicates" on a group stores the set of its members: the group stops appearing.
- "Not a duplicate" on one member stores a pair of it with each other member: it leaves
  that group, and the others stay grouped.
- Pairs, not groups, are cut, so a true duplicate that arrives later still groups with the
  images it is a duplicate of (and through it the others may come back together: it is a
  new question).
- Clusters are for browsing, not for duplicates: nothing is dismissed there.

Decisions are stored by content id (migration 15), so a rename, a move, a re-index or a
threshold change keeps them, until the user resets one or all.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from indexing.dedup.records import Group
from indexing.dedup.tiers import tier_named
from indexing.errors import PictorError
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder
from indexing.store.dismissals import DismissalTable
from indexing.store.files import present_paths


@dataclass(frozen=True, slots=True)
class Dismissal:
    id: int
    content_ids: list[str]
    at: float
    paths: list[str]  # the present files of its contents, for people to recognise them

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Dismissals:
    """The catalog's dismissals: add, list, reset (their rows: indexing.store.dismissals)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.table = DismissalTable(catalog)

    def add(self, content_ids: Iterable[str], now: float | None = None) -> Dismissal:
        """Mark these contents as not duplicates of one another (one content: its copies)."""
        ids = sorted(set(content_ids))
        if not ids:
            raise PictorError("say which images are not duplicates")
        at = time.time() if now is None else now
        with self.catalog.transaction() as conn:
            new = self.table.insert(conn, ids, at)
        return self._one(new)

    def add_apart(self, content_id: str, others: Sequence[str]) -> list[Dismissal]:
        """Take one member out of its group: a pair of it with each other member."""
        rest = sorted(set(others) - {content_id})
        if not rest:
            raise PictorError("that image has no other members to be kept apart from")
        at = time.time()
        with self.catalog.transaction() as conn:
            new = [self.table.insert(conn, [content_id, other], at) for other in rest]
        return [self._one(n) for n in new]

    def import_sets(self, conn: sqlite3.Connection, sets: Iterable[tuple[list[str], float]]) -> int:
        """Add the sets not already stored (same members), inside the caller's transaction."""
        known = {tuple(d.content_ids) for d in self.listed(with_paths=False)}
        added = 0
        for content_ids, at in sets:
            key = tuple(sorted(set(content_ids)))
            if key and key not in known:
                self.table.insert(conn, list(key), at)
                known.add(key)
                added += 1
        return added

    def listed(self, with_paths: bool = True) -> list[Dismissal]:
        """Every dismissal, oldest first."""
        members = self.table.members()
        paths = self._paths([c for ids in members.values() for c in ids]) if with_paths else {}
        return [
            Dismissal(i, members.get(i, []), at,
                      [p for c in members.get(i, []) for p in paths.get(c, [])])
            for i, at in self.table.rows()
        ]  # fmt: skip

    def reset(self, ids: Sequence[int] | None = None) -> int:
        """Forget these dismissals (None: every one); returns how many went."""
        if ids is None:
            return self.table.delete(None)
        return self.table.delete(list(dict.fromkeys(ids)))  # an id named twice is one decision

    def state(self) -> tuple[int, int]:
        """Changes whenever a dismissal is added or reset (for cached groupings)."""
        return self.table.state()

    def sets_of(self) -> dict[str, frozenset[int]]:
        """Each content in a dismissal of two or more: the ids of those dismissals."""
        return self.table.sets_of()

    def _one(self, dismissal_id: int) -> Dismissal:
        at, ids = self.table.one(dismissal_id)
        paths = self._paths(ids)
        return Dismissal(dismissal_id, ids, at, [p for c in ids for p in paths.get(c, [])])

    def _paths(self, content_ids: list[str]) -> dict[str, list[str]]:
        return present_paths(self.catalog, sorted(set(content_ids)), oldest_first=True)


def dismiss(
    library: DataFolder,
    tier: str,
    threshold: float | None = None,
    *,
    group: int | None = None,
    groups: Sequence[int] = (),
    content_ids: Sequence[str] = (),
) -> list[Dismissal]:
    """What the CLI, the API and the UI call: "not duplicates" on group number `group` (or
    the `groups` numbered) of the tier as it is listed now, or on images: two or more are
    kept apart from one another, one leaves its group in the tier."""
    numbers = list(dict.fromkeys([*([group] if group is not None else []), *groups]))
    if bool(numbers) == bool(content_ids):
        raise PictorError("say which group (its number) or which images are not duplicates")
    chosen_tier = tier_named(tier)
    if numbers:
        chosen = chosen_tier.numbered(library, threshold, numbers)  # all read, then cut
        with library.open_catalog() as catalog:
            return [made for each in chosen for made in dismiss_group(catalog, each)]
    ids = list(dict.fromkeys(content_ids))
    if len(content_ids) > 1:  # copies of one content: its copies are all kept
        with library.open_catalog() as catalog:
            return [Dismissals(catalog).add(ids)]
    if threshold is not None and chosen_tier.bounds is None:
        raise PictorError("a threshold needs --tier near or similar")
    with library.open_catalog() as catalog:
        if not catalog.has_image(ids[0]):
            raise PictorError(f"no image with content id {ids[0]} in the catalog")
    found = chosen_tier.group_of(library, ids[0], threshold)
    if found is None:
        raise PictorError(f"that image is in no group of the {tier} tier")
    with library.open_catalog() as catalog:
        return dismiss_member(catalog, found, ids[0])


def dismiss_group(catalog: Catalog, group: Group) -> list[Dismissal]:
    """Not duplicates on a whole group: its members are never grouped together again
    (exact copies: that content's copies are all kept)."""
    return [Dismissals(catalog).add(_contents(group))]


def dismiss_member(catalog: Catalog, group: Group, content_id: str) -> list[Dismissal]:
    """Not a duplicate, on one member: it leaves this group; the others stay grouped."""
    contents = _contents(group)
    if content_id not in contents:
        raise PictorError("that image is not in this group")
    if len(contents) == 1:  # exact copies are one content: keeping one copy keeps them all
        return [Dismissals(catalog).add(contents)]
    return Dismissals(catalog).add_apart(content_id, contents)


def _contents(group: Group) -> list[str]:
    if group.size:
        raise PictorError("clusters are for browsing: there are no duplicates to dismiss there")
    return list(dict.fromkeys(m.content_id for m in group.members))
