"""Facets: what the library holds, with counts that follow the other active filters.

Each facet counts the images the filter (and the metadata query, if any) keeps, *without*
that facet's own selection, so a chosen value never hides its alternatives: with year 2023
chosen, the year facet still lists every year, while the camera facet counts 2023 only.
The place and date facets are hierarchies: choosing a country narrows the city facet to
its cities, choosing a year narrows the month facet to its months.

The folder facet is a tree walked down: the roots and their subfolders, then, with a folder
chosen, its parents, itself and its subfolders, each counting every image at or under it,
as choosing it shows. Counts come from indexing.query.facet_index (the facet columns in
memory, a bincount per facet), so a panel at a million images is milliseconds once built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from indexing.errors import PictorError
from indexing.query.facet_codes import NONE, code_counts
from indexing.query.facet_folders import FolderTree
from indexing.query.facet_index import FacetIndex, base_mask, facet_index
from indexing.query.facet_selection import sql_fields
from indexing.query.filters import Filter
from indexing.query.metadata_search import (
    ensure_fresh,
    matching_ids_sql,
    parse_query,
    split_organised,
    split_people,
)
from indexing.query.organised import check_known
from indexing.query.people_facet import person_counts
from indexing.query.tag_counts import rolled_up
from indexing.store import tags as tag_rows
from indexing.store import text_reads
from indexing.store.catalog import Catalog

TOP_VALUES = 50


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
    "tag": ("Tag", ("tag",)),  # the user's tags; each counts the images under it
    "text": ("Text in the image", ("has_text",)),
}
TEXT_VALUES = (("yes", "With text", "text"), ("no", "Without text", "none"))


def facets(
    catalog: Catalog,
    flt: Filter | None = None,
    query: str | None = None,
    *,
    subject_note: Callable[[], str] | None = None,
    names: tuple[str, ...] | None = None,
) -> Facets:
    """Counts per value of each facet (or of `names`), under flt and the metadata query."""
    query_words, people = split_people(query or "")
    if people:  # person:NAME in the query is the --person filter
        flt = (flt or Filter()).model_copy(
            update={"people": (*(flt.people if flt else ()), *people)}
        )
    if query_words.strip():  # album: and tag: in the query are filters too
        query_words, flt = split_organised(query_words, flt)
    flt = flt or Filter()
    check_known(catalog, flt)
    extra = ""
    extra_params: list[Any] = []
    if query_words.strip():
        parsed = parse_query(query_words)
        if parsed.empty:  # as find says: a lone '*' or 'AND' is not a query
            raise PictorError("type a word to look for in names, prompts, cameras or places")
        ensure_fresh(catalog)
        sql, extra_params = matching_ids_sql(parsed)
        extra = f" AND i.content_id IN ({sql})"
    index = facet_index(catalog)
    base = base_mask(index, catalog, flt, extra, extra_params)
    matching = int((base & index.selection_mask(flt)).sum())
    out = []
    for name in [n for n in names or tuple(FACETS) if n in FACETS]:
        title, ignored = FACETS[name]
        if name == "day" and flt.month is None:
            out.append(Facet(name, title, [], None, False, "Choose a month to list its days."))
            continue
        if name == "tag":
            values = _tag_values(catalog, index, flt, extra, extra_params)
            out.append(Facet(name, title, values[:TOP_VALUES], flt.tag, len(values) > TOP_VALUES))
            continue
        mask = base & index.selection_mask(flt, ignored)
        if name == "text":
            values = _text_values(index, catalog, flt, extra, extra_params, mask)
            out.append(Facet(name, title, values, _selected(flt, name)))
            continue
        values = _values(index, name, mask, flt)
        more = len(values) > TOP_VALUES
        note = (
            _subject_note(index, mask, subject_note) if name == "subject" and not values else None
        )
        out.append(Facet(name, title, values[:TOP_VALUES], _selected(flt, name), more, note))
    if names is None or "people" in names:
        out.append(_people_facet(catalog, index, base & index.selection_mask(flt), flt))
    return Facets(out, matching, query)


def _tag_values(
    catalog: Catalog, index: FacetIndex, flt: Filter, extra: str, params: list
) -> list[FacetValue]:
    """The user's tags under every other filter, each counting the images at or under it,
    largest first (a parent holds at least what each child does)."""
    flt = flt.model_copy(update={"tag": None})  # its own selection hides no other tag
    rest = sql_fields(flt)
    condition = None
    if not rest.is_empty or extra:
        where, where_params = rest.where()
        condition = (f"{where}{extra}", [*where_params, *params])
    mask = index.everything() & index.selection_mask(flt)
    paths, tag_ids, rowids = tag_rows.tag_pairs(catalog, condition)
    chosen = np.flatnonzero(_in_mask(index, rowids, mask))
    counts = rolled_up(paths, [tag_ids[i] for i in chosen], [rowids[i] for i in chosen])
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0].lower()))
    return [FacetValue(path, path, count) for path, count in ordered if count]


def _in_mask(index: FacetIndex, rowids: Sequence[int] | np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each images rowid, whether its image is in mask (one the index lacks: no)."""
    rows = index.rows_of_rowids(np.asarray(rowids, dtype=np.int64), keep_missing=True)
    kept = np.zeros(len(rows), dtype=bool)
    known = rows >= 0
    kept[known] = mask[rows[known]]
    return kept


