"""Migration 11: camera labels and places for the rows that existed before v10 (Python: the label
rules and the gazetteer live in indexing.names).

Shipped: never edit it; add the next number instead.
"""

from __future__ import annotations

import sqlite3


def apply(conn: sqlite3.Connection) -> None:
    """Fill images.camera and the place columns of v10 from the stored EXIF and GPS."""
    from indexing.names.facet_values import camera_label
    from indexing.names.places import places_for

    rows = conn.execute(
        "SELECT content_id, camera_make, camera_model FROM images "
        "WHERE camera_make IS NOT NULL OR camera_model IS NOT NULL"
    ).fetchall()
    conn.executemany(
        "UPDATE images SET camera = ? WHERE content_id = ?",
        ((camera_label(make, model), cid) for cid, make, model in rows),
    )
    rows = conn.execute(
        "SELECT content_id, gps_lat, gps_lon FROM images WHERE gps_lat IS NOT NULL"
    ).fetchall()
    places = places_for([(lat, lon) for _, lat, lon in rows])
    conn.executemany(
        "UPDATE images SET place_city = ?, place_region = ?, place_cc = ?, place_country = ? "
        "WHERE content_id = ?",
        (
            (place.city, place.region, place.country_code, place.country, row[0])
            for row, place in zip(rows, places, strict=True)
            if place is not None
        ),
    )
