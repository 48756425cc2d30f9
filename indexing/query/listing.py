"""The listing query layer: one page of images for a filter and a sort, with its counts.

Shared by the Filters tab and `launch.py list`. Everything runs in SQL over indexed columns:

- Every sort is `ORDER BY key, content_id` (both ascending or both descending), served by a
  (key, content_id) index, so a page is an index walk and paging is stable.
- The counts ("12,408 of 210,332 images") scan narrow indexes: images_present for the total,
  images_filter_cover (every filterable column) for the matching count.
- A page is found as content ids first, then their columns are read for those ids only.
  When the filter keeps few images (under 1 in SELECTIVE), or walking the sort index for an
  early page takes too long (a filter that rejects a long run of it, e.g. a minimum width
  while sorting by pixels ascending), the ids come from sorting the filtered rows of the
  covering index; otherwise the sort index is walked and rows are filtered as met.
- Random: content ids are uniform hashes, so the seed picks a pivot in id space and the order
  is "ids from the pivot up, then wrap to the lowest": a rotation that visits every image once.
- Rating: images with a rating (yours, else predicted) in order, then those with none, in
  both directions.
- Text categories: cached CLIP probabilities (see indexing.query.categories) joined in SQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indexing.errors import PictorError
from indexing.query.categories import CategoryScores, matched_ids_sql, text_clauses
from indexing.query.filters import SORT_COLUMNS, Filter, SortKey, describe_validation_error
from indexing.query.model_folder import ModelFolder
from indexing.query.organised import check_known
from indexing.store import image_listing
from indexing.store.albums import in_album_probe
from indexing.store.catalog import Catalog
from indexing.store.faces import with_people_probe
from indexing.store.image_listing import COVER, Part
from indexing.store.tags import tagged_under_probe

SELECTIVE = 20
WALK_BUDGET_S = 0.01
BUDGETED_OFFSET = 600  # deeper pages always walk: sorting would keep offset + limit rows


class Plan(Enum):
    """How a page's ids are found (see the module docstring)."""

    walk = "walk the sort index"
    walk_with_budget = "walk the sort index for WALK_BUDGET_S, then sort the filtered rows"
    sort_filtered = "sort the filtered rows"


MAX_PAGE_SIZE = 1000
SORT_INDEXES: dict[SortKey, str] = {
    SortKey.resolution: "images_pixels_id",
    SortKey.width: "images_width_id",
    SortKey.height: "images_height_id",
    SortKey.proportion: "images_aspect_id",
    SortKey.size: "images_bytes_id",
    SortKey.taken: "images_date_key_id",
    SortKey.added: "images_added_at_id",
    SortKey.name: "images_name_key_id",
    SortKey.random: "sqlite_autoindex_images_1",
    SortKey.rating: "images_rating_key_id",
}


