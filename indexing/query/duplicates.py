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

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from indexing.errors import PictorError
from indexing.progress import Cancelled, ProgressCallback, no_progress
from indexing.query.ranking import present_paths
from indexing.store.catalog import Catalog

TIERS = ("exact", "near", "similar", "clusters")
GROUPS_PER_PAGE = 10  # the UI draws one fixed slot per group of a page (app/duplicates.py)
MEMBER_COLUMNS = (
    "i.content_id, i.width, i.height, i.bytes, i.date_key, i.taken_at, "
    "(SELECT r.rating FROM ratings r WHERE r.content_id = i.content_id), "
    "(SELECT p.rating FROM predictions p WHERE p.content_id = i.content_id)"
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
    return sum(len(m.paths) for m in group.members if m.content_id != keeper.content_id)


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
        for cid, width, height, size, date_key, taken_at, rating, predicted in rows:
            files = paths.get(cid, [])
            if files:
                out[cid] = Member(cid, files[0], files, width, height, size, date_key, taken_at,
                                  rating, predicted)  # fmt: skip
    return out


def exact_groups(catalog: Catalog, page: int = 1) -> Groups:
    """Contents with two or more present files, most copies first."""
    total = catalog.conn.execute(
        "SELECT COUNT(*) FROM (SELECT content_id FROM files WHERE status = 'present' "
        "GROUP BY content_id HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    rows = catalog.conn.execute(
        "SELECT content_id FROM files WHERE status = 'present' GROUP BY content_id "
        "HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, content_id LIMIT ? OFFSET ?",
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
    first = find_groups(library, tier, threshold, 1, progress, cancel)
    groups = list(first.groups)
    for page in range(2, first.pages + 1):
        groups += find_groups(library, tier, threshold, page).groups
    return groups


def exact_group_of(catalog: Catalog, content_id: str) -> Group | None:
    """The copies of one image (its present files), if it has more than one."""
    card = members_of(catalog, [content_id]).get(content_id)
    return copies_of(card) if card is not None and len(card.paths) > 1 else None


def copies_of(card: Member) -> Group:
    """One card per copy of the same content; the earliest file (by mtime) is the keeper."""
    return Group([Member(**{**asdict(card), "path": path}) for path in card.paths], keeper=0)


def duplicates_of(
    library: Any,
    content_id: str,
    progress: ProgressCallback = no_progress,
    cancel: Callable[[], bool] | None = None,
) -> Groups:
    """The group of one image, from the closest tier that has one: its exact copies, else
    the near-identical images, else the similar ones (default thresholds). No group at all:
    a Groups of no groups whose note says so."""
    with library.open_catalog() as catalog:
        known = catalog.conn.execute(
            "SELECT 1 FROM images WHERE content_id = ?", (content_id,)
        ).fetchone()
        if known is None:
            raise PictorError(f"no image with content id {content_id} in the catalog")
        group = exact_group_of(catalog, content_id)
    if group is not None:
        return Groups("exact", None, [group], 1, 1, [ONE_GROUP % "exact copies"])
    from indexing.dedup.near import PHASH_THRESHOLD
    from indexing.dedup.tiers import SIMILAR_THRESHOLD, tier_group_of

    notes = []
    for tier, threshold, name in (
        ("near", float(PHASH_THRESHOLD), "near-identical images"),
        ("similar", SIMILAR_THRESHOLD, "similar images"),
    ):
        try:
            group = tier_group_of(library, tier, content_id, progress, cancel)
        except Cancelled:
            raise
        except PictorError as exc:  # no vectors (no weights yet): the similar tier is out
            notes.append(str(exc))
            continue
        if group is not None:
            return Groups(tier, threshold, [group], 1, 1, [ONE_GROUP % name])
    said = "This image has no exact copies, near-identical or similar images in the library."
    return Groups("exact", None, [], 0, 1, [said, *notes])


ONE_GROUP = "The group of the image you chose (%s). Find groups shows every group."
