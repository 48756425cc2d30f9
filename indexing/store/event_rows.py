"""What the event proposer reads (the dated images, with their GPS and place) and what it
remembers: the user's decisions on proposals (migration 22), with the members each had.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexing.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class DatedRows:
    """Present images with a capture date, oldest first, as parallel columns."""

    content_ids: list[str]
    times: list[float]  # date_key: seconds
    days: list[str]  # the photo's own calendar day, 'YYYY-MM-DD'
    lats: list[float | None]
    lons: list[float | None]
    cities: list[str | None]
    countries: list[str | None]  # the country's name (else its code)
    rowids: list[int] = field(default_factory=list)  # images.rowid: NamedFaces.images


def dated_rows(catalog: Catalog) -> DatedRows:
    """Every present image that has a date taken (a file's time says nothing of an event)."""
    rows = catalog.conn.execute(
        "SELECT content_id, date_key, day, gps_lat, gps_lon, place_city, "
        "COALESCE(place_country, place_cc), rowid FROM images "
        "WHERE present_files > 0 AND taken_at IS NOT NULL ORDER BY date_key, content_id"
    ).fetchall()
    if not rows:
        return DatedRows([], [], [], [], [], [], [])
    ids, times, days, lats, lons, cities, countries, rowids = map(list, zip(*rows, strict=True))
    return DatedRows(ids, times, days, lats, lons, cities, countries, rowids)


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    decision: str  # 'accepted' or 'dismissed'
    title: str
    members: frozenset[str]
    album: int | None
    at: float


def decisions(catalog: Catalog) -> list[Decision]:
    return decisions_in(catalog.conn)


def decisions_in(conn: sqlite3.Connection) -> list[Decision]:
    rows = conn.execute(
        "SELECT id, decision, title, members, album, at FROM event_decisions ORDER BY id"
    ).fetchall()
    return [
        Decision(int(r[0]), r[1], r[2], frozenset(json.loads(r[3])), r[4], float(r[5]))
        for r in rows
    ]


def put_decision(
    conn: sqlite3.Connection,
    decision: str,
    title: str,
    members: Sequence[str],
    album: int | None,
    at: float,
) -> int:
    return int(
        conn.execute(
            "INSERT INTO event_decisions(decision, title, members, album, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (decision, title, json.dumps(sorted(members)), album, at),
        ).lastrowid
        or 0
    )


@dataclass(frozen=True, slots=True)
class NamedFaces:
    """Who is in which image: one entry per face of a named, visible person."""

    images: list[int]  # the image's rowid (DatedRows.rowids)
    people: list[int]  # the person's id
    names: dict[int, str]  # person id -> name


def named_faces(catalog: Catalog) -> NamedFaces:
    """Every face of a named, visible person, as (image, person), in one query for the
    whole library (a person twice in a photo is there twice: the proposer counts photos)."""
    pairs = catalog.conn.execute(
        "SELECT i.rowid, p.id FROM faces f JOIN people p ON p.id = f.person_id "
        "JOIN images i ON i.content_id = f.content_id WHERE p.name IS NOT NULL AND p.hidden = 0"
    ).fetchall()
    names = catalog.conn.execute(
        "SELECT id, name FROM people WHERE name IS NOT NULL AND hidden = 0"
    ).fetchall()
    return NamedFaces([r[0] for r in pairs], [r[1] for r in pairs], dict(names))