def _people_facet(catalog: Catalog, index: FacetIndex, mask: np.ndarray, flt: Filter) -> Facet:
    """Named people with the number of matching photos showing each. Unlike the other
    facets it counts under its own choice: --person is "all of them in the photo", so with
    Ana chosen it lists who is in Ana's photos, and how often (choosing one more narrows)."""
    counts = person_counts(catalog, index, mask)
    values = [FacetValue(n, n, c) for n, c in sorted(counts.items(), key=lambda t: (-t[1], t[0]))]
    note = None if values else "No named person in these photos (name people in Library → People)."
    selected = ", ".join(flt.people) or None
    return Facet("people", "People", values[:TOP_VALUES], selected, len(values) > TOP_VALUES, note)


def _subject_note(
    index: FacetIndex, mask: np.ndarray, subject_note: Callable[[], str] | None
) -> str:
    """Why the subject facet lists nothing: nothing matched, none of the matches has a tag,
    or (only then) the library has no tags at all, and why not."""
    if index.live.any() and not mask.any():
        return "Nothing matched, so there are no subjects to count."
    if index.mask_of_rows(index.tag_row).any():
        return "None of the images that matched has a subject tag."
    # Asked only now: saying why can cost a count over every embedding.
    return subject_note() if subject_note else "No image has a confident subject tag yet."


def _text_values(
    index: FacetIndex, catalog: Catalog, flt: Filter, extra: str, params: list, mask: np.ndarray
) -> list[FacetValue]:
    """With text, without text (read and none found): counted as if has_text were not
    chosen, so choosing one never hides the other. Images not read yet count in neither."""
    if flt.has_text is not None:  # has_text is decided in SQL: count without it
        mask = base_mask(index, catalog, flt.model_copy(update={"has_text": None}), extra, params)
        mask &= index.selection_mask(flt)
    out = []
    for value, label, state in TEXT_VALUES:
        rows = index.rows_of_rowids(text_reads.rowids_in_state(catalog, state))
        count = int((mask & index.mask_of_rows(rows)).sum())
        if count:
            out.append(FacetValue(value, label, count))
    return out


def _selected(flt: Filter, name: str) -> str | None:
    if name == "text":
        return None if flt.has_text is None else ("yes" if flt.has_text else "no")
    if name == "format":
        return ",".join(flt.formats) or None
    if name == "year":
        return str(flt.year) if flt.year is not None else None
    value = getattr(flt, name, None)
    return None if value is None else str(value)


def _largest(counts: np.ndarray, labels: list[str], values: list[str] | None = None):
    """(value, label, count) of the non-zero counts, largest first, then by value."""
    values = values or labels
    found = np.flatnonzero(counts)
    return sorted(
        ((values[i], labels[i], int(counts[i])) for i in found), key=lambda t: (-t[2], t[0])
    )


