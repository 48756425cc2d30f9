"""The near, similar and clusters tiers: update the caches, then read pages of groups.

Groups are made from the cached pairs among images that are still present (a trashed or
deleted image drops out of its group at once), with union-find (similar: capped at
SIMILAR_CAP images, strongest pairs first). A grouping is kept in memory per catalog,
tier, threshold and catalog state, so paging does not redo it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from indexing.curate.dismissals import Dismissals, apart
from indexing.dedup import cache
from indexing.dedup.backfill import backfill
from indexing.dedup.clusters import REPRESENTATIVES
from indexing.dedup.groups import SIMILAR_CAP, groups_from_pairs
from indexing.dedup.near import PHASH_THRESHOLD
from indexing.errors import PictorError
from indexing.progress import Progress, ProgressCallback, no_progress, raise_if
from indexing.query.duplicates import (
    CHUNK,
    GROUPS_PER_PAGE,
    Group,
    Groups,
    members_of,
    with_keeper,
)
from indexing.store.catalog import Catalog

SIMILAR_THRESHOLD = 0.9
THRESHOLDS = {"near": (0, cache.NEAR_CACHE_MAX), "similar": (0.8, 1.0)}
_GROUPINGS: OrderedDict[tuple, list[list[str]]] = OrderedDict()
_LOCK = threading.Lock()


def tier_groups(
    library: Any,
    tier: str,
    threshold: float | None,
    page: int,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> Groups:
    threshold = _checked(tier, threshold)
    with library.open_catalog() as catalog:
        _update(library, catalog, tier, progress, cancel)
        if tier == "clusters":
            return _cluster_page(catalog, library.model_id, page)
        grouping = _grouping(catalog, tier, threshold, library.model_id)
        start = (page - 1) * GROUPS_PER_PAGE
        groups = _groups_of(library, catalog, tier, grouping[start : start + GROUPS_PER_PAGE])
    return Groups(tier, threshold, groups, len(grouping), page)


def every_tier_group(
    library: Any,
    tier: str,
    threshold: float | None,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> tuple[int, Iterator[Group]]:
    """How many groups the tier has, and every one of them, read a chunk at a time (so
    a script that wants them all never holds more than a chunk of cards)."""
    threshold = _checked(tier, threshold)
    with library.open_catalog() as catalog:
        _update(library, catalog, tier, progress, cancel)
        if tier == "clusters":
            total = _cluster_page(catalog, library.model_id, 1).total
        else:
            grouping = _grouping(catalog, tier, threshold, library.model_id)
            total = len(grouping)

    def chunks() -> Iterator[Group]:
        with library.open_catalog() as catalog:
            if tier == "clusters":
                for page in range(1, max(1, -(-total // GROUPS_PER_PAGE)) + 1):
                    yield from _cluster_page(catalog, library.model_id, page).groups
                return
            for start in range(0, total, CHUNK):
                yield from _groups_of(library, catalog, tier, grouping[start : start + CHUNK])

    return total, chunks()


def _groups_of(library: Any, catalog: Catalog, tier: str, chosen: list[list[str]]) -> list[Group]:
    cards = members_of(catalog, [cid for ids in chosen for cid in ids])
    groups = []
    for ids in chosen:
        members = [cards[cid] for cid in ids if cid in cards]
        if len(members) > 1:
            groups.append(_with_distances(with_keeper(members), tier, library))
    return groups


def tier_group_of(
    library: Any,
    tier: str,
    content_id: str,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
    threshold: float | None = None,
) -> Group | None:
    """The near or similar group (at the default threshold unless given) that holds this
    image, or the cluster it is in; None when it has none."""
    threshold = _checked(tier, threshold)
    with library.open_catalog() as catalog:
        _update(library, catalog, tier, progress, cancel)
        if tier == "clusters":
            return _cluster_of(catalog, library.model_id, content_id)
        grouping = _grouping(catalog, tier, threshold, library.model_id)
        ids = next((group for group in grouping if content_id in group), None)
        cards = members_of(catalog, ids or [])
    members = [cards[cid] for cid in ids or [] if cid in cards]
    return _with_distances(with_keeper(members), tier, library) if len(members) > 1 else None


def _update(library: Any, catalog: Catalog, tier: str, progress: ProgressCallback, cancel) -> None:
    """Bring the tier's cached pairs up to date (hash or compare what is new), with progress;
    a cancel stops between steps, keeping what was written."""
    stopped = "Grouping was cancelled; what was compared so far is kept for next time."
    if tier == "near":
        backfill(catalog, library.thumbs, library.settings.threads, progress, cancel)
        raise_if(cancel, stopped)
        progress(Progress("compare", 0, None, 0.0, None, "Comparing the images' hashes…"))
        cache.update_near(catalog)
        return
    progress(Progress("compare", 0, None, 0.0, None, "Reading the CLIP vectors…"))
    ids, matrix = cache.vectors_for_model(library)
    raise_if(cancel, stopped)
    said = f"Comparing {len(ids):,} images by their CLIP vectors…"
    progress(Progress("compare", 0, None, 0.0, None, said))
    if tier == "similar":
        cache.update_similar(catalog, library.model_id, ids, matrix)
    else:
        cache.update_clusters(catalog, library.model_id, ids, matrix)


def _checked(tier: str, threshold: float | None) -> float:
    if tier == "clusters":
        if threshold is not None:
            raise PictorError("the clusters tier takes no threshold")
        return 0.0
    if threshold is None:
        return float(PHASH_THRESHOLD if tier == "near" else SIMILAR_THRESHOLD)
    low, high = THRESHOLDS[tier]
    if not low <= threshold <= high:
        unit = "differing hash bits" if tier == "near" else "cosine similarity"
        raise PictorError(f"the {tier} threshold is {unit} from {low} to {high} (got {threshold})")
    return float(threshold)


def _grouping(catalog: Catalog, tier: str, threshold: float, model_id: str) -> list[list[str]]:
    """Every group of the tier as content ids, largest first (memoised)."""
    key = (str(catalog.path), tier, threshold, model_id, _state(catalog, tier))
    with _LOCK:
        if key in _GROUPINGS:
            _GROUPINGS.move_to_end(key)
            return _GROUPINGS[key]
    if tier == "near":  # a video and a still (its poster's twin) are never near-identical
        rows = catalog.conn.execute(
            "SELECT p.a, p.b, p.distance FROM near_pairs p JOIN images x ON x.content_id = p.a "
            "JOIN images y ON y.content_id = p.b WHERE x.present_files > 0 AND y.present_files > 0 "
            "AND x.kind = y.kind AND p.distance <= ? AND p.dhash_distance <= ?",
            (threshold, threshold),
        ).fetchall()
        strength = [-r[2] for r in rows]
        cap = None
    else:
        rows = catalog.conn.execute(
            "SELECT p.a, p.b, p.similarity FROM similar_pairs p "
            "JOIN images x ON x.content_id = p.a JOIN images y ON y.content_id = p.b "
            "WHERE p.model_id = ? AND x.present_files > 0 AND y.present_files > 0 "
            "AND p.similarity >= ?",
            (model_id, threshold),
        ).fetchall()
        strength = [r[2] for r in rows]
        cap = SIMILAR_CAP
    rows = _not_dismissed(catalog, rows)
    ids = sorted({r[0] for r in rows} | {r[1] for r in rows})
    position = {cid: n for n, cid in enumerate(ids)}
    a = np.array([position[r[0]] for r in rows], dtype=np.int64)
    b = np.array([position[r[1]] for r in rows], dtype=np.int64)
    found = groups_from_pairs(len(ids), a, b, np.array(strength, dtype=np.float64), cap)
    grouping = [[ids[n] for n in group] for group in found]
    with _LOCK:
        _GROUPINGS[key] = grouping
        while len(_GROUPINGS) > 16:
            _GROUPINGS.popitem(last=False)
    return grouping


def _not_dismissed(catalog: Catalog, rows: list) -> list:
    """The pairs the user has not said are "not duplicates" (see curate.dismissals)."""
    sets = Dismissals(catalog).sets_of()
    if not sets:
        return rows
    return [row for row in rows if not apart(sets, row[0], row[1])]


def _state(catalog: Catalog, tier: str) -> tuple:
    """Changes whenever a grouping could: pairs added, files trashed, moved or deleted,
    a dismissal added or reset."""
    table = "near_pairs" if tier == "near" else "similar_pairs"
    pairs = catalog.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    present = catalog.conn.execute(
        "SELECT COUNT(*), TOTAL(present_files) FROM images WHERE present_files > 0"
    ).fetchone()
    trash = catalog.conn.execute("SELECT COUNT(*), MAX(done_at) FROM trash_log").fetchone()
    return pairs, tuple(present), tuple(trash), Dismissals(catalog).state()


def _with_distances(group: Group, tier: str, library: Any) -> Group:
    """Each member's distance to the keeper: hash bits (near) or 1 - cosine (similar)."""
    keeper = group.members[group.keeper]
    ids = [m.content_id for m in group.members]
    if tier == "near":
        with library.open_catalog() as catalog:
            table = cache.load_hashes_of(catalog, ids)
        k = ids.index(keeper.content_id)
        for n, member in enumerate(group.members):
            bits = np.bitwise_count(np.bitwise_xor(table.phash[k, 0], table.phash[n]))
            member.distance = float(bits.min())
    else:
        found, rows, _ = library.vector_mirror().vectors_for(ids)
        vectors = dict(zip(found, rows, strict=True))
        anchor = vectors.get(keeper.content_id)
        for member in group.members:
            other = vectors.get(member.content_id)
            if anchor is not None and other is not None:
                member.distance = round(float(1.0 - anchor @ other), 4)
    return group


