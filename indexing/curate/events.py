"""Event albums, proposed: "Lisbon, 12–15 July 2023, 184 photos", from capture dates and GPS.

How the photos split (only photos with a date taken; a file's time says nothing of an event):

1. Home. The place (city, from the GPS through indexing.names.places at index time) on the
   most days is home; a photo within HOME_RADIUS_KM of home's median position is at home,
   one with GPS elsewhere is away, one without GPS takes the state of its neighbour in time
   when that one is within NEIGHBOUR_S, else counts as home.
2. Trips. A run of away photos, in time order, is a trip until the next photo at home (the
   days at home between two trips are no event) or a gap longer than
   max(TRIP_GAP_S, TRIP_GAP_FACTOR × the run's median gap): a day or two without photos
   inside a trip does not end it, and a sparse trip tolerates longer gaps than a busy one.
3. Home events. Everyday photos at home are not proposed; a burst is (a party, a
   birthday): photos at home with gaps of at most HOME_GAP_S, spanning at most HOME_SPAN_S,
   and at least HOME_BURST_FACTOR times as many as a usual day at home (the median count of
   the days with photos at home): what is dense depends on how much this user shoots.
4. Either needs MIN_PHOTOS photos. The place is the commonest city of the photos (two when
   the second is common too, the country when the trip spreads wider); none without GPS.
5. People (named, not hidden: indexing.store.event_rows.named_faces, one grouped query).
   A proposal names the PEOPLE_MAX people in most of its photos, each in at least
   PEOPLE_SHARE of them (and 2); an event at home is titled by them ("Ana and Rui, 3 May
   2024"). A gathering: a day at home that is no burst becomes a proposal when MIN_PHOTOS
   of its photos at home show named guests, people who are not of the household (named
   on HOUSEHOLD_SHARE or more of the days with photos at home, and on HOUSEHOLD_DAYS
   days or more): from the first photo with a guest to the last.

A proposal's id is a hash of its members. What the user does with one (accept: a normal
album with the members copied; dismiss) is stored with those members (indexing.store.
event_rows), and a later proposal that overlaps a decided one by OVERLAP or more (the same
trip with a few new photos) is that one: a dismissed proposal does not come back. A
gathering is also the decided one when either lies mostly (OVERLAP) inside the other: one
more face of a guest that day widens its span, one fewer narrows it, the day is the same.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from indexing.curate.albums import Albums
from indexing.errors import PictorError
from indexing.names.tag_paths import MAX_NAME
from indexing.names.wording import plural
from indexing.store import event_rows
from indexing.store.albums import AlbumRow
from indexing.store.catalog import Catalog
from indexing.store.event_rows import DatedRows, Decision, NamedFaces

MIN_PHOTOS = 15
HOME_RADIUS_KM = 40.0
NEIGHBOUR_S = 6 * 3600.0
TRIP_GAP_S = 2 * 86400.0
TRIP_GAP_FACTOR = 20.0
HOME_GAP_S = 3 * 3600.0
HOME_SPAN_S = 36 * 3600.0
HOME_BURST_FACTOR = 2.5
OVERLAP = 0.8
PEOPLE_MAX = 3
PEOPLE_SHARE = 0.1
HOUSEHOLD_SHARE = 0.25
HOUSEHOLD_DAYS = 5
EARTH_RADIUS_KM = 6371.0
SLASH = "\u2215"  # '∕', division slash: a '/' in a title would put the album in a folder
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    place: str | None
    first_day: str  # 'YYYY-MM-DD', the photo's own calendar
    last_day: str
    content_ids: tuple[str, ...]  # oldest first
    kind: str  # 'trip', 'home' (a burst) or 'gathering' (named guests at home)
    status: str = "new"  # or 'accepted', 'dismissed'
    people: tuple[str, ...] = ()  # the named people in most of its photos, most first

    @property
    def dates(self) -> str:
        return date_range(self.first_day, self.last_day)

    @property
    def title(self) -> str:
        """'Lisbon, 12–15 July 2023', 'Ana and Rui, 3 May 2024' (at home, by its people):
        the album's name when accepted."""
        dates = self.dates
        if self.people and self.kind != "trip":
            return f"{_fitted(names_line(self.people), dates)}, {dates}"
        return f"{_fitted(self.place, dates)}, {dates}" if self.place else dates

    @property
    def label(self) -> str:
        """'Lisbon, 12–15 July 2023, 184 photos, with Ana and Rui'."""
        text = f"{self.title}, {plural(len(self.content_ids), 'photo')}"
        return text + (f", with {names_line(self.people)}" if self.with_people else "")

    @property
    def with_people(self) -> bool:
        """Whether the label adds 'with …' (the title of an event at home names them)."""
        return bool(self.people) and self.kind == "trip"

    @property
    def cover(self) -> str:
        return self.content_ids[len(self.content_ids) // 2]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "label": self.label,
            "place": self.place,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "count": len(self.content_ids),
            "kind": self.kind,
            "status": self.status,
            "cover": self.cover,
            "people": list(self.people),
        }