class ListRequest(BaseModel):
    """What to list: a filter, a sort and a page. Validated like the filter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    filter: Filter = Field(default_factory=Filter)
    sort: SortKey = SortKey.taken
    descending: bool = False
    seed: int = 0
    page: int = Field(default=1, ge=1, le=10_000_000)
    page_size: int = Field(default=60, ge=1, le=MAX_PAGE_SIZE)

    @classmethod
    def parse(cls, **values: Any) -> ListRequest:
        cleaned = {k: v for k, v in values.items() if v is not None and v != ""}
        try:
            return cls(**cleaned)
        except ValidationError as exc:
            raise PictorError(describe_validation_error(exc)) from None


@dataclass(frozen=True, slots=True)
class ListedImage:
    content_id: str
    path: str
    width: int
    height: int
    format: str
    bytes: int
    taken_at: str | None
    date_key: float
    added_at: float
    rating: float | None
    rating_source: str | None  # "user", "predicted" or None
    kind: str = "image"  # or "video"
    duration: float | None = None  # a video's, in seconds

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @property
    def rating_label(self) -> str:
        """'7.5 ★ yours', '6.8 predicted' or 'unrated'."""
        if self.rating is None:
            return "unrated"
        if self.rating_source == "user":
            return f"{self.rating:g} ★ yours"
        return f"{self.rating:.1f} predicted"


@dataclass(frozen=True, slots=True)
class Listing:
    items: list[ListedImage]
    matching: int
    total: int
    request: ListRequest
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // self.request.page_size))

    @property
    def count_line(self) -> str:
        return f"{self.matching:,} of {self.total:,} images"

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "matching": self.matching,
            "total": self.total,
            "page": r.page,
            "page_size": r.page_size,
            "pages": self.pages,
            "sort": r.sort.value,
            "descending": r.descending,
            "seed": r.seed,
            "filter": r.filter.model_dump(mode="json", exclude_defaults=True),
            "items": [item.as_dict() for item in self.items],
        }


def random_pivot(seed: int | str) -> str:
    """A point in content-id space (32 hex digits, like the ids) chosen by the seed."""
    return hashlib.blake2b(str(seed).encode(), digest_size=16).hexdigest()


def cover_for(flt: Filter) -> str:
    """Force the covering index, unless a facet column (outside it) is filtered on: then
    SQLite starts from that facet's own index."""
    return "" if flt.uses_facets or _from_members(flt) else COVER


def _from_members(flt: Filter) -> bool:
    """An album, a tag or a named person: the images come from their own rows (few beside the
    library), which SQLite drives from, reading their images from images_members."""
    return bool(flt.organised() or flt.people)


def list_images(
    catalog: Catalog, request: ListRequest, categories: CategoryScores | None = None
) -> Listing:
    """One page of the images the request's filter keeps, in its order, with the counts."""
    flt = request.filter
    check_known(catalog, flt)
    cover = cover_for(flt)
    where, params = flt.where()
    model_id = categories.model_id if categories else ""
    if flt.needs_clip:
        if categories is None:
            raise PictorError("The text-category filter needs CLIP, which is not set up here.")
        categories.ensure(catalog, [*flt.exclude_text, *flt.only_text])
        extra, extra_params = text_clauses(
            model_id, flt.exclude_text, flt.only_text, flt.text_sensitivity
        )
        where = " AND ".join([where, *extra])
        params = params + extra_params
    total = image_listing.total_present(catalog)
    offset = (request.page - 1) * request.page_size
    if _from_members(flt) and not flt.needs_clip:
        walked = _walk_members(catalog, request, flt, total)
        if walked is not None:
            return walked
    if _from_members(flt) and not flt.needs_clip and request.sort in SPLIT_SORTS:
        return _organised_page(catalog, request, where, params, total)
    parts = _parts(request, where, params)
    if len(parts) == 1 and not flt.needs_clip and offset <= BUDGETED_OFFSET:
        ids, matching = _walk_or_sort_and_count(
            catalog, flt, parts[0], offset, request.page_size, total
        )
        return Listing(
            [_item(row) for row in image_listing.rows_of(catalog, ids)], matching, total, request
        )
    matching = _count(catalog, flt, model_id, total)
    if matching * SELECTIVE < total:
        plan = Plan.sort_filtered
    elif flt.needs_clip or offset > BUDGETED_OFFSET:
        plan = Plan.walk
    else:
        plan = Plan.walk_with_budget
    found = _take(catalog, parts, offset, request.page_size, plan, flt.needs_clip, cover)
    return Listing([_item(row) for row in found], matching, total, request)


SPLIT_SORTS = (SortKey.rating, SortKey.random)  # sorts that _parts splits in two


def _probing_where(flt: Filter) -> tuple[str, list[Any]]:
    """flt.where() with its album, tag and people terms as probes of each image's own rows
    (EXISTS) instead of IN lists: the same images, but a walk of a sort index reads only
    the rows it passes, where an IN list is first built whole (100,000 ids: ~50 ms)."""
    where, params = flt.model_copy(update={"album": None, "tag": None, "people": ()}).where()
    probes: list[tuple[str, list[Any]]] = []
    if flt.album is not None:
        *folders, name = flt.album.split("/")
        probes.append(in_album_probe(folders, name))
    if flt.tag is not None:
        probes.append(tagged_under_probe(flt.tag))
    if flt.people:
        probes.append(with_people_probe(flt.people))
    for clause, values in probes:
        where += f" AND {clause}"
        params = [*params, *values]
    return where, params


