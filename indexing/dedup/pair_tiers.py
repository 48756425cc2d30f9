"""The near and similar tiers: groups made from cached pairs over a threshold.

Groups are made from the cached pairs among images that are still present (a trashed or
deleted image drops out of its group at once), less the pairs the user dismissed, with
union-find (similar: capped at SIMILAR_CAP images, strongest pairs first). A grouping is
kept in memory per catalog, tier, threshold and catalog state, so paging does not redo it.
Each tier overrides how it updates its cache, reads its pairs and measures a member's
distance to the keeper.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections import OrderedDict
from typing import ClassVar

import numpy as np

from indexing.dedup import cache
from indexing.dedup.backfill import backfill
from indexing.dedup.groups import SIMILAR_CAP, groups_from_pairs
from indexing.dedup.near import PHASH_THRESHOLD
from indexing.dedup.records import Group, with_keeper
from indexing.dedup.tier import Cancel, Tier, members_of
from indexing.progress import Progress, ProgressCallback, raise_if
from indexing.store import duplicates as stored
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder
from indexing.store.dismissals import DismissalTable, apart

SIMILAR_THRESHOLD = 0.9
STOPPED = "Grouping was cancelled; what was compared so far is kept for next time."
_GROUPINGS: OrderedDict[tuple, list[list[str]]] = OrderedDict()
_LOCK = threading.Lock()


class PairTier(Tier[list[str]]):
    """A tier whose groups are made from pairs (a, b, strength) over a threshold."""

    table: ClassVar[str]  # the pairs' table, whose size is part of the grouping's state
    cap: ClassVar[int | None] = None  # the most images union-find lets one group hold

    @abstractmethod
    def pairs(
        self, library: DataFolder, catalog: Catalog, threshold: float
    ) -> list[stored.PairRow]:
        """The cached pairs of present images within the threshold."""

    @abstractmethod
    def strength(self, measure: float) -> float:
        """How strongly a pair holds (larger first) from its stored measure."""

    @abstractmethod
    def measure_distances(self, library: DataFolder, catalog: Catalog, group: Group) -> None:
        """Set each member's distance to the keeper."""

    def keys(
        self, library: DataFolder, catalog: Catalog, threshold: float | None
    ) -> list[list[str]]:
        """Every group of the tier as content ids, largest first (memoised)."""
        assert threshold is not None  # a pair tier always groups at a threshold
        state = (
            stored.pair_state(catalog, self.table),
            DismissalTable(catalog).state(),
        )
        key = (str(catalog.path), self.name, threshold, library.model_id, state)
        with _LOCK:
            if key in _GROUPINGS:
                _GROUPINGS.move_to_end(key)
                return _GROUPINGS[key]
        rows = _not_dismissed(catalog, self.pairs(library, catalog, threshold))
        ids = sorted({r[0] for r in rows} | {r[1] for r in rows})
        position = {cid: n for n, cid in enumerate(ids)}
        a = np.array([position[r[0]] for r in rows], dtype=np.int64)
        b = np.array([position[r[1]] for r in rows], dtype=np.int64)
        strength = np.array([self.strength(r[2]) for r in rows], dtype=np.float64)
        found = groups_from_pairs(len(ids), a, b, strength, self.cap)
        grouping = [[ids[n] for n in group] for group in found]
        with _LOCK:
            _GROUPINGS[key] = grouping
            while len(_GROUPINGS) > 16:
                _GROUPINGS.popitem(last=False)
        return grouping

    def groups_of(
        self, library: DataFolder, catalog: Catalog, keys: list[list[str]]
    ) -> list[Group]:
        cards = members_of(catalog, [cid for ids in keys for cid in ids])
        groups = []
        for ids in keys:
            group = self._group(library, catalog, [cards[cid] for cid in ids if cid in cards])
            if group is not None:
                groups.append(group)
        return groups

    def group_holding(
        self, library: DataFolder, catalog: Catalog, threshold: float | None, content_id: str
    ) -> Group | None:
        grouping = self.keys(library, catalog, threshold)
        ids = next((group for group in grouping if content_id in group), [])
        cards = members_of(catalog, ids)
        return self._group(library, catalog, [cards[cid] for cid in ids if cid in cards])

    def _group(self, library: DataFolder, catalog: Catalog, members: list) -> Group | None:
        if len(members) < 2:
            return None
        group = with_keeper(members)
        self.measure_distances(library, catalog, group)
        return group