def _fitted(text: str, dates: str) -> str:
    """The people or place part of a title, fit to be an album's name: a '/' in it (a name
    like 'AC/DC Fan') made '∕', which separates no folders, and the part cut (with '…') so
    that 'part, dates' keeps within the album-name limit (MAX_NAME)."""
    text = " ".join(text.replace("/", SLASH).split())
    room = MAX_NAME - len(f", {dates}")
    return text if len(text) <= room else text[: room - 1].rstrip(" ,") + "…"


def names_line(names: tuple[str, ...] | list[str]) -> str:
    """'Ana', 'Ana and Rui', 'Ana, Rui and Eva'."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def date_range(first: str, last: str) -> str:
    """'12–15 July 2023', '30 June – 3 July 2023', '30 December 2023 – 2 January 2024'."""
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    if a == b:
        return f"{a.day} {MONTHS[a.month - 1]} {a.year}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {MONTHS[a.month - 1]} {a.year}"
    if a.year == b.year:
        return f"{a.day} {MONTHS[a.month - 1]} – {b.day} {MONTHS[b.month - 1]} {a.year}"
    return f"{a.day} {MONTHS[a.month - 1]} {a.year} – {b.day} {MONTHS[b.month - 1]} {b.year}"


def _distance_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(lat0)
    dlat, dlon = p1 - p2, np.radians(lon - lon0)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _away(rows: DatedRows, times: np.ndarray) -> np.ndarray:
    """1 for a photo away from home, 0 at home (or no GPS anywhere near a known state)."""
    n = len(rows.content_ids)
    lat = np.array([np.nan if v is None else v for v in rows.lats], dtype=np.float64)
    lon = np.array([np.nan if v is None else v for v in rows.lons], dtype=np.float64)
    known = ~np.isnan(lat) & ~np.isnan(lon)
    if not known.any():
        return np.zeros(n, dtype=np.int8)
    days_at = Counter(
        {(city, day) for city, day in zip(rows.cities, rows.days, strict=True) if city}
    )
    home_city = Counter(city for city, _ in days_at).most_common(1)
    at_home = known.copy()
    if home_city:
        at_home &= np.array([c == home_city[0][0] for c in rows.cities])
    lat0, lon0 = float(np.median(lat[at_home])), float(np.median(lon[at_home]))
    state = np.full(n, -1, dtype=np.int8)
    far = _distance_km(lat[known], lon[known], lat0, lon0) > HOME_RADIUS_KM
    state[known] = far.astype(np.int8)
    return _fill_unknown(state, times)


def _fill_unknown(state: np.ndarray, times: np.ndarray) -> np.ndarray:
    """A photo without GPS takes its nearest known neighbour's state within NEIGHBOUR_S."""
    n = len(state)
    index = np.arange(n)
    known = state >= 0
    before = np.maximum.accumulate(np.where(known, index, -1))
    after = np.minimum.accumulate(np.where(known, index, n)[::-1])[::-1]
    out = np.zeros(n, dtype=np.int8)
    out[known] = state[known]
    unknown = ~known
    gap_before = np.where(before >= 0, times - times[np.clip(before, 0, n - 1)], np.inf)
    gap_after = np.where(after < n, times[np.clip(after, 0, n - 1)] - times, np.inf)
    use_before = unknown & (gap_before <= gap_after) & (gap_before <= NEIGHBOUR_S)
    use_after = unknown & ~use_before & (gap_after <= NEIGHBOUR_S)
    out[use_before] = state[before[use_before]]
    out[use_after] = state[after[use_after]]
    return out


