"""The exact tier: the same bytes at several paths (one content, several present files).

Nothing to compare (the content id is the bytes' hash), so no cache to update: its groups
are the contents with two or more present files, most copies first, but those whose copies
the user said are all kept. The keeper is the oldest file.
"""

from __future__ import annotations

from typing import ClassVar

from indexing.dedup.records import Group, copies_of
from indexing.dedup.tier import Tier, members_of
from indexing.store import duplicates as stored
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder


class ExactTier(Tier[str]):
    name: ClassVar[str] = "exact"
    noun: ClassVar[str] = "exact copies"
    no_threshold: ClassVar[str] = "the exact tier takes no threshold: its copies are byte for byte"
    one_image: ClassVar[bool] = True

    def keys(self, library: DataFolder, catalog: Catalog, threshold: float | None) -> list[str]:
        return stored.copied_contents(catalog)

    def groups_of(self, library: DataFolder, catalog: Catalog, keys: list[str]) -> list[Group]:
        cards = members_of(catalog, keys)
        return [copies_of(cards[cid]) for cid in keys if cid in cards]

    def group_holding(
        self, library: DataFolder, catalog: Catalog, threshold: float | None, content_id: str
    ) -> Group | None:
        """The copies of one image (its present files), if it has more than one and the
        user has not said they are all kept."""
        if stored.copies_kept(catalog, content_id):
            return None
        card = members_of(catalog, [content_id]).get(content_id)
        if card is None or len(card.paths) < 2:
            return None
        return copies_of(card)
