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
import sqlite3
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indexing.errors import PictorError
from indexing.query.categories import CategoryScores, matched_ids_sql, text_clauses
from indexing.query.filters import SORT_COLUMNS, Filter, SortKey, describe_validation_error
from indexing.store.catalog import Catalog

SELECTIVE = 20
WALK_BUDGET_S = 0.01
COVER = "INDEXED BY images_filter_cover"
GENERATED = {"i.pixels": "(i.width * i.height)", "i.aspect": "(CAST(i.width AS REAL) / i.height)"}
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
COLUMNS = (
    "i.content_id, i.width, i.height, i.format, i.bytes, i.taken_at, i.date_key, i.added_at, "
    "i.rating_key, i.rating_source, (SELECT MIN(f.path) FROM files f WHERE "
    "f.content_id = i.content_id AND f.status = 'present') AS path, i.kind, i.duration"
)


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


@dataclass(frozen=True, slots=True)
class _Part:
    """One ordered run of the result: a where clause and its ORDER BY."""

    where: str
    params: list[Any]
    order: str
    index: str


def cover_for(flt: Filter) -> str:
    """Force the covering index, unless a facet column (outside it) is filtered on: then
    SQLite starts from that facet's own index."""
    return "" if flt.uses_facets else COVER


def list_images(
    catalog: Catalog, request: ListRequest, categories: CategoryScores | None = None
) -> Listing:
    """One page of the images the request's filter keeps, in its order, with the counts."""
    flt = request.filter
    cover = cover_for(flt)
    where, params = flt.where()
    model_id = categories.model_id if categories else ""
    if flt.needs_clip:
        if categories is None:
            raise PictorError("The text-category filter needs CLIP, which is not set up here.")
        categories.ensure(catalog.conn, [*flt.exclude_text, *flt.only_text])
        extra, extra_params = text_clauses(
            model_id, flt.exclude_text, flt.only_text, flt.text_sensitivity
        )
        where = " AND ".join([where, *extra])
        params = params + extra_params
    total = _scalar(
        catalog,
        "SELECT COUNT(*) FROM images i INDEXED BY images_present WHERE i.present_files > 0",
        [],
    )
    offset = (request.page - 1) * request.page_size
    parts = _parts(request, where, params)
    if len(parts) == 1 and not flt.needs_clip and offset <= BUDGETED_OFFSET:
        ids, matching = _walk_or_sort_and_count(
            catalog, flt, parts[0], offset, request.page_size, total
        )
        rows = _details(catalog, ids)
        return Listing([_item(row) for row in rows], matching, total, request)
    matching = _count(catalog, flt, model_id, total)
    if matching * SELECTIVE < total:
        plan = Plan.sort_filtered
    elif flt.needs_clip or offset > BUDGETED_OFFSET:
        plan = Plan.walk
    else:
        plan = Plan.walk_with_budget
    rows = _take(catalog, parts, offset, request.page_size, plan, flt.needs_clip, cover)
    return Listing([_item(row) for row in rows], matching, total, request)


def _walk_or_sort_and_count(
    catalog: Catalog, flt: Filter, part: _Part, offset: int, limit: int, total: int
) -> tuple[list[str], int]:
    """An early page and the count: walk the sort index (then count), or when the walk runs
    out of time, sort the filtered rows and count them in the same scan."""
    ids = _walk_with_budget(catalog, part, offset, limit)
    if ids is not None:
        return ids, _count(catalog, flt, "", total)
    rows = catalog.conn.execute(
        covered(
            f"SELECT i.content_id, COUNT(*) OVER () FROM images i {cover_for(flt)} "
            f"WHERE {part.where} "
            f"ORDER BY {part.order} LIMIT ? OFFSET ?"
        ),
        [*part.params, limit, offset],
    ).fetchall()
    if rows:
        return [row[0] for row in rows], rows[0][1]
    return [], _count(catalog, flt, "", total)


def _walk_with_budget(catalog: Catalog, part: _Part, offset: int, limit: int) -> list[str] | None:
    """The page's ids by walking the sort index, or None when that takes over WALK_BUDGET_S."""
    deadline = time.perf_counter() + WALK_BUDGET_S
    catalog.conn.set_progress_handler(lambda: time.perf_counter() > deadline, 2000)
    try:
        return _run_ids(catalog, part, offset, limit, f"INDEXED BY {part.index}")
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
        return None
    finally:
        catalog.conn.set_progress_handler(None, 0)