def _cluster_page(catalog: Catalog, model_id: str, page: int) -> Groups:
    sizes = catalog.conn.execute(
        "SELECT m.cluster, COUNT(*) FROM cluster_members m JOIN images i USING (content_id) "
        "WHERE m.model_id = ? AND i.present_files > 0 GROUP BY m.cluster "
        "ORDER BY COUNT(*) DESC, m.cluster",
        (model_id,),
    ).fetchall()
    start = (page - 1) * GROUPS_PER_PAGE
    groups = []
    for cluster, size in sizes[start : start + GROUPS_PER_PAGE]:
        _, best = _cluster_members(catalog, model_id, cluster)
        cards = members_of(catalog, best)
        members = [cards[cid] for cid in best if cid in cards]
        if members:
            groups.append(Group(members, keeper=0, size=size, label=f"cluster {cluster}"))
    return Groups("clusters", None, groups, len(sizes), page)


def _cluster_members(catalog: Catalog, model_id: str, cluster: int) -> tuple[int, list[str]]:
    """A cluster's size (present images) and its representatives, nearest the centre first."""
    present = (
        "FROM cluster_members m JOIN images i USING (content_id) "
        "WHERE m.model_id = ? AND m.cluster = ? AND i.present_files > 0"
    )
    (size,) = catalog.conn.execute(f"SELECT COUNT(*) {present}", (model_id, cluster)).fetchone()
    best = catalog.conn.execute(
        f"SELECT m.content_id {present} ORDER BY m.similarity DESC LIMIT ?",
        (model_id, cluster, REPRESENTATIVES),
    ).fetchall()
    return int(size), [r[0] for r in best]


def _cluster_of(catalog: Catalog, model_id: str, content_id: str) -> Group | None:
    """The cluster that holds this image: its representatives, with the image first."""
    row = catalog.conn.execute(
        "SELECT cluster FROM cluster_members WHERE model_id = ? AND content_id = ?",
        (model_id, content_id),
    ).fetchone()
    if row is None:
        return None
    size, best = _cluster_members(catalog, model_id, row[0])
    ids = [content_id, *[cid for cid in best if cid != content_id]][:REPRESENTATIVES]
    cards = members_of(catalog, ids)
    members = [cards[cid] for cid in ids if cid in cards]
    return Group(members, keeper=0, size=size, label=f"cluster {row[0]}") if members else None
