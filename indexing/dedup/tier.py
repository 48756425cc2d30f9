"""What every duplicate tier is: one interface, the shared flow in the base class.

A tier (exact, near, similar, clusters; see indexing.dedup.tiers for the registry) says
what threshold it takes (`bounds`, `default`), brings its cache up to date (`update`),
lists its groups in order as keys (`keys`: content ids, groups of ids, or clusters) and
turns a slice of keys into groups (`groups_of`), and finds the group that holds one image
(`group_holding`). The base owns paging, reading every group a chunk at a time, and the
threshold check, as imagededup's hashers share one base and override one method each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import ClassVar, Generic, TypeVar

from indexing.dedup.records import CHUNK, GROUPS_PER_PAGE, Group, Groups, Member
from indexing.errors import PictorError
from indexing.progress import ProgressCallback, no_progress
from indexing.store import duplicates as stored
from indexing.store.catalog import Catalog
from indexing.store.data_folder import DataFolder
from indexing.store.files import present_paths

Cancel = Callable[[], bool] | None
Key = TypeVar("Key")


class Tier(ABC, Generic[Key]):
    name: ClassVar[str]
    noun: ClassVar[str]  # what its groups hold, for notes: "near-identical images"
    bounds: ClassVar[tuple[float, float] | None] = None  # None: it takes no threshold
    default: ClassVar[float | None] = None
    unit: ClassVar[str] = ""  # what the threshold counts
    no_threshold: ClassVar[str] = ""  # why it takes none
    browsing: ClassVar[bool] = False  # for looking through, not duplicates: no keepers
    one_image: ClassVar[bool] = False  # a group is one image in several files (its copies)

    # The interface

    def threshold(self, given: float | None) -> float | None:
        """The threshold to group at: the one given, checked against the bounds, else the
        default; None for a tier that takes none (and an error if one was given)."""
        if self.bounds is None:
            if given is not None:
                raise PictorError(self.no_threshold)
            return None
        if given is None:
            return self.default
        low, high = self.bounds
        if not low <= given <= high:
            raise PictorError(
                f"the {self.name} threshold is {self.unit} from {low} to {high} (got {given})"
            )
        return float(given)

    def update(
        self, library: DataFolder, catalog: Catalog, progress: ProgressCallback, cancel: Cancel
    ) -> None:
        """Bring the tier's cache up to date (compare what is new); nothing by default."""

    @abstractmethod
    def keys(self, library: DataFolder, catalog: Catalog, threshold: float | None) -> list[Key]:
        """Every group of the tier, in the order listed, as keys for `groups_of`."""

    @abstractmethod
    def groups_of(self, library: DataFolder, catalog: Catalog, keys: list[Key]) -> list[Group]:
        """The groups these keys stand for (one that lost its members meanwhile drops out)."""

    @abstractmethod
    def group_holding(
        self, library: DataFolder, catalog: Catalog, threshold: float | None, content_id: str
    ) -> Group | None:
        """The group that holds this image, or None."""

    # The shared flow

    def page(
        self,
        library: DataFolder,
        threshold: float | None,
        page: int,
        progress: ProgressCallback = no_progress,
        cancel: Cancel = None,
        per_page: int = GROUPS_PER_PAGE,
    ) -> Groups:
        """One page of groups, after bringing the cache up to date (with progress)."""
        threshold = self.threshold(threshold)
        with library.open_catalog() as catalog:
            self.update(library, catalog, progress, cancel)
            keys = self.keys(library, catalog, threshold)
            start = (page - 1) * per_page
            groups = self.groups_of(library, catalog, keys[start : start + per_page])
        return Groups(self.name, threshold, groups, len(keys), page, per_page=per_page)

    def every(
        self,
        library: DataFolder,
        threshold: float | None,
        progress: ProgressCallback = no_progress,
        cancel: Cancel = None,
    ) -> tuple[int, Iterator[Group]]:
        """How many groups the tier has, and every one of them, read a chunk at a time as
        they are consumed (a script that wants them all never holds more than a chunk)."""
        threshold = self.threshold(threshold)
        with library.open_catalog() as catalog:
            self.update(library, catalog, progress, cancel)
            keys = self.keys(library, catalog, threshold)

        def chunks() -> Iterator[Group]:
            with library.open_catalog() as catalog:
                for start in range(0, len(keys), CHUNK):
                    yield from self.groups_of(library, catalog, keys[start : start + CHUNK])

        return len(keys), chunks()

    def numbered(
        self, library: DataFolder, threshold: float | None, numbers: Sequence[int]
    ) -> list[Group]:
        """Groups by their numbers as the tier lists them now (1 = the first of page 1), all
        read before any is acted on, so acting on one does not renumber the others."""
        pages: dict[int, Groups] = {}
        chosen = []
        for number in numbers:
            if number < 1:
                raise PictorError(f"groups are numbered from 1 (got {number})")
            page, index = divmod(number - 1, GROUPS_PER_PAGE)
            if page + 1 > 1_000_000:
                raise PictorError(f"no group {number}")
            if page + 1 not in pages:
                pages[page + 1] = self.page(library, threshold, page + 1)
            groups = pages[page + 1]
            if index >= len(groups.groups):
                raise PictorError(
                    f"no group {number}: the {self.name} tier has {groups.total:,} groups"
                )
            chosen.append(groups.groups[index])
        return chosen

    def group_of(
        self,
        library: DataFolder,
        content_id: str,
        threshold: float | None = None,
        progress: ProgressCallback = no_progress,
        cancel: Cancel = None,
    ) -> Group | None:
        """The group (at the default threshold unless given) that holds this image."""
        threshold = self.threshold(threshold)
        with library.open_catalog() as catalog:
            self.update(library, catalog, progress, cancel)
            return self.group_holding(library, catalog, threshold, content_id)


def members_of(catalog: Catalog, content_ids: Sequence[str]) -> dict[str, Member]:
    """Member cards (one per content, its oldest present file first) for these contents."""
    ids = list(content_ids)
    paths = present_paths(catalog, ids, oldest_first=True)
    out: dict[str, Member] = {}
    for cid, width, height, size, date_key, taken_at, rating, predicted, kind in stored.member_rows(
        catalog, ids
    ):
        files = paths.get(cid, [])
        if files:
            out[cid] = Member(cid, files[0], files, width, height, size, date_key, taken_at,
                              rating, predicted, kind=kind)  # fmt: skip
    return out