def _run_ids(catalog: Catalog, part: _Part, offset: int, limit: int, hint: str) -> list[str]:
    sql = (
        f"SELECT i.content_id FROM images i {hint} WHERE {part.where} "
        f"ORDER BY {part.order} LIMIT ? OFFSET ?"
    )
    if "images_filter_cover" in hint:
        sql = covered(sql)
    return [row[0] for row in catalog.conn.execute(sql, [*part.params, limit, offset])]


def _parts(request: ListRequest, where: str, params: list[Any]) -> list[_Part]:
    direction = "DESC" if request.descending else "ASC"
    sort = request.sort
    index = SORT_INDEXES[sort]
    if sort is SortKey.random:
        pivot = random_pivot(request.seed)
        order = f"i.content_id {direction}"
        high = _Part(f"{where} AND i.content_id >= ?", [*params, pivot], order, index)
        low = _Part(f"{where} AND i.content_id < ?", [*params, pivot], order, index)
        return [low, high] if request.descending else [high, low]
    if sort is SortKey.rating:
        return [
            _Part(
                f"{where} AND i.rating_key IS NOT NULL",
                params,
                f"i.rating_key {direction}, i.content_id {direction}",
                index,
            ),
            _Part(
                f"{where} AND i.rating_key IS NULL",
                params,
                f"i.content_id {direction}",
                SORT_INDEXES[SortKey.random],
            ),
        ]
    column = SORT_COLUMNS[sort]
    return [_Part(where, params, f"{column} {direction}, i.content_id {direction}", index)]


def _take(
    catalog: Catalog,
    parts: list[_Part],
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
            size = _scalar(
                catalog,
                covered(f"SELECT COUNT(*) FROM images i {cover} WHERE {part.where}"),
                part.params,
            )
            offset = max(0, offset - size)
    return _details(catalog, ids)


def _ids(
    catalog: Catalog,
    part: _Part,
    offset: int,
    limit: int,
    plan: Plan,
    text: bool,
    cover: str = COVER,
) -> list[str]:
    """The page's content ids, by walking the sort index or by sorting the filtered rows."""
    if plan is Plan.walk:
        return _run_ids(catalog, part, offset, limit, f"INDEXED BY {part.index}")
    if plan is Plan.walk_with_budget:
        found = _walk_with_budget(catalog, part, offset, limit)
        if found is not None:
            return found
    # With text categories SQLite drives from the (indexed) matching scores itself.
    return _run_ids(catalog, part, offset, limit, "" if text else cover)


def _details(catalog: Catalog, ids: list[str]) -> list[Any]:
    """The listed columns of ids, in the order given."""
    if not ids:
        return []
    rows = catalog.conn.execute(
        f"SELECT {COLUMNS} FROM images i WHERE i.content_id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    by_id = {row[0]: row for row in rows}
    return [by_id[cid] for cid in ids if cid in by_id]


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
        sql = f"SELECT COUNT(*) FROM images i {cover} WHERE {' AND '.join([where, *extra])}"
        return _scalar(catalog, covered(sql), params + extra_params)
    base_sql = covered(f"SELECT COUNT(*) FROM images i {cover} WHERE {where}")
    if not flt.needs_clip:
        return _scalar(catalog, base_sql, params)
    matched_sql, matched_params = matched_ids_sql(
        model_id, flt.exclude_text or flt.only_text, flt.text_sensitivity
    )
    matched = _scalar(
        catalog,
        f"SELECT COUNT(*) FROM images i WHERE i.content_id IN ({matched_sql}) AND {where}",
        matched_params + params,
    )
    return matched if flt.only_text else _scalar(catalog, base_sql, params) - matched


def covered(sql: str) -> str:
    """sql with the generated columns spelled out, so the covering index alone answers it
    (SQLite reads a virtual generated column from the table even when an index holds it)."""
    for column, expression in GENERATED.items():
        sql = sql.replace(column, expression)
    return sql


def _scalar(catalog: Catalog, sql: str, params: list[Any]) -> int:
    return int(catalog.conn.execute(sql, params).fetchone()[0])


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


def scores_for(library: Any) -> CategoryScores:
    """The category cache of a Library's current model (the model loads only if needed)."""
    return CategoryScores(library.model_id, lambda: library.embedder().load(), library.vectors)


def list_library(library: Any, request: ListRequest) -> Listing:
    """list_images over a Library: what the CLI and the Filters tab call."""
    with library.open_catalog() as catalog:
        return list_images(catalog, request, scores_for(library))