def _walk_members(
    catalog: Catalog, request: ListRequest, flt: Filter, total: int
) -> Listing | None:
    """An early page inside a large album, tag or person's photos: walk the sort index,
    probing each image passed, then count from their rows. None when a walk runs out of its
    budget (a small album: sorting its rows is cheaper, see _organised_page) or the page
    is deep."""
    offset = (request.page - 1) * request.page_size
    if offset > BUDGETED_OFFSET:
        return None
    where, params = _probing_where(flt)
    ids: list[str] = []
    for part in _parts(request, where, params):
        found = image_listing.walk_with_budget(
            catalog, part, offset, request.page_size - len(ids), WALK_BUDGET_S
        )
        if found is None or (not found and offset > 0):
            return None  # over budget, or a part to skip by counting it
        ids += found
        if len(ids) >= request.page_size:
            break
        offset = 0
    matching = _count(catalog, flt, "", total)
    return Listing(
        [_item(row) for row in image_listing.rows_of(catalog, ids)], matching, total, request
    )


def _organised_page(
    catalog: Catalog, request: ListRequest, where: str, params: list[Any], total: int
) -> Listing:
    """A page inside an album, a tag or a person's photos, in a sort that _parts splits in
    two (rating: the rated, then the rest; random: the two sides of the pivot): their images
    are few beside the library, so they are all sorted in one ORDER BY, the page and the
    count in one pass (SQLite drives from the album's, tag's or person's rows), instead of a
    pass per part and a count: the cost follows the album, not the library."""
    offset = (request.page - 1) * request.page_size
    part = Part(where, params, _single_order(request), "")
    counted = image_listing.sort_and_count(catalog, "", part, offset, request.page_size)
    matching = counted[0][1] if counted else image_listing.count(catalog, "", where, params)
    rows = image_listing.rows_of(catalog, [row[0] for row in counted])
    return Listing([_item(row) for row in rows], matching, total, request)


def _single_order(request: ListRequest) -> str:
    """The order of _parts as one ORDER BY: the same sequence of images."""
    direction = "DESC" if request.descending else "ASC"
    if request.sort is SortKey.random:
        pivot = random_pivot(request.seed)  # 32 hex digits: safe inline
        return f"(i.content_id < '{pivot}') {direction}, i.content_id {direction}"
    if request.sort is SortKey.rating:
        return f"(i.rating_key IS NULL), i.rating_key {direction}, i.content_id {direction}"
    return f"{SORT_COLUMNS[request.sort]} {direction}, i.content_id {direction}"


def _walk_or_sort_and_count(
    catalog: Catalog, flt: Filter, part: Part, offset: int, limit: int, total: int
) -> tuple[list[str], int]:
    """An early page and the count: walk the sort index (then count), or when the walk runs
    out of time, sort the filtered rows and count them in the same scan."""
    ids = image_listing.walk_with_budget(catalog, part, offset, limit, WALK_BUDGET_S)
    if ids is not None:
        return ids, _count(catalog, flt, "", total)
    counted = image_listing.sort_and_count(catalog, cover_for(flt), part, offset, limit)
    if counted:
        return [row[0] for row in counted], counted[0][1]
    return [], _count(catalog, flt, "", total)