def _usual_day(days: list[str], away: np.ndarray) -> float:
    """The median number of photos on a day with photos at home."""
    per_day = Counter(day for day, out in zip(days, away.tolist(), strict=True) if not out)
    return float(np.median(np.fromiter(per_day.values(), dtype=np.float64))) if per_day else 0.0


def _runs(times: np.ndarray, away: np.ndarray, usual: float) -> list[tuple[int, int, str]]:
    """(first, end, kind) of each event: trips, and bursts at home."""
    n = len(times)
    home_least = max(MIN_PHOTOS, HOME_BURST_FACTOR * usual)
    gaps = np.diff(times)
    change = away[1:] != away[:-1]
    home_break = (away[1:] == 0) & (gaps > HOME_GAP_S)
    cuts = np.flatnonzero(change | home_break | ((away[1:] == 1) & (gaps > TRIP_GAP_S))) + 1
    out = []
    for first, end in zip(np.r_[0, cuts], np.r_[cuts, n], strict=True):
        if end - first < MIN_PHOTOS:
            continue
        if away[first]:
            out += _split_trip(times, int(first), int(end))
        elif end - first >= home_least and times[end - 1] - times[first] <= HOME_SPAN_S:
            out.append((int(first), int(end), "home"))
    return out


def _split_trip(times: np.ndarray, first: int, end: int) -> list[tuple[int, int, str]]:
    """A trip cut again where a gap is TRIP_GAP_FACTOR times its median (adaptive)."""
    gaps = np.diff(times[first:end])
    limit = max(TRIP_GAP_S, TRIP_GAP_FACTOR * float(np.median(gaps))) if len(gaps) else 0.0
    cuts = np.flatnonzero(gaps > limit) + 1 + first
    bounds = zip(np.r_[first, cuts], np.r_[cuts, end], strict=True)
    return [(int(a), int(b), "trip") for a, b in bounds if b - a >= MIN_PHOTOS]


def _place(rows: DatedRows, first: int, end: int) -> str | None:
    cities = Counter(c for c in rows.cities[first:end] if c)
    total = sum(cities.values())
    if not total:
        return None
    ranked = cities.most_common(2)
    if ranked[0][1] >= 0.6 * total:
        return ranked[0][0]
    if len(ranked) > 1 and ranked[0][1] + ranked[1][1] >= 0.6 * total:
        return f"{ranked[0][0]} and {ranked[1][0]}"
    countries = Counter(c for c in rows.countries[first:end] if c)
    return countries.most_common(1)[0][0] if countries else ranked[0][0]


def _proposal_id(content_ids: tuple[str, ...]) -> str:
    return hashlib.blake2b("\n".join(sorted(content_ids)).encode(), digest_size=5).hexdigest()


