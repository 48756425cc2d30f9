"""Facets: what the library holds, with counts that follow the other active filters.

Each facet counts the images the filter (and the metadata query, if any) keeps, *without*
that facet's own selection, so a chosen value never hides its alternatives: with year 2023
chosen, the year facet still lists every year, while the camera facet counts 2023 only.
The place and date facets are hierarchies: choosing a country narrows the city facet to
its cities, choosing a year narrows the month facet to its months.

Every count is one GROUP BY over an index that leads with the facet's column and covers
present_files (migration 10), so an unfiltered facet is a scan of one narrow index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from indexing.query.filters import Filter
from indexing.query.metadata_search import ensure_fresh, matching_ids_sql, parse_query
from indexing.store.catalog import Catalog

TOP_VALUES = 50
# The folder of a file path, spelled like files.folder so that files_folder serves it.
FOLDER_OF = "rtrim(rtrim(f.path, replace(f.path, '/', '')), '/')"


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str  # what the filter takes (a country code, a folder path, '2023-07')
    label: str  # what a person reads ('Portugal', 'July 2023')
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "count": self.count}


@dataclass(frozen=True, slots=True)
class Facet:
    name: str  # year, month, camera, lens, country, city, format, folder, subject
    title: str
    values: list[FacetValue]
    selected: str | None = None
    more: bool = False  # only the TOP_VALUES largest are listed
    note: str | None = None  # why the facet is empty, when that needs saying

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "selected": self.selected,
            "more": self.more,
            "note": self.note,
            "values": [value.as_dict() for value in self.values],
        }


@dataclass(frozen=True, slots=True)
class Facets:
    facets: list[Facet]
    matching: int
    query: str | None = None
    notes: list[str] = field(default_factory=list)

    def get(self, name: str) -> Facet:
        return next(facet for facet in self.facets if facet.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "matching": self.matching,
            "query": self.query,
            "facets": [facet.as_dict() for facet in self.facets],
        }


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_label(value: str) -> str:
    try:
        return f"{MONTHS[int(value[5:7]) - 1]} {value[:4]}"
    except (ValueError, IndexError):
        return value


def day_label(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%a %-d %b %Y")
    except ValueError:
        return value


# name -> (title, the filter fields it ignores while counting)
FACETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "year": ("Year", ("year", "month", "day")),
    "month": ("Month", ("month", "day")),
    "day": ("Day", ("day",)),  # listed once a month is chosen
    "camera": ("Camera", ("camera",)),
    "lens": ("Lens", ("lens",)),
    "country": ("Country", ("country", "city")),
    "city": ("City", ("city",)),
    "format": ("Format", ("formats",)),
    "folder": ("Folder", ("folder",)),
    "subject": ("Subject", ("subject",)),
}


def facets(
    catalog: Catalog,
    flt: Filter | None = None,
    query: str | None = None,
    *,
    subject_note: Callable[[], str] | None = None,
    names: tuple[str, ...] | None = None,
) -> Facets:
    """Counts per value of each facet (or of `names`), under flt and the metadata query."""
    flt = flt or Filter()
    extra, extra_params = "", []
    if query and query.strip():
        parsed = parse_query(query)
        if not parsed.empty:
            ensure_fresh(catalog)
            sql, extra_params = matching_ids_sql(parsed)
            extra = f" AND i.content_id IN ({sql})"
    where, params = flt.where()
    matching = catalog.conn.execute(
        f"SELECT COUNT(*) FROM images i WHERE {where}{extra}", [*params, *extra_params]
    ).fetchone()[0]
    out = []
    for name in names or tuple(FACETS):
        title, ignored = FACETS[name]
        if name == "day" and flt.month is None:
            out.append(Facet(name, title, [], None, False, "Choose a month to list its days."))
            continue
        loose = flt.model_copy(update={field_name: _unset(field_name) for field_name in ignored})
        loose_where, loose_params = loose.where()
        values, more = _count(
            catalog, name, f"{loose_where}{extra}", [*loose_params, *extra_params]
        )
        note = None
        if name == "subject" and not values:
            # Asked only now: saying why can cost a count over every embedding.
            note = subject_note() if subject_note else "No image has a confident subject tag yet."
        out.append(Facet(name, title, values, _selected(flt, name), more, note))
    return Facets(out, matching, query)


def _unset(field_name: str) -> Any:
    return () if field_name == "formats" else None


def _selected(flt: Filter, name: str) -> str | None:
    if name == "format":
        return ",".join(flt.formats) or None
    if name == "year":
        return str(flt.year) if flt.year is not None else None
    value = getattr(flt, name, None)
    return None if value is None else str(value)


def _count(
    catalog: Catalog, name: str, where: str, params: list[Any]
) -> tuple[list[FacetValue], bool]:
    conn = catalog.conn
    limit = TOP_VALUES + 1
    if name in ("year", "month", "day"):
        width = {"year": 4, "month": 7, "day": 10}[name]
        rows = conn.execute(
            f"SELECT substr(i.day, 1, {width}) AS v, COUNT(*) FROM images i "
            f"WHERE {where} AND i.day IS NOT NULL GROUP BY v ORDER BY v DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        label = {"month": month_label, "day": day_label}.get(name, str)
        values = [FacetValue(v, label(v), n) for v, n in rows]
    elif name in ("camera", "lens", "format"):
        column = {"camera": "i.camera", "lens": "i.lens", "format": "i.format"}[name]
        rows = conn.execute(
            f"SELECT {column} AS v, COUNT(*) AS n FROM images i WHERE {where} "
            f"AND {column} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
            [*params, limit],
        ).fetchall()
        values = [FacetValue(v, v, n) for v, n in rows]
    elif name == "country":
        rows = conn.execute(
            "SELECT i.place_cc AS v, MAX(i.place_country), COUNT(*) AS n FROM images i "
            f"WHERE {where} AND i.place_cc IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
            [*params, limit],
        ).fetchall()
        values = [FacetValue(v, country or v, n) for v, country, n in rows]
    elif name == "city":
        rows = conn.execute(
            "SELECT i.place_cc, i.place_city AS v, MAX(i.place_country), COUNT(*) AS n "
            f"FROM images i WHERE {where} AND i.place_city IS NOT NULL "
            "GROUP BY i.place_cc, v ORDER BY n DESC, v LIMIT ?",
            [*params, limit],
        ).fetchall()
        values = [
            FacetValue(f"{cc}/{city}", f"{city}, {country or cc}", n)
            for cc, city, country, n in rows
        ]
    elif name == "folder":
        rows = conn.execute(
            f"SELECT {FOLDER_OF} AS v, COUNT(DISTINCT f.content_id) AS n FROM files f "
            f"JOIN images i ON i.content_id = f.content_id WHERE f.status = 'present' "
            f"AND {where} GROUP BY v ORDER BY n DESC, v LIMIT ?",
            [*params, limit],
        ).fetchall()
        values = [FacetValue(v, v, n) for v, n in rows]
    elif name == "subject":
        rows = conn.execute(
            "SELECT s.tag AS v, COUNT(*) AS n FROM subjects s JOIN images i "
            f"ON i.content_id = s.content_id WHERE {where} GROUP BY v ORDER BY n DESC, v LIMIT ?",
            [*params, limit],
        ).fetchall()
        values = [FacetValue(v, v, n) for v, n in rows]
    else:
        raise ValueError(name)
    return values[:TOP_VALUES], len(values) > TOP_VALUES
