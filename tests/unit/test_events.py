"""Event proposals on generated dates and GPS tracks: a month of everyday photos at home,
a trip to Lisbon, weeks at home, a trip to Rome, more home. Exactly the two trips are
proposed, named by their places and dates; a dismissal sticks across a re-run with new
photos of the same trip; an accepted one becomes a normal album with its photos; a dense
burst at home (a party) is proposed and everyday home photos are not; no GPS, no place."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from indexing.curate.albums import Albums
from indexing.curate.events import Events, date_range
from indexing.errors import PictorError
from indexing.store import event_rows
from indexing.store.catalog import Catalog

BERLIN = (52.52, 13.40, "Berlin", "Germany")
LISBON = (38.72, -9.14, "Lisbon", "Portugal")
ROME = (41.90, 12.50, "Rome", "Italy")
Photo = tuple[datetime, tuple[float, float, str, str] | None]


def _id(seed: str) -> str:
    return hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()


def everyday(start: datetime, days: int, rng: random.Random) -> list[Photo]:
    """Two or three photos a day at home, at random hours."""
    out: list[Photo] = []
    for day in range(days):
        for _ in range(rng.randint(2, 3)):
            out.append((start + timedelta(days=day, hours=rng.uniform(8, 22)), BERLIN))
    return out


def trip(start: datetime, days: int, place, per_day: int, rng: random.Random) -> list[Photo]:
    """per_day photos a day between 9:00 and 21:00; every fifth without GPS."""
    out: list[Photo] = []
    for day in range(days):
        for n in range(per_day):
            at = start + timedelta(days=day, hours=9 + 12 * n / per_day + rng.uniform(0, 0.5))
            out.append((at, None if n % 5 == 4 else place))
    return out


def insert(conn: sqlite3.Connection, photos: list[Photo], salt: str) -> list[str]:
    ids = []
    for n, (at, place) in enumerate(photos):
        cid = _id(f"{salt}{n}")
        ids.append(cid)
        lat, lon, city, country = place if place else (None, None, None, None)
        jitter = random.Random(n).uniform(-0.02, 0.02) if place else 0.0
        conn.execute(
            "INSERT INTO images(content_id, bytes, width, height, format, taken_at, date_key, "
            "day, gps_lat, gps_lon, place_city, place_country, phash, dhash, added_at) "
            "VALUES (?, 1, 10, 10, 'JPEG', ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
            (cid, at.isoformat(), at.timestamp(), at.date().isoformat(),
             None if lat is None else lat + jitter, None if lon is None else lon + jitter,
             city, country),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
            "VALUES (?, ?, 1, 1, 0, 0, 'present')",
            (f"/lib/{salt}{n}.jpg", cid),
        )
    return ids


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    rng = random.Random(7)
    utc = UTC
    photos = (
        everyday(datetime(2023, 6, 1, tzinfo=utc), 41, rng)  # 1 June - 11 July
        + trip(datetime(2023, 7, 12, tzinfo=utc), 4, LISBON, 12, rng)  # 48 photos
        + everyday(datetime(2023, 7, 16, tzinfo=utc), 25, rng)  # 16 July - 9 August
        + trip(datetime(2023, 8, 10, tzinfo=utc), 4, ROME, 9, rng)  # 36 photos
        + everyday(datetime(2023, 8, 14, tzinfo=utc), 30, rng)
    )
    with Catalog(tmp_path / "catalog.sqlite3") as opened:
        with opened.transaction() as conn:
            insert(conn, sorted(photos, key=lambda p: p[0]), "a")
        yield opened


def test_exactly_the_two_trips_are_proposed_by_place_and_dates(catalog):
    found = Events(catalog).proposals()
    assert [p.label for p in found] == [
        "Lisbon, 12–15 July 2023, 48 photos",
        "Rome, 10–13 August 2023, 36 photos",
    ]
    assert {p.kind for p in found} == {"trip"}


def test_a_dismissal_sticks_across_a_rerun_with_new_photos(catalog):
    events = Events(catalog)
    lisbon, rome = events.proposals()
    events.dismiss(lisbon.id)
    with catalog.transaction() as conn:  # three more Lisbon photos arrive (a friend's)
        more = [(datetime(2023, 7, 13, 14, m, tzinfo=UTC), LISBON) for m in range(3)]
        insert(conn, more, "new")
    again = events.proposals()
    assert [p.title for p in again] == [rome.title]
    every = events.proposals(include_decided=True)
    assert {p.title: p.status for p in every} == {lisbon.title: "dismissed", rome.title: "new"}
    assert len(every[0].content_ids) == 51  # the same trip, recognised with its new photos
    with pytest.raises(PictorError, match="already dismissed"):
        events.dismiss(every[0].id)
    _, album = events.accept(rome.id[:6])
    assert (album.path, album.count) == ("Rome, 10–13 August 2023", 36)
    assert set(Albums(catalog).items(album)) == set(rome.content_ids)
    assert events.proposals() == []
    with pytest.raises(PictorError, match="no event proposal"):
        events.accept("ffffffffff")


def test_a_party_at_home_is_proposed_and_no_gps_means_no_place(tmp_path):
    utc = UTC
    rng = random.Random(3)
    party = [
        (datetime(2023, 5, 6, 19, tzinfo=utc) + timedelta(minutes=6 * n), BERLIN) for n in range(30)
    ]
    undated_place = [
        (datetime(2023, 9, 2, 10, tzinfo=utc) + timedelta(minutes=10 * n), None) for n in range(20)
    ]
    photos = everyday(datetime(2023, 5, 1, tzinfo=utc), 30, rng) + party + undated_place
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        with catalog.transaction() as conn:
            insert(conn, sorted(photos, key=lambda p: p[0]), "p")
        found = Events(catalog).proposals()
    # the party, with that evening's everyday photos; the burst with no GPS has no place
    assert [(p.title, p.kind) for p in found] == [
        ("Berlin, 6 May 2023", "home"),
        ("2 September 2023", "home"),
    ]
    assert 30 <= len(found[0].content_ids) <= 33 and len(found[1].content_ids) == 20


def test_date_ranges_read_as_people_write_them():
    assert date_range("2023-07-12", "2023-07-15") == "12–15 July 2023"
    assert date_range("2023-06-30", "2023-07-03") == "30 June – 3 July 2023"
    assert date_range("2023-12-30", "2024-01-02") == "30 December 2023 – 2 January 2024"


def test_a_dismissal_is_in_the_backup_and_sticks_in_a_restored_library(catalog, tmp_path):
    from indexing.curate.ratings_file import export_document, import_document

    events = Events(catalog)
    lisbon, rome = events.proposals()
    events.dismiss(lisbon.id)
    document = export_document(catalog)
    assert [d["decision"] for d in document["event_decisions"]] == ["dismissed"]
    with Catalog(tmp_path / "restored.sqlite3") as restored:
        with restored.transaction() as conn:  # the same photos, indexed again
            rows = catalog.conn.execute(
                "SELECT taken_at, gps_lat, gps_lon, place_city, place_country FROM images "
                "ORDER BY date_key"
            ).fetchall()
            again = [
                (datetime.fromisoformat(t), None if la is None else (la, lo, c, k))
                for t, la, lo, c, k in rows
            ]
            insert(conn, again, "a")
        assert [p.title for p in Events(restored).proposals()] == [lisbon.title, rome.title]
        import_document(restored, document, "newer")
        import_document(restored, document, "newer")  # twice: stored once
        assert len(event_rows.decisions(restored)) == 1
        assert [p.title for p in Events(restored).proposals()] == [rome.title]
        assert len(Events(restored).proposals(include_decided=True)) == 2
