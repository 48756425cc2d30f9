"""Event proposals on generated dates and GPS tracks: a month of everyday photos at home,
a trip to Lisbon, weeks at home, a trip to Rome, more home. Exactly the two trips are
proposed, named by their places and dates; a dismissal sticks across a re-run with new
photos of the same trip; an accepted one becomes a normal album with its photos; a dense
burst at home (a party) is proposed and everyday home photos are not; no GPS, no place.
People (faces rows of named people): a trip names the people in most of its photos; a day
at home with two guests in 30 photos is proposed by their names, one without named people
is not, and the household (in most photos every day) makes no day an event."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from indexing.curate.albums import Albums
from indexing.curate.events import Events, Proposal, date_range
from indexing.errors import PictorError
from indexing.names.tag_paths import MAX_NAME
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


def faces(conn: sqlite3.Connection, ids: list[str], name: str | None, hidden: bool = False):
    """One face of `name` (None: an unnamed group) in each of these images."""
    known = conn.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
    person = (
        known[0]
        if known
        else conn.execute(
            "INSERT INTO people(name, hidden, created_at) VALUES (?, ?, 0)", (name, int(hidden))
        ).lastrowid
    )
    conn.executemany(
        "INSERT INTO faces(content_id, left, top, width, height, source, person_id, assigned) "
        "VALUES (?, 0.1, 0.1, 0.2, 0.2, 'detected', ?, 'user')",
        [(cid, person) for cid in ids],
    )


def ids_on(catalog: Catalog, first: str, last: str) -> list[str]:
    rows = catalog.conn.execute(
        "SELECT content_id FROM images WHERE day BETWEEN ? AND ? ORDER BY date_key", (first, last)
    ).fetchall()
    return [r[0] for r in rows]


def test_a_trip_names_the_people_in_most_of_its_photos(catalog):
    lisbon = ids_on(catalog, "2023-07-12", "2023-07-15")
    assert len(lisbon) == 48
    with catalog.transaction() as conn:
        faces(conn, lisbon[:30], "Ana")
        faces(conn, lisbon[10:30], "Rui")
        faces(conn, lisbon[:3], "Eva")  # in 3 of 48: under the share, not named
        faces(conn, lisbon, None)  # an unnamed group in all of them: no name to give
        faces(conn, lisbon, "Zoe", hidden=True)  # hidden from the People view: not named
        faces(conn, lisbon[:30], "Ana")  # a second face of Ana in a photo counts once
    lisbon_event, rome_event = Events(catalog).proposals()
    assert lisbon_event.label == "Lisbon, 12–15 July 2023, 48 photos, with Ana and Rui"
    assert lisbon_event.title == "Lisbon, 12–15 July 2023"  # the album's name: the place
    assert lisbon_event.as_dict()["people"] == ["Ana", "Rui"]
    assert rome_event.label == "Rome, 10–13 August 2023, 36 photos"
    assert rome_event.as_dict()["people"] == []


@pytest.fixture
def home_life(tmp_path: Path) -> Iterator[Catalog]:
    """A month at home, 20 to 30 photos a day, Mia (the household) in most of them; on 3
    May, 30 photos with Ana and Rui (and Mia in a third); on 17 May, 30 photos of a day out
    in the garden with unnamed faces only. Neither day is dense enough for a burst."""
    rng = random.Random(11)
    start = datetime(2024, 4, 20, tzinfo=UTC)
    special = {date(2024, 5, 3), date(2024, 5, 17)}
    photos: list[Photo] = []
    for day in range(30):
        at = start + timedelta(days=day)
        count = 30 if at.date() in special else rng.randint(20, 30)
        photos += [(at + timedelta(hours=9 + 12 * n / count), BERLIN) for n in range(count)]
    with Catalog(tmp_path / "home.sqlite3") as opened:
        with opened.transaction() as conn:
            ids = insert(conn, photos, "h")
            days = [at.date() for at, _ in photos]
            birthday = [c for c, d in zip(ids, days, strict=True) if d == date(2024, 5, 3)]
            garden = [c for c, d in zip(ids, days, strict=True) if d == date(2024, 5, 17)]
            faces(conn, [c for n, c in enumerate(ids) if n % 4], "Mia")
            faces(conn, birthday, "Ana")
            faces(conn, birthday, "Rui")
            faces(conn, garden, None)
        yield opened


def test_a_day_at_home_with_two_guests_in_30_photos_is_proposed_by_their_names(home_life):
    found = Events(home_life).proposals()
    assert [(p.label, p.kind) for p in found] == [
        ("Ana and Rui, 3 May 2024, 30 photos", "gathering")
    ]
    assert found[0].as_dict()["people"] == ["Ana", "Rui"]  # Mia lives there: not a guest
    _, album = Events(home_life).accept(found[0].id)
    assert (album.path, album.count) == ("Ana and Rui, 3 May 2024", 30)
    assert Events(home_life).proposals() == []


def test_a_dismissed_gathering_stays_dismissed_when_its_span_widens_or_shrinks(home_life):
    birthday = ids_on(home_life, "2024-05-03", "2024-05-03")

    def guests_from(n: int) -> None:  # Ana and Rui seen in the birthday's photos from n on
        with home_life.transaction() as conn:
            conn.execute(
                "DELETE FROM faces WHERE person_id IN "
                "(SELECT id FROM people WHERE name IN ('Ana', 'Rui'))"
            )
            faces(conn, birthday[n:], "Ana")
            faces(conn, birthday[n:], "Rui")

    guests_from(12)
    (party,) = Events(home_life).proposals()
    assert (party.kind, len(party.content_ids)) == ("gathering", 18)
    Events(home_life).dismiss(party.id)
    guests_from(0)  # Ana's face found in the morning's photos too: 30 photos, 18 decided
    assert Events(home_life).proposals() == []
    (wider,) = Events(home_life).proposals(include_decided=True)
    assert (len(wider.content_ids), wider.status) == (30, "dismissed")
    guests_from(14)  # and fewer: 16 photos, all of them dismissed ones
    assert Events(home_life).proposals() == []
    garden = ids_on(home_life, "2024-05-17", "2024-05-17")
    with home_life.transaction() as conn:  # another day's gathering is still proposed
        faces(conn, garden, "Eva")
    assert [p.title for p in Events(home_life).proposals()] == ["Eva, 17 May 2024"]


def test_a_name_with_a_slash_or_a_long_one_still_makes_one_album_at_the_top(home_life):
    with home_life.transaction() as conn:
        conn.execute("UPDATE people SET name = 'AC/DC Fan' WHERE name = 'Ana'")
    (party,) = Events(home_life).proposals()
    _, album = Events(home_life).accept(party.id)
    # not an album "DC Fan and Rui, …" in a folder "AC"
    assert (album.folder, album.name) == ("", "AC∕DC Fan and Rui, 3 May 2024")
    many = ("Maximiliana " * 30, "Rui")  # the people part cut, the dates kept
    long = Proposal("x", "Berlin", "2024-05-03", "2024-05-04", ("a",), "gathering", people=many)
    assert len(long.title) == MAX_NAME and long.title.endswith("…, 3–4 May 2024")
    assert Albums(home_life).create(long.title).name == long.title


def test_without_named_guests_no_day_at_home_is_proposed(home_life):
    with home_life.transaction() as conn:  # Ana and Rui forgotten: their faces unnamed
        conn.execute("UPDATE people SET name = NULL WHERE name IN ('Ana', 'Rui')")
    assert Events(home_life).proposals() == []


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
