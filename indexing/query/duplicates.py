"""Duplicate and similar groups, as the Duplicates view and `launch.py duplicates` show them.

Tiers:
- exact: the same bytes at several paths (one content, several present files);
- near: the same picture resized, re-compressed, re-encoded, slightly re-toned, rotated by a
  multiple of 90 degrees or mirrored (perceptual hashes over the 8 orientations);
- similar: the same scene, a burst, a crop (CLIP cosine similarity over a threshold);
- clusters: the whole library in visual clusters, to browse what is in it.
The pairs behind near and similar are computed by indexing.dedup and cached in the
catalog (see indexing.dedup.cache); this module turns them into pages of groups.

The suggested keeper of a group is the member that sorts first by (documented in the
README): your rating, then the predicted rating, then pixels, then file size, then the
earliest date. Copies of the same content are one member, whose `paths` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from indexing.curate.dismissals import COPIES_KEPT
from indexing.errors import PictorError
from indexing.progress import Cancelled, ProgressCallback, no_progress
from indexing.query.ranking import present_paths
from indexing.store.catalog import Catalog

TIERS = ("exact", "near", "similar", "clusters")
GROUPS_PER_PAGE = 10  # the UI draws one fixed slot per group of a page (app/duplicates.py)
CHUNK = 500  # groups read at a time when every group is asked for
MEMBER_COLUMNS = (
    "i.content_id, i.width, i.height, i.bytes, i.date_key, i.taken_at, "
    "(SELECT r.rating FROM ratings r WHERE r.content_id = i.content_id), "
    "(SELECT p.rating FROM predictions p WHERE p.content_id = i.content_id), i.kind"
)


@dataclass(slots=True)
class Member:
    content_id: str
    path: str  # the file this card stands for (for exact copies: that copy)
    paths: list[str]  # every present file of the content
    width: int
    height: int
    bytes: int
    date_key: float
    taken_at: str | None
    rating: float | None  # yours
    predicted: float | None
    distance: float = 0.0  # to the group's keeper: bits (near), 1 - cosine (similar)
    kind: str = "image"  # or "video": keeping one never trashes the other kind

    def keeper_key(self) -> tuple:
        """Sorts the best keeper first: yours, predicted, pixels, size, earliest."""
        return (
            -(self.rating if self.rating is not None else -1.0),
            -(self.predicted if self.predicted is not None else -1.0),
            -(self.width * self.height),
            -self.bytes,
            self.date_key,
            self.path,
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rating"] = self.rating if self.rating is not None else self.predicted
        data["rating_source"] = (
            "user"
            if self.rating is not None
            else "predicted"
            if self.predicted is not None
            else None
        )
        return data


@dataclass(slots=True)
class Group:
    members: list[Member]
    keeper: int = 0  # index into members
    size: int = 0  # clusters: the whole cluster's size (members are its representatives)
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "keeper": self.members[self.keeper].path if self.members else None,
            "members": [m.as_dict() for m in self.members],
        }
        if self.size:
            data["size"] = self.size
        return data


@dataclass(slots=True)
class Groups:
    tier: str
    threshold: float | None
    groups: list[Group]
    total: int  # groups in the whole tier
    page: int
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // GROUPS_PER_PAGE))

    @property
    def files_to_trash(self) -> int:
        """How many files "keep the keeper, trash the rest" would move on this whole page."""
        return sum(files_replaced(group) for group in self.groups)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "threshold": self.threshold,
            "page": self.page,
            "pages": self.pages,
            "total_groups": self.total,
            "notes": self.notes,
            "groups": [g.as_dict() for g in self.groups],
        }


def files_replaced(group: Group) -> int:
    keeper = group.members[group.keeper] if group.members else None
    if keeper is None:
        return 0
    if all(m.content_id == keeper.content_id for m in group.members):  # exact copies
        return len(group.members) - 1
    return sum(len(m.paths) for m in replaced_by(group, keeper))


def replaced_by(group: Group, keeper: Member) -> list[Member]:
    """The members that keeping `keeper` would trash: the other contents of its own kind (a
    video never replaces a photo, nor a photo a video, whatever the tier grouped)."""
    return [m for m in group.members if m.content_id != keeper.content_id and m.kind == keeper.kind]


def with_keeper(members: list[Member]) -> Group:
    """A group with the suggested keeper first-chosen and distances left as given."""
    ordered = sorted(members, key=Member.keeper_key)
    return Group(ordered, keeper=0)


def members_of(catalog: Catalog, content_ids: list[str]) -> dict[str, Member]:
    """Member cards (one per content, its first present path) for these content ids."""
    out: dict[str, Member] = {}
    paths = present_paths(catalog, content_ids, oldest_first=True)  # the oldest copy first
    for start in range(0, len(content_ids), 500):
        chunk = content_ids[start : start + 500]
        rows = catalog.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM images i WHERE i.content_id IN "
            f"({','.join('?' * len(chunk))}) AND i.present_files > 0",
            chunk,
        )
        for cid, width, height, size, date_key, taken_at, rating, predicted, kind in rows:
            files = paths.get(cid, [])
            if files:
                out[cid] = Member(cid, files[0], files, width, height, size, date_key, taken_at,
                                  rating, predicted, kind=kind)  # fmt: skip
    return out


# Contents with two or more present files, but those whose copies the user keeps.
_COPIED = (
    "SELECT content_id FROM files WHERE status = 'present' "
    f"AND content_id NOT IN ({COPIES_KEPT}) GROUP BY content_id HAVING COUNT(*) > 1"
)


def exact_groups(catalog: Catalog, page: int = 1) -> Groups:
    """Contents with two or more present files, most copies first."""
    total = catalog.conn.execute(f"SELECT COUNT(*) FROM ({_COPIED})").fetchone()[0]
    rows = catalog.conn.execute(
        f"{_COPIED} ORDER BY COUNT(*) DESC, content_id LIMIT ? OFFSET ?",
        (GROUPS_PER_PAGE, (page - 1) * GROUPS_PER_PAGE),
    ).fetchall()
    cards = members_of(catalog, [r[0] for r in rows])
    groups = []
    for (content_id,) in rows:
        card = cards.get(content_id)
        if card is None:
            continue
        groups.append(copies_of(card))
    return Groups("exact", None, groups, total, page)


def check_page(page: int) -> None:
    if not 1 <= page <= 1_000_000:
        raise PictorError(f"pages run from 1 to 1,000,000 (got {page})")


def find_groups(
    library: Any,
    tier: str,
    threshold: float | None = None,
    page: int = 1,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> Groups:
    """One page of a tier's groups: what the CLI and the Duplicates view call. The near,
    similar and clusters tiers first compare what is new (with progress; cancel stops it)."""
    if tier not in TIERS:
        raise PictorError(f"unknown tier {tier!r}; use one of: {', '.join(TIERS)}")
    check_page(page)
    if tier == "exact":
        if threshold is not None:
            raise PictorError("the exact tier takes no threshold: its copies are byte for byte")
        with library.open_catalog() as catalog:
            return exact_groups(catalog, page)
    from indexing.dedup.tiers import tier_groups  # numpy, sklearn: only when asked for

    return tier_groups(library, tier, threshold, page, progress, cancel)


def all_groups(
    library: Any,
    tier: str,
    threshold: float | None = None,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> list[Group]:
    """Every group of a tier (for "keep the keeper in every group")."""
    return list(every_group(library, tier, threshold, progress, cancel)[1])


def every_group(
    library: Any,
    tier: str,
    threshold: float | None = None,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> tuple[int, Iterator[Group]]:
    """How many groups a tier has, and all of them, read a page at a time as they are
    consumed (`duplicates --all` streams them, whatever their number)."""
    if tier not in TIERS:
        raise PictorError(f"unknown tier {tier!r}; use one of: {', '.join(TIERS)}")
    if tier != "exact":
        from indexing.dedup.tiers import every_tier_group

        return every_tier_group(library, tier, threshold, progress, cancel)
    if threshold is not None:
        raise PictorError("the exact tier takes no threshold: its copies are byte for byte")
    with library.open_catalog() as catalog:  # one read of the ids, not a GROUP BY per page
        ids = [r[0] for r in catalog.conn.execute(f"{_COPIED} ORDER BY COUNT(*) DESC, content_id")]

    def chunks() -> Iterator[Group]:
        with library.open_catalog() as catalog:
            for start in range(0, len(ids), CHUNK):
                cards = members_of(catalog, ids[start : start + CHUNK])
                yield from (copies_of(cards[cid]) for cid in ids[start : start + CHUNK]
                            if cid in cards)  # fmt: skip

    return len(ids), chunks()


def group_numbered(library: Any, tier: str, threshold: float | None, number: int) -> Group:
    """Group `number` (1 = the first of page 1) as the tier lists it now."""
    if number < 1:
        raise PictorError(f"groups are numbered from 1 (got {number})")
    page, index = divmod(number - 1, GROUPS_PER_PAGE)
    if page + 1 > 1_000_000:
        raise PictorError(f"no group {number}")
    groups = find_groups(library, tier, threshold, page + 1)
    if index >= len(groups.groups):
        raise PictorError(f"no group {number}: the {tier} tier has {groups.total:,} groups")
    return groups.groups[index]


def exact_group_of(catalog: Catalog, content_id: str) -> Group | None:
    """The copies of one image (its present files), if it has more than one and the user
    has not said they are all kept."""
    kept = catalog.conn.execute(f"SELECT 1 WHERE ? IN ({COPIES_KEPT})", (content_id,)).fetchone()
    card = members_of(catalog, [content_id]).get(content_id)
    if kept is not None or card is None or len(card.paths) < 2:
        return None
    return copies_of(card)


def copies_of(card: Member) -> Group:
    """One card per copy of the same content; the earliest file (by mtime) is the keeper."""
    return Group([Member(**{**asdict(card), "path": path}) for path in card.paths], keeper=0)


def duplicates_of(
    library: Any,
    content_id: str,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
    tier: str | None = None,
    threshold: float | None = None,
) -> Groups:
    """The group of one image in `tier` (at `threshold`), or, with no tier, from the closest
    tier that has one: its exact copies, else the near-identical images, else the similar
    ones (default thresholds). No group at all: a Groups of no groups whose note says so."""
    if tier is not None and tier not in TIERS:
        raise PictorError(f"unknown tier {tier!r}; use one of: {', '.join(TIERS)}")
    if threshold is not None and tier not in ("near", "similar"):
        raise PictorError("a threshold needs --tier near or similar")
    with library.open_catalog() as catalog:
        known = catalog.conn.execute(
            "SELECT 1 FROM images WHERE content_id = ?", (content_id,)
        ).fetchone()
        if known is None:
            raise PictorError(f"no image with content id {content_id} in the catalog")
        group = exact_group_of(catalog, content_id) if tier in (None, "exact") else None
    if group is not None or tier == "exact":
        return _one_group("exact", None, group, "exact copies")
    from indexing.dedup.tiers import tier_group_of

    notes = []
    for name in [tier] if tier else ["near", "similar"]:
        try:
            group = tier_group_of(library, name, content_id, progress, cancel, threshold)
        except Cancelled:
            raise
        except PictorError as exc:  # no vectors (no weights yet): the similar tier is out
            if tier:
                raise
            notes.append(str(exc))
            continue
        if group is not None or tier:
            return _one_group(name, default_threshold(name, threshold), group, TIER_NAMES[name])
    said = "This image has no exact copies, near-identical or similar images in the library."
    return Groups("exact", None, [], 0, 1, [said, *notes])


def _one_group(tier: str, threshold: float | None, group: Group | None, name: str) -> Groups:
    if group is None:
        return Groups(tier, threshold, [], 0, 1, [f"This image has no {name} in the library."])
    return Groups(tier, threshold, [group], 1, 1, [ONE_GROUP % name])


def default_threshold(tier: str, threshold: float | None) -> float | None:
    """The threshold given, else the tier's default (None for exact and clusters)."""
    if tier in ("exact", "clusters") or threshold is not None:
        return threshold
    from indexing.dedup.near import PHASH_THRESHOLD
    from indexing.dedup.tiers import SIMILAR_THRESHOLD

    return float(PHASH_THRESHOLD) if tier == "near" else SIMILAR_THRESHOLD


TIER_NAMES = {
    "exact": "exact copies",
    "near": "near-identical images",
    "similar": "similar images",
    "clusters": "cluster",
}
ONE_GROUP = "The group of the image you chose (%s). Find groups shows every group."
