"""The records of the duplicate tiers: a member card, a group, a page of groups, and the
rules on them that every tier shares (the suggested keeper, what keeping one replaces).

The suggested keeper of a group is the member that sorts first by (documented in the
README): your rating, then the predicted rating, then pixels, then file size, then the
earliest date. Copies of the same content are one member, whose `paths` lists them all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

GROUPS_PER_PAGE = 10  # the UI draws one fixed slot per group of a page (app/duplicates.py)
CHUNK = 500  # groups read at a time when every group is asked for


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
    per_page: int = GROUPS_PER_PAGE  # the page size the groups were read with

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_number(self) -> int:
        """The number of this page's first group, as the tier lists them (1 = the first)."""
        return (self.page - 1) * self.per_page + 1

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


def copies_of(card: Member) -> Group:
    """One card per copy of the same content; the earliest file (by mtime) is the keeper."""
    return Group([Member(**{**asdict(card), "path": path}) for path in card.paths], keeper=0)
