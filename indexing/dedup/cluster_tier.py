"""The clusters tier: the whole library in visual clusters, to browse what is in it.

Not duplicates: each group is one cluster (its size, and the members nearest its centre
as representatives), largest first; it takes no threshold and nothing is dismissed there.
The clusters are kept up to date by indexing.dedup.cache (made again when the library has
grown by a quarter, else new images join the nearest).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from indexing.dedup import cache
from indexing.dedup.clusters import REPRESENTATIVES
from indexing.dedup.pair_tiers import VectorUpdate
from indexing.dedup.records import Group
from indexing.dedup.tier import Tier, members_of
from indexing.store import duplicates as stored
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder

Cluster = tuple[int, int]  # (cluster, its present images)


class ClustersTier(VectorUpdate, Tier[Cluster]):
    name: ClassVar[str] = "clusters"
    noun: ClassVar[str] = "cluster"
    no_threshold: ClassVar[str] = "the clusters tier takes no threshold"
    browsing: ClassVar[bool] = True

    def compare(self, catalog: Catalog, model_id: str, ids: list[str], matrix: np.ndarray) -> None:
        cache.update_clusters(catalog, model_id, ids, matrix)

    def keys(self, library: DataFolder, catalog: Catalog, threshold: float | None) -> list[Cluster]:
        """Every cluster with its size, read once (paging and --all slice this list)."""
        return stored.cluster_sizes(catalog, library.model_id)

    def groups_of(self, library: DataFolder, catalog: Catalog, keys: list[Cluster]) -> list[Group]:
        groups = []
        for number, size in keys:
            best = stored.cluster_nearest(catalog, library.model_id, number, REPRESENTATIVES)
            group = _cluster_group(catalog, number, size, best)
            if group is not None:
                groups.append(group)
        return groups

    def group_holding(
        self, library: DataFolder, catalog: Catalog, threshold: float | None, content_id: str
    ) -> Group | None:
        """The cluster that holds this image: its representatives, with the image first."""
        number = stored.cluster_of(catalog, library.model_id, content_id)
        if number is None:
            return None
        size = stored.cluster_size(catalog, library.model_id, number)
        best = stored.cluster_nearest(catalog, library.model_id, number, REPRESENTATIVES)
        ids = [content_id, *[cid for cid in best if cid != content_id]][:REPRESENTATIVES]
        return _cluster_group(catalog, number, size, ids)


def _cluster_group(catalog: Catalog, number: int, size: int, ids: list[str]) -> Group | None:
    cards = members_of(catalog, ids)
    members = [cards[cid] for cid in ids if cid in cards]
    return Group(members, keeper=0, size=size, label=f"cluster {number}") if members else None
