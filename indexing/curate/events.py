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

A proposal's id is a hash of its members. What the user does with one (accept: a normal
album with the members copied; dismiss) is stored with those members (indexing.store.
event_rows), and a later proposal that overlaps a decided one by OVERLAP or more (the same
trip with a few new photos) is that one: a dismissed proposal does not come back.
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
from indexing.names.wording import plural
from indexing.store import event_rows
from indexing.store.albums import AlbumRow
from indexing.store.catalog import Catalog
from indexing.store.event_rows import DatedRows, Decision

MIN_PHOTOS = 15
HOME_RADIUS_KM = 40.0
NEIGHBOUR_S = 6 * 3600.0
TRIP_GAP_S = 2 * 86400.0
TRIP_GAP_FACTOR = 20.0
HOME_GAP_S = 3 * 3600.0
HOME_SPAN_S = 36 * 3600.0
HOME_BURST_FACTOR = 2.5
OVERLAP = 0.8
EARTH_RADIUS_KM = 6371.0
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
    kind: str  # 'trip' or 'home'
    status: str = "new"  # or 'accepted', 'dismissed'

    @property
    def dates(self) -> str:
        return date_range(self.first_day, self.last_day)

    @property
    def title(self) -> str:
        """'Lisbon, 12–15 July 2023': the album's name when accepted."""
        return f"{self.place}, {self.dates}" if self.place else self.dates

    @property
    def label(self) -> str:
        return f"{self.title}, {plural(len(self.content_ids), 'photo')}"

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
        }


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


def propose(rows: DatedRows) -> list[Proposal]:
    """Every event in these dated photos, oldest first, before the user's decisions."""
    if not rows.content_ids:
        return []
    times = np.asarray(rows.times, dtype=np.float64)
    away = _away(rows, times)
    out = []
    for first, end, kind in _runs(times, away, _usual_day(rows.days, away)):
        members = tuple(rows.content_ids[first:end])
        place = _place(rows, first, end)
        days = rows.days[first:end]
        out.append(Proposal(_proposal_id(members), place, min(days), max(days), members, kind))
    return out


def with_decisions(proposals: list[Proposal], decided: list[Decision]) -> list[Proposal]:
    """Each proposal with the status of the decision it overlaps by OVERLAP or more."""
    owner: dict[str, int] = {}
    for index, decision in enumerate(decided):
        for cid in decision.members:
            owner[cid] = index
    out = []
    for proposal in proposals:
        hits = Counter(owner[c] for c in proposal.content_ids if c in owner)
        status = "new"
        for index, shared in hits.most_common():
            size = max(len(proposal.content_ids), len(decided[index].members))
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
        found = propose(event_rows.dated_rows(self.catalog))
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