class NearTier(PairTier):
    name: ClassVar[str] = "near"
    noun: ClassVar[str] = "near-identical images"
    bounds: ClassVar[tuple[float, float] | None] = (0, cache.NEAR_CACHE_MAX)
    default: ClassVar[float | None] = float(PHASH_THRESHOLD)
    unit: ClassVar[str] = "differing hash bits"
    table: ClassVar[str] = "near_pairs"

    def update(
        self, library: DataFolder, catalog: Catalog, progress: ProgressCallback, cancel: Cancel
    ) -> None:
        """Hash the images that have no near hashes, then compare the new ones with all."""
        backfill(catalog, library.thumbs, library.settings.threads, progress, cancel)
        raise_if(cancel, STOPPED)
        progress(Progress("compare", 0, None, 0.0, None, "Comparing the images' hashes…"))
        cache.update_near(catalog)

    def pairs(
        self, library: DataFolder, catalog: Catalog, threshold: float
    ) -> list[stored.PairRow]:
        return stored.near_pairs_within(catalog, threshold)

    def strength(self, measure: float) -> float:
        return -measure  # fewer differing bits holds more strongly

    def measure_distances(self, library: DataFolder, catalog: Catalog, group: Group) -> None:
        """Hash bits to the keeper (the fewest over its orientations)."""
        ids = [m.content_id for m in group.members]
        table = cache.load_hashes_of(catalog, ids)
        k = ids.index(group.members[group.keeper].content_id)
        for n, member in enumerate(group.members):
            bits = np.bitwise_count(np.bitwise_xor(table.phash[k, 0], table.phash[n]))
            member.distance = float(bits.min())


class VectorUpdate:
    """The update of the tiers made from CLIP vectors: read them, then compare."""

    def update(
        self, library: DataFolder, catalog: Catalog, progress: ProgressCallback, cancel: Cancel
    ) -> None:
        progress(Progress("compare", 0, None, 0.0, None, "Reading the CLIP vectors…"))
        ids, matrix = cache.vectors_for_model(library)
        raise_if(cancel, STOPPED)
        said = f"Comparing {len(ids):,} images by their CLIP vectors…"
        progress(Progress("compare", 0, None, 0.0, None, said))
        self.compare(catalog, library.model_id, ids, matrix)

    def compare(self, catalog: Catalog, model_id: str, ids: list[str], matrix: np.ndarray) -> None:
        raise NotImplementedError


class SimilarTier(VectorUpdate, PairTier):
    name: ClassVar[str] = "similar"
    noun: ClassVar[str] = "similar images"
    bounds: ClassVar[tuple[float, float] | None] = (0.8, 1.0)
    default: ClassVar[float | None] = SIMILAR_THRESHOLD
    unit: ClassVar[str] = "cosine similarity"
    table: ClassVar[str] = "similar_pairs"
    cap: ClassVar[int | None] = SIMILAR_CAP

    def compare(self, catalog: Catalog, model_id: str, ids: list[str], matrix: np.ndarray) -> None:
        cache.update_similar(catalog, model_id, ids, matrix)

    def pairs(
        self, library: DataFolder, catalog: Catalog, threshold: float
    ) -> list[stored.PairRow]:
        return stored.similar_pairs_over(catalog, library.model_id, threshold)

    def strength(self, measure: float) -> float:
        return measure

    def measure_distances(self, library: DataFolder, catalog: Catalog, group: Group) -> None:
        """1 - cosine to the keeper (left at 0 for a member without a vector)."""
        ids = [m.content_id for m in group.members]
        found, rows, _ = library.vector_mirror().vectors_for(ids)
        vectors = dict(zip(found, rows, strict=True))
        anchor = vectors.get(group.members[group.keeper].content_id)
        for member in group.members:
            other = vectors.get(member.content_id)
            if anchor is not None and other is not None:
                member.distance = round(float(1.0 - anchor @ other), 4)


def _not_dismissed(catalog: Catalog, rows: list[stored.PairRow]) -> list[stored.PairRow]:
    """The pairs the user has not said are "not duplicates" (see curate.dismissals)."""
    sets = DismissalTable(catalog).sets_of()
    if not sets:
        return rows
    return [row for row in rows if not apart(sets, row[0], row[1])]
