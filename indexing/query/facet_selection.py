"""A Filter read over the facet columns: which rows it keeps, as a boolean mask.

Every Filter field but the text categories is decided here, by comparing codes and numbers
(milliseconds at a million images); `sql_fields` is what is left for SQL. A facet ignores
its own choice, so a mask can leave some fields out. Each field means exactly what
Filter.where() says in SQL: tests compare the two.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexing.query.facet_codes import NONE, Values
from indexing.query.facet_columns import FacetColumns
from indexing.query.filters import Filter

# The Filter fields applied here, by codes; the others go to SQL.
CODED_FIELDS = ("year", "month", "day", "camera", "lens", "country", "city", "subject",
                "formats", "folder", "min_width", "max_width", "min_height", "max_height",
                "min_pixels", "max_pixels", "min_aspect", "max_aspect", "min_bytes",
                "max_bytes", "taken_from", "taken_to", "min_rating", "max_rating",
                "rated")  # fmt: skip


def sql_fields(flt: Filter) -> Filter:
    """flt without the fields the facet columns apply by codes: what SQL still has to decide."""
    return flt.model_copy(
        update={name: (() if name == "formats" else None) for name in CODED_FIELDS}
    )


def selection_mask(
    columns: FacetColumns, flt: Filter, ignored: tuple[str, ...] = ()
) -> NDArray[np.bool_]:
    """Rows kept by the coded fields of flt, except the ignored ones."""
    mask = columns.everything()

    def take(codes: NDArray[np.int32], values: Values, value: Any) -> None:
        nonlocal mask
        code = values.codes.get(value)
        if code is None:
            mask[:] = False
        else:
            mask &= codes == code

    for low, high, values in (
        ("min_width", "max_width", columns.width),
        ("min_height", "max_height", columns.height),
        ("min_pixels", "max_pixels", columns.width * columns.height),
        ("min_aspect", "max_aspect", _aspect(columns)),
        ("min_bytes", "max_bytes", columns.bytes),
    ):
        if getattr(flt, low) is not None:
            mask &= values >= getattr(flt, low)
        if getattr(flt, high) is not None:
            mask &= values <= getattr(flt, high)
    if flt.taken_from is not None or flt.taken_to is not None:
        mask &= _taken(columns, flt)
    with np.errstate(invalid="ignore"):  # no rating (nan) is never in a range
        if flt.min_rating is not None:
            mask &= columns.rating >= flt.min_rating
        if flt.max_rating is not None:
            mask &= columns.rating <= flt.max_rating
    if flt.rated is not None:
        mask &= columns.user_rated if flt.rated else ~columns.user_rated
    dated = {n: getattr(flt, n) for n in ("day", "month", "year") if n not in ignored}
    days = columns.values["day"]
    if dated.get("day") is not None:
        take(columns.day, days, dated["day"].isoformat())
    elif dated.get("month") is not None:
        take(_day_to(columns, columns.day_month), Values(columns.months), dated["month"])
    elif dated.get("year") is not None:
        take(_day_to(columns, columns.day_year), Values(columns.years), f"{dated['year']:04d}")
    for name, codes in (
        ("camera", columns.camera),
        ("lens", columns.lens),
        ("country", columns.country),
    ):
        value = getattr(flt, name)
        if value is not None and name not in ignored:
            take(codes, columns.values[name], value)
    if flt.city is not None and "city" not in ignored:
        cc, _, name = flt.city.rpartition("/")
        if len(cc) == 2:
            take(columns.city, columns.values["city"], (cc.upper(), name))
        else:
            wanted = np.array([city == name for _, city in columns.cities] + [False], dtype=bool)
            mask &= wanted[columns.city]  # NONE (-1) reads the trailing False
    if flt.formats and "formats" not in ignored:
        wanted = np.array([fmt in flt.formats for fmt in columns.formats] + [False], dtype=bool)
        mask &= wanted[columns.format]
    if flt.folder is not None and "folder" not in ignored:
        mask &= columns.folder_mask(flt.folder)
    if flt.subject is not None and "subject" not in ignored:
        code = columns.tags.codes.get(flt.subject)
        if code is None:
            mask[:] = False
        else:
            mask &= columns.mask_of_rows(columns.tag_row[columns.tag == code])
    return mask


def _aspect(columns: FacetColumns) -> NDArray[np.float64]:
    """width / height as SQLite computes it (no height: no aspect, nothing compares)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(columns.height > 0, columns.width / columns.height, np.nan)


def _taken(columns: FacetColumns, flt: Filter) -> NDArray[np.bool_]:
    """Filter.where()'s taken_from/taken_to: the photo's own day, within the date_key
    bounds it also sets."""
    low, high = flt.taken_bounds()  # set exactly when taken_from, taken_to are
    keep = columns.day >= 0
    if flt.taken_from is not None and low is not None:
        first = bisect.bisect_left(columns.days, flt.taken_from.isoformat())
        keep &= (columns.day >= first) & (columns.date_key >= low)
    if flt.taken_to is not None and high is not None:
        last = bisect.bisect_right(columns.days, flt.taken_to.isoformat()) - 1
        keep &= (columns.day <= last) & (columns.date_key < high)
    return keep


def _day_to(columns: FacetColumns, day_to: NDArray[np.int32]) -> NDArray[np.int32]:
    """Per row: the month or year code of its day, NONE without a day."""
    if not len(day_to):
        return np.full(columns.size, NONE, dtype=np.int32)
    return np.where(columns.day >= 0, day_to[np.maximum(columns.day, 0)], NONE)
