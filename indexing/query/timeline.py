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
from datetime import date, datetime
from typing import Any, Literal

from indexing.errors import PictorError
from indexing.query.facets import month_label
from indexing.query.filters import Filter
from indexing.store.catalog import Catalog

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

    @property
    def first_day(self) -> date:
        return datetime.fromtimestamp(self.start).date()

    @property
    def last_day(self) -> date:
        return datetime.fromtimestamp(self.end).date()

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
    where, params = flt.where()
    width = 10 if by == "day" else 7
    per_page = GROUPS_PER_PAGE[by]  # type: ignore[index]
    key = "i.day" if by == "day" else "substr(i.day, 1, 7)"
    conn = catalog.conn
    rows = conn.execute(
        f"SELECT {key} AS g, COUNT(*) FROM images i WHERE {where} AND i.day IS NOT NULL "
        "GROUP BY g ORDER BY g DESC LIMIT ? OFFSET ?",
        [*params, per_page, (page - 1) * per_page],
    ).fetchall()
    groups_total, images = conn.execute(
        f"SELECT COUNT(DISTINCT {key}), COUNT(*) FROM images i WHERE {where} AND i.day IS NOT NULL",
        params,
    ).fetchone()
    groups = []
    for group_key, count in rows:
        low, high = group_key + ("" if width == 10 else "-"), group_key + "~"
        exif_dated = conn.execute(
            f"SELECT COUNT(*) FROM images i WHERE {where} AND i.day >= ? AND i.day < ? "
            "AND i.taken_at IS NOT NULL",
            [*params, low, high],
        ).fetchone()[0]
        thumbs = [
            Thumb(cid, path or "")
            for cid, path in conn.execute(
                f"SELECT i.content_id, (SELECT MIN(f.path) FROM files f WHERE f.content_id = "
                f"i.content_id AND f.status = 'present') FROM images i WHERE {where} "
                "AND i.day >= ? AND i.day < ? ORDER BY i.date_key DESC, i.content_id LIMIT ?",
                [*params, low, high, THUMBS_PER_GROUP],
            )
        ]
        label = group_key if width == 10 else month_label(group_key)
        if width == 10:
            label = _day_label(group_key)
        groups.append(Group(group_key, label, count, exif_dated, thumbs))
    events = _events(catalog, where, params, rows[-1][0], rows[0][0], width) if rows else []
    return Timeline(by, groups, events, page, groups_total, images)  # type: ignore[arg-type]


def _day_label(key: str) -> str:
    try:
        return date.fromisoformat(key).strftime("%A %-d %B %Y")
    except ValueError:
        return key


def _events(
    catalog: Catalog, where: str, params: list[Any], oldest: str, newest: str, width: int
) -> list[Event]:
    low = oldest + ("" if width == 10 else "-")
    rows = catalog.conn.execute(
        f"SELECT i.date_key, i.place_city, i.place_country FROM images i WHERE {where} "
        "AND i.taken_at IS NOT NULL AND i.day >= ? AND i.day < ? "
        "ORDER BY i.date_key DESC LIMIT ?",
        [*params, low, newest + "~", MAX_EVENT_ROWS],
    ).fetchall()
    rows.reverse()
    return find_events([(row[0], _place(row[1], row[2])) for row in rows])


def _place(city: str | None, country: str | None) -> str | None:
    if not city:
        return None
    return f"{city}, {country}" if country else city


def find_events(photos: list[tuple[float, str | None]]) -> list[Event]:
    """Events in (epoch, place) pairs sorted by time; newest event first."""
    events: list[Event] = []
    run: list[tuple[float, str | None]] = []
    last_place: str | None = None

    def close() -> None:
        if len(run) >= EVENT_MIN_PHOTOS:
            places = Counter(place for _, place in run if place)
            place = places.most_common(1)[0][0] if places else None
            events.append(Event(run[0][0], run[-1][0], len(run), place))

    for moment, place in photos:
        gap = moment - run[-1][0] if run else 0.0
        moved = place is not None and last_place is not None and place != last_place
        if run and (gap > EVENT_GAP_HOURS * 3600 or moved):
            close()
            run = []
            last_place = None
        run.append((moment, place))
        if place is not None:
            last_place = place
    close()
    events.reverse()
    return events