def propose(rows: DatedRows, faces: NamedFaces | None = None) -> list[Proposal]:
    """Every event in these dated photos, oldest first, before the user's decisions;
    faces: who is in them (event_rows.named_faces)."""
    if not rows.content_ids:
        return []
    times = np.asarray(rows.times, dtype=np.float64)
    away = _away(rows, times)
    home = away == 0
    seen = _seen(rows, faces)
    day_code = _day_codes(rows.days)
    household = _household(day_code, home, seen)
    runs = _runs(times, away, _usual_day(rows.days, away))
    runs += _gatherings(day_code, home, seen, household, runs)
    nobody = np.zeros(len(seen.names), dtype=bool)
    out = []
    for first, end, kind in sorted(runs):
        members = tuple(rows.content_ids[first:end])
        if kind == "gathering":  # its photos at home
            members = tuple(np.asarray(members, dtype=object)[home[first:end]])
        place = _place(rows, first, end)
        days = rows.days[first:end]
        at_home = household if kind != "trip" else nobody  # at home: who came
        named = _most_seen(seen, first, end, len(members), at_home)
        out.append(
            Proposal(
                _proposal_id(members), place, min(days), max(days), members, kind, people=named
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Seen:
    """Who is in which photo: one entry per photo (row index, sorted) and named person."""

    rows: np.ndarray
    people: np.ndarray  # the person's code: an index into names
    names: list[str]


def _seen(rows: DatedRows, faces: NamedFaces | None) -> _Seen:
    if faces is None or not faces.images or not rows.rowids:
        return _Seen(np.zeros(0, np.int64), np.zeros(0, np.int64), [])
    rowids = np.asarray(rows.rowids, dtype=np.int64)
    order = np.argsort(rowids)
    images = np.asarray(faces.images, dtype=np.int64)
    at = np.clip(np.searchsorted(rowids, images, sorter=order), 0, len(order) - 1)
    dated = rowids[order[at]] == images  # a face in an undated image is in no event
    photo = order[at[dated]]
    ids, people = np.unique(np.asarray(faces.people, dtype=np.int64)[dated], return_inverse=True)
    pairs = np.unique(photo * len(ids) + people.reshape(-1))  # once per photo, by photo
    names = [faces.names[int(i)] for i in ids]
    return _Seen(pairs // len(ids), pairs % len(ids), names)


def _day_codes(days: list[str]) -> np.ndarray:
    codes: dict[str, int] = {}
    return np.fromiter((codes.setdefault(d, len(codes)) for d in days), np.int64, len(days))


def _most_seen(seen: _Seen, first: int, end: int, size: int,
               leave_out: np.ndarray) -> tuple[str, ...]:  # fmt: skip
    """The PEOPLE_MAX named people in most of rows [first, end), each in PEOPLE_SHARE of
    its `size` photos (and 2) or more, but those left out; ties by name."""
    a, b = np.searchsorted(seen.rows, [first, end])
    if a == b:
        return ()
    counts = np.bincount(seen.people[a:b], minlength=len(seen.names))
    counts[leave_out] = 0
    least = max(2.0, PEOPLE_SHARE * size)
    ranked = sorted(
        np.flatnonzero(counts >= least).tolist(),
        key=lambda code: (-counts[code], seen.names[code].casefold()),
    )
    return tuple(seen.names[code] for code in ranked[:PEOPLE_MAX])


def _household(day_code: np.ndarray, home: np.ndarray, seen: _Seen) -> np.ndarray:
    """Per person: named on HOUSEHOLD_SHARE or more of the days with photos at home (and on
    HOUSEHOLD_DAYS days or more). They are at home every day: their days are no event."""
    if not seen.names:
        return np.zeros(0, dtype=bool)
    days = int(day_code.max()) + 1
    at_home = home[seen.rows]
    pairs = np.unique(seen.people[at_home] * days + day_code[seen.rows[at_home]])
    per_person = np.bincount(pairs // days, minlength=len(seen.names))
    home_days = len(np.unique(day_code[home]))
    return per_person >= max(HOUSEHOLD_DAYS, HOUSEHOLD_SHARE * home_days)


def _gatherings(
    day_code: np.ndarray,
    home: np.ndarray,
    seen: _Seen,
    household: np.ndarray,
    taken: list[tuple[int, int, str]],
) -> list[tuple[int, int, str]]:
    """(first, end, 'gathering') of each day at home, in no other event, on which
    MIN_PHOTOS photos at home show named guests (people not of the household), from the
    first such photo to the last; not where that span holds another event."""
    if not seen.names:
        return []
    covered = np.zeros(len(home), dtype=bool)
    for first, end, _ in taken:
        covered[first:end] = True
    guest = ~household[seen.people] & home[seen.rows] & ~covered[seen.rows]
    photos = np.unique(seen.rows[guest])  # photos with a guest, in time order
    _, which, counts = np.unique(day_code[photos], return_inverse=True, return_counts=True)
    out = []
    for day in np.flatnonzero(counts >= MIN_PHOTOS).tolist():
        on_day = photos[which.reshape(-1) == day]
        first, end = int(on_day[0]), int(on_day[-1]) + 1
        if not covered[first:end].any():
            out.append((first, end, "gathering"))
    return out


def with_decisions(proposals: list[Proposal], decided: list[Decision]) -> list[Proposal]:
    """Each proposal with the status of the decision it overlaps by OVERLAP or more. A
    gathering (one day at home) is a decided one too when either lies OVERLAP or more inside
    the other: a guest's face found earlier or later that day moves its span, not the day."""
    owner: dict[str, int] = {}
    for index, decision in enumerate(decided):
        for cid in decision.members:
            owner[cid] = index
    out = []
    for proposal in proposals:
        hits = Counter(owner[c] for c in proposal.content_ids if c in owner)
        status = "new"
        for index, shared in hits.most_common():
            sizes = (len(proposal.content_ids), len(decided[index].members))
            size = min(sizes) if proposal.kind == "gathering" else max(sizes)
            if shared >= OVERLAP * size:
                status = decided[index].decision
                break
        out.append(Proposal(**{**_fields(proposal), "status": status}))
    return out


def _fields(proposal: Proposal) -> dict[str, Any]:
    return {name: getattr(proposal, name) for name in Proposal.__slots__}


class Events:
    """Event proposals of one catalog, and the user's decisions on them."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def proposals(self, include_decided: bool = False) -> list[Proposal]:
        rows = event_rows.dated_rows(self.catalog)
        found = propose(rows, event_rows.named_faces(self.catalog) if rows.content_ids else None)
        found = with_decisions(found, event_rows.decisions(self.catalog))
        return found if include_decided else [p for p in found if p.status == "new"]

    def get(self, proposal_id: str) -> Proposal:
        wanted = proposal_id.strip().lower()
        found = [p for p in self.proposals(include_decided=True) if p.id.startswith(wanted)]
        if not wanted or not found:
            raise PictorError(f"no event proposal {proposal_id!r} (see: album events)")
        if len(found) > 1:
            raise PictorError(f"{len(found)} proposals start with {proposal_id!r}; give more")
        if found[0].status != "new":
            raise PictorError(f"the proposal {found[0].title!r} was already {found[0].status}")
        return found[0]

    def accept(self, proposal_id: str, name: str | None = None) -> tuple[Proposal, AlbumRow]:
        """Make it a normal album (its members copied), named `name` or by its title."""
        proposal = self.get(proposal_id)
        albums = Albums(self.catalog)
        album = albums.create(name or proposal.title)
        try:
            change = albums.add(album.path, list(proposal.content_ids))
        except PictorError:
            albums.delete(album.path)
            raise
        with self.catalog.transaction() as conn:
            event_rows.put_decision(
                conn, "accepted", proposal.title, proposal.content_ids, album.id, time.time()
            )
        return proposal, change.album

    def dismiss(self, proposal_id: str) -> Proposal:
        proposal = self.get(proposal_id)
        with self.catalog.transaction() as conn:
            event_rows.put_decision(
                conn, "dismissed", proposal.title, proposal.content_ids, None, time.time()
            )
        return proposal
