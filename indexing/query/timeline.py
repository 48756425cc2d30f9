"""The timeline: the library by day or by month, newest first, and the events in it.

A group is a day or a month of `images.day`: the date on the photo's own clock from EXIF,
else the local date of the file's mtime. Each group says how many of its images have which
date source, so "12 files dated by their file time" is visible rather than passed off as
when they were taken.

Events. Photos whose EXIF dates follow each other with gaps of at most EVENT_GAP_HOURS, and
that are not in two different places (consecutive geotagged photos in different cities
start a new event), form a run; a run of at least EVENT_MIN_PHOTOS is an event, with its
date range and its most frequent place. Only EXIF-dated photos count: file times say when a
file was copied, and a folder copied in one go would look like one huge event. Events are
found for the date range of the page shown, so one that crosses a page edge is cut there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np

from indexing.errors import PictorError
from indexing.query.facet_codes import NONE, code_counts
from indexing.query.facet_index import FacetIndex, base_mask, facet_index
from indexing.query.facets import month_label
from indexing.query.filters import Filter
from indexing.store.catalog import Catalog
from indexing.store.files import first_present_paths

EVENT_GAP_HOURS = 3.0
EVENT_MIN_PHOTOS = 5
THUMBS_PER_GROUP = 8
GROUPS_PER_PAGE = {"day": 30, "month": 12}
MAX_EVENT_ROWS = 200_000  # a page of months in a huge library: events from the newest rows

By = Literal["day", "month"]


@dataclass(frozen=True, slots=True)
class Thumb:
    content_id: str
    path: str

    def as_dict(self) -> dict[str, str]:
        return {"content_id": self.content_id, "path": self.path}


@dataclass(frozen=True, slots=True)
class Group:
    key: str  # '2023-07-14' or '2023-07'
    label: str
    count: int
    exif_dated: int  # of count, dated by EXIF; the rest by the file's mtime
    thumbs: list[Thumb]

    @property
    def source_line(self) -> str:
        if self.exif_dated == self.count:
            return "dates from EXIF"
        if self.exif_dated == 0:
            return "dates from file times"
        return f"{self.exif_dated:,} from EXIF, {self.count - self.exif_dated:,} from file times"

    def filter_values(self) -> dict[str, str]:
        """The Filter fields that show this group."""
        return {"day": self.key} if len(self.key) == 10 else {"month": self.key}

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "exif_dated": self.exif_dated,
            "file_dated": self.count - self.exif_dated,
            "filter": self.filter_values(),
            "thumbs": [thumb.as_dict() for thumb in self.thumbs],
        }


@dataclass(frozen=True, slots=True)
class Event:
    start: float  # epoch of the first photo
    end: float
    count: int
    place: str | None  # "Lisbon, Portugal"
    first_day: date  # on the photos' own clock (images.day), as the day groups are
    last_day: date

    @property
    def label(self) -> str:
        first, last = self.first_day, self.last_day
        span = first.isoformat() if first == last else f"{first} – {last}"
        where = f" in {self.place}" if self.place else ""
        return f"{span}{where}: {self.count:,} photos"

    def filter_values(self) -> dict[str, str]:
        return {"taken_from": self.first_day.isoformat(), "taken_to": self.last_day.isoformat()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "start": self.start,
            "end": self.end,
            "count": self.count,
            "place": self.place,
            "label": self.label,
            "filter": self.filter_values(),
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    by: By
    groups: list[Group]
    events: list[Event]
    page: int
    groups_total: int
    images: int
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.groups_total // GROUPS_PER_PAGE[self.by]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "page": self.page,
            "pages": self.pages,
            "groups_total": self.groups_total,
            "images": self.images,
            "event_rule": (
                f"EXIF-dated photos at most {EVENT_GAP_HOURS:g} h apart, in one place, "
                f"at least {EVENT_MIN_PHOTOS}"
            ),
            "groups": [group.as_dict() for group in self.groups],
            "events": [event.as_dict() for event in self.events],
        }


def timeline(
    catalog: Catalog, flt: Filter | None = None, by: str = "month", page: int = 1
) -> Timeline:
    if by not in GROUPS_PER_PAGE:
        raise PictorError(f"unknown timeline grouping {by!r}; use day or month")
    if page < 1:
        raise PictorError("the page must be 1 or more")
    flt = flt or Filter()
    if flt.needs_clip:
        raise PictorError("the timeline does not take text-category filters")
    index = facet_index(catalog)
    mask = base_mask(index, catalog, flt, "", []) & index.selection_mask(flt)
    mask &= index.day >= 0
    per_day = code_counts(index.day, mask, len(index.days))
    exif_per_day = code_counts(index.day, mask & index.exif, len(index.days))
    if by == "day":
        keys, counts, exif, day_group = index.days, per_day, exif_per_day, None
    else:
        keys, day_group = index.months, index.day_month
        counts = np.bincount(day_group, weights=per_day, minlength=len(keys)).astype(np.int64)
        exif = np.bincount(day_group, weights=exif_per_day, minlength=len(keys)).astype(np.int64)
    present = np.flatnonzero(counts)[::-1]  # newest first
    per_page = GROUPS_PER_PAGE[by]  # type: ignore[index]
    shown = present[(page - 1) * per_page : page * per_page]
    groups: list[Group] = []
    events: list[Event] = []
    if len(shown):
        # Rows of the page: days from its oldest group's first day to its newest's last.
        if day_group is None:
            first_day, last_day = int(shown[-1]), int(shown[0])
        else:
            in_page = np.flatnonzero((day_group >= shown[-1]) & (day_group <= shown[0]))
            first_day, last_day = int(in_page[0]), int(in_page[-1])
        rows = np.flatnonzero(mask & (index.day >= first_day) & (index.day <= last_day))
        group_of = index.day[rows] if day_group is None else day_group[index.day[rows]]
        order = np.lexsort((-index.date_key[rows], -group_of))  # newest group, newest shot
        rows, group_of = rows[order], group_of[order]
        starts = np.searchsorted(-group_of, -shown)
        ends = np.searchsorted(-group_of, -shown, side="right")
        picked = {
            int(g): rows[a : min(b, a + THUMBS_PER_GROUP)]
            for g, a, b in zip(shown, starts, ends, strict=True)
        }
        chosen = np.concatenate(list(picked.values()))
        ids = dict(zip(chosen.tolist(), index.content_ids(catalog, chosen), strict=True))
        paths = _first_paths(catalog, list(ids.values()))
        for code in shown:
            key = keys[int(code)]
            label = _day_label(key) if by == "day" else month_label(key)
            thumbs = [
                Thumb(ids[row], paths.get(ids[row], "")) for row in picked[int(code)].tolist()
            ]
            groups.append(Group(key, label, int(counts[code]), int(exif[code]), thumbs))
        dated = rows[index.exif[rows]]
        dated = dated[np.argsort(index.date_key[dated], kind="stable")][-MAX_EVENT_ROWS:]
        events = _events(index, dated)
    return Timeline(
        by,  # type: ignore[arg-type]
        groups,
        events,
        page,
        len(present),
        int(counts.sum()),
    )


def _first_paths(catalog: Catalog, ids: list[str]) -> dict[str, str]:
    return first_present_paths(catalog, ids)


def _day_label(key: str) -> str:
    try:
        return date.fromisoformat(key).strftime("%A %-d %B %Y")
    except ValueError:
        return key


def _events(index: FacetIndex, rows: np.ndarray) -> list[Event]:
    """Events among these EXIF-dated rows, sorted by time; newest event first."""
    places = index.city[rows]
    labels = [
        f"{city}, {index.country_names[cc]}" if cc in index.country_names else city
        for cc, city in index.cities
    ]
    return [
        Event(
            float(index.date_key[rows[a]]),
            float(index.date_key[rows[b]]),
            b - a + 1,
            labels[place] if place != NONE else None,
            date.fromisoformat(index.days[int(index.day[rows[a : b + 1]].min())]),
            date.fromisoformat(index.days[int(index.day[rows[a : b + 1]].max())]),
        )
        for a, b, place in event_runs(index.date_key[rows], places)
    ][::-1]


def event_runs(moments: np.ndarray, places: np.ndarray) -> list[tuple[int, int, int]]:
    """(first, last, place) of each event in photos sorted by time (places: codes, NONE).

    A run breaks where the gap to the previous photo is over EVENT_GAP_HOURS, or where a
    geotagged photo is in another place than the last geotagged one of the run; runs of at
    least EVENT_MIN_PHOTOS are events, placed at their most frequent place.
    """
    count = len(moments)
    if count < EVENT_MIN_PHOTOS:
        return []
    at = np.arange(count)
    gap = np.concatenate(([True], np.diff(moments) > EVENT_GAP_HOURS * 3600))
    segment_start = np.maximum.accumulate(np.where(gap, at, 0))
    last_placed = np.maximum.accumulate(np.where(places != NONE, at, -1))
    before = np.concatenate(([-1], last_placed[:-1]))
    known = (before >= segment_start) & (places != NONE)
    moved = known & (places[np.maximum(before, 0)] != places)
    first = np.flatnonzero(gap | moved)
    last = np.concatenate((first[1:] - 1, [count - 1]))
    out = []
    for a, b in zip(first, last, strict=True):
        if b - a + 1 < EVENT_MIN_PHOTOS:
            continue
        placed = places[a : b + 1]
        placed = placed[placed != NONE]
        place = Counter(placed.tolist()).most_common(1)[0][0] if len(placed) else NONE
        out.append((int(a), int(b), int(place)))
    return out