def _values(index: FacetIndex, name: str, mask: np.ndarray, flt: Filter) -> list[FacetValue]:
    if name in ("year", "month", "day"):
        per_day = code_counts(index.day, mask, len(index.days))
        if name == "day":
            keys, counts = index.days, per_day
        else:
            codes = index.day_year if name == "year" else index.day_month
            keys = index.years if name == "year" else index.months
            counts = np.bincount(codes, weights=per_day, minlength=len(keys)).astype(np.int64)
        label = {"month": month_label, "day": day_label}.get(name, str)
        return [
            FacetValue(keys[i], label(keys[i]), int(counts[i]))
            for i in reversed(np.flatnonzero(counts))
        ]
    if name in ("camera", "lens", "format", "subject"):
        codes, labels = {
            "camera": (index.camera, index.cameras),
            "lens": (index.lens, index.lenses),
            "format": (index.format, index.formats),
            "subject": (index.tag, index.tags.values),
        }[name]
        if name == "subject":
            counts = np.bincount(index.tag[mask[index.tag_row]], minlength=len(labels))
        else:
            counts = code_counts(codes, mask, len(labels))
        return [FacetValue(v, v, n) for v, _, n in _largest(counts, labels)]
    if name == "country":
        counts = code_counts(index.country, mask, len(index.country_codes))
        return [
            FacetValue(cc, index.country_names.get(cc, cc), n)
            for cc, _, n in _largest(counts, index.country_codes)
        ]
    if name == "city":
        counts = code_counts(index.city, mask, len(index.cities))
        values = [f"{cc}/{city}" for cc, city in index.cities]
        labels = [f"{city}, {index.country_names.get(cc, cc)}" for cc, city in index.cities]
        return [FacetValue(v, label, n) for v, label, n in _largest(counts, labels, values)]
    if name == "folder":
        return _folder_values(index, mask, flt.folder)
    raise ValueError(name)


def _folder_values(index: FacetIndex, mask: np.ndarray, chosen: str | None) -> list[FacetValue]:
    """A folder tree, walked down, each folder counting every image at or under it: with a
    folder chosen, its parents, itself and its subfolders; with none, the library roots (and
    the subfolders of the root, when there is one)."""
    tree = index.tree
    counts = index.folder_counts(mask)
    parents = tree.parents
    if chosen is None:
        tops = [int(c) for c in np.flatnonzero(parents == NONE) if counts[c]]
        out = [_folder(tree, c, counts) for c in _largest_first(tree, tops, counts)]
        if len(tops) == 1:
            out += _children(tree, tops[0], counts)
        return out
    code = tree.codes.get(chosen, NONE)
    if code == NONE:  # above the roots, or holding nothing: its count, then the roots in it
        total = int((index.folder_mask(chosen) & mask).sum())
        tops = [int(c) for c in np.flatnonzero(tree.under(chosen) & (parents == NONE))]
        tops = [c for c in _largest_first(tree, tops, counts) if counts[c]]
        return [FacetValue(chosen, chosen, total)] + [_folder(tree, c, counts) for c in tops]
    chain = tree.chain(code)[::-1]  # the root first, down to the chosen folder
    return [_folder(tree, c, counts) for c in chain] + _children(tree, code, counts)


def _largest_first(tree: FolderTree, codes: list[int], counts: np.ndarray) -> list[int]:
    return sorted(codes, key=lambda c: (-int(counts[c]), tree.paths[c]))


def _children(tree: FolderTree, code: int, counts: np.ndarray) -> list[FacetValue]:
    children = [int(c) for c in np.flatnonzero((tree.parents == code) & (counts > 0))]
    return [_folder(tree, c, counts) for c in _largest_first(tree, children, counts)]


def _folder(tree: FolderTree, code: int, counts: np.ndarray) -> FacetValue:
    path = tree.paths[code]
    return FacetValue(path, path, int(counts[code]))