def _parts(request: ListRequest, where: str, params: list[Any]) -> list[Part]:
    direction = "DESC" if request.descending else "ASC"
    sort = request.sort
    index = SORT_INDEXES[sort]
    if sort is SortKey.random:
        pivot = random_pivot(request.seed)
        order = f"i.content_id {direction}"
        high = Part(f"{where} AND i.content_id >= ?", [*params, pivot], order, index)
        low = Part(f"{where} AND i.content_id < ?", [*params, pivot], order, index)
        return [low, high] if request.descending else [high, low]
    if sort is SortKey.rating:
        return [
            Part(
                f"{where} AND i.rating_key IS NOT NULL",
                params,
                f"i.rating_key {direction}, i.content_id {direction}",
                index,
            ),
            Part(
                f"{where} AND i.rating_key IS NULL",
                params,
                f"i.content_id {direction}",
                SORT_INDEXES[SortKey.random],
            ),
        ]
    column = SORT_COLUMNS[sort]
    return [Part(where, params, f"{column} {direction}, i.content_id {direction}", index)]


def _take(
    catalog: Catalog,
    parts: list[Part],
    offset: int,
    limit: int,
    plan: Plan,
    text: bool,
    cover: str = COVER,
) -> list[Any]:
    """limit rows from offset across the parts, in order; counts a part only to skip it."""
    ids: list[str] = []
    for number, part in enumerate(parts):
        found = _ids(catalog, part, offset, limit - len(ids), plan, text, cover)
        ids += found
        if len(ids) >= limit or number == len(parts) - 1:
            break
        if found:
            offset = 0
        else:
            offset = max(0, offset - image_listing.count(catalog, cover, part.where, part.params))
    return image_listing.rows_of(catalog, ids)


def _ids(
    catalog: Catalog,
    part: Part,
    offset: int,
    limit: int,
    plan: Plan,
    text: bool,
    cover: str = COVER,
) -> list[str]:
    """The page's content ids, by walking the sort index or by sorting the filtered rows."""
    if plan is Plan.walk:
        return image_listing.run_ids(catalog, part, offset, limit, f"INDEXED BY {part.index}")
    if plan is Plan.walk_with_budget:
        found = image_listing.walk_with_budget(catalog, part, offset, limit, WALK_BUDGET_S)
        if found is not None:
            return found
    # With text categories SQLite drives from the (indexed) matching scores itself.
    return image_listing.run_ids(catalog, part, offset, limit, "" if text else cover)


def _count(catalog: Catalog, flt: Filter, model_id: str, total: int) -> int:
    """How many images the filter keeps, from the covering index and the score index. With
    no filter that is the total of present images, already counted (a scan fewer: ~35 ms
    at 1M)."""
    if flt.is_empty:
        return total
    where, params = flt.where()
    cover = cover_for(flt)
    if (flt.exclude_text and flt.only_text) or len(flt.only_text) > 1:
        extra, extra_params = text_clauses(
            model_id, flt.exclude_text, flt.only_text, flt.text_sensitivity
        )
        return image_listing.count(
            catalog, cover, " AND ".join([where, *extra]), params + extra_params
        )
    if not flt.needs_clip:
        return image_listing.count(catalog, cover, where, params)
    matched_sql, matched_params = matched_ids_sql(
        model_id, flt.exclude_text or flt.only_text, flt.text_sensitivity
    )
    matched = image_listing.count_matched(catalog, matched_sql, where, matched_params + params)
    return (
        matched if flt.only_text else image_listing.count(catalog, cover, where, params) - matched
    )


def _item(row: Any) -> ListedImage:
    return ListedImage(
        content_id=row[0],
        path=row[10] or "",
        width=row[1],
        height=row[2],
        format=row[3],
        bytes=row[4],
        taken_at=row[5],
        date_key=row[6],
        added_at=row[7],
        rating=row[8],
        rating_source=row[9],
        kind=row[11],
        duration=row[12],
    )


def scores_for(library: ModelFolder) -> CategoryScores:
    """The category cache of a Library's current model (the model loads only if needed)."""
    return CategoryScores(library.model_id, lambda: library.embedder().load(), library.vectors)


def list_library(library: ModelFolder, request: ListRequest) -> Listing:
    """list_images over a Library: what the CLI and the Filters tab call."""
    with library.open_catalog() as catalog:
        return list_images(catalog, request, scores_for(library))
