"""The facet column store stays exactly what a fresh build would be, whatever the writes.

A catalog is written with plain SQL (the writes the indexer, the trash and the subject
tagger make: new images, copies, moves, missing files, deletions, new tags, changed EXIF),
and after each round of writes the facets and the timeline read from the patched arrays are
compared with those of a build from scratch, and with the arrays a new process loads from
the file saved beside the catalog.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from pathlib import Path

import pytest

from indexing.query import facet_index
from indexing.query.facets import facets
from indexing.query.filters import Filter
from indexing.query.timeline import timeline
from indexing.store.catalog import Catalog

ROOTS = ("/photos", "/phone")
CAMERAS = (("FUJIFILM", "X-T4", "Fujifilm X-T4"), ("Apple", "iPhone 13", "Apple iPhone 13"))
PLACES = (("PT", "Lisbon", "Portugal"), ("PT", "Porto", "Portugal"), ("JP", "Tokyo", "Japan"))
TAGS = ("beach", "dog", "sunset", "food")
FOLDERS = ("trip", "trip/day 1", "trip/day 2/evening", "home", "")


class Writer:
    """Writes like the indexer would, at random."""

    def __init__(self, catalog: Catalog, seed: int):
        self.catalog = catalog
        self.rng = random.Random(seed)
        self.count = 0

    def cid(self) -> str:
        self.count += 1
        return hashlib.blake2b(f"image-{self.count}".encode(), digest_size=16).hexdigest()

    def add(self, conn, n: int = 1) -> None:
        rng = self.rng
        for _ in range(n):
            cid = self.cid()
            shot = datetime(rng.choice((2021, 2023, 2024)), rng.randint(1, 12), rng.randint(1, 28),
                            rng.randint(0, 23))  # fmt: skip
            exif = rng.random() < 0.7
            make, model, label = rng.choice(CAMERAS) if exif else (None, None, None)
            cc, city, country = rng.choice(PLACES) if rng.random() < 0.5 else (None,) * 3
            conn.execute(
                "INSERT INTO images(content_id, bytes, width, height, format, taken_at, "
                "date_key, camera_make, camera_model, camera, lens, place_cc, place_city, "
                "place_country, phash, dhash, added_at) VALUES "
                "(?, 1000, 640, 480, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
                (
                    cid,
                    rng.choice(("JPEG", "PNG")),
                    shot.isoformat() if exif else None,
                    shot.timestamp(),
                    make,
                    model,
                    label,
                    "23mm F2" if label == "Fujifilm X-T4" else None,
                    cc,
                    city,
                    country,
                ),
            )
            self.file(conn, cid)
            if rng.random() < 0.2:
                self.file(conn, cid)  # a copy elsewhere
            for tag in rng.sample(TAGS, rng.randint(0, 2)):
                conn.execute(
                    "INSERT INTO subjects(content_id, tag, score) VALUES (?, ?, 0.9)", (cid, tag)
                )

    def file(self, conn, cid: str) -> None:
        folder = "/".join(p for p in (self.rng.choice(ROOTS), self.rng.choice(FOLDERS)) if p)
        path = f"{folder}/IMG_{self.rng.randrange(10**9):09d}.jpg"
        conn.execute(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
            "VALUES (?, ?, 1, 1, 0, 0, 'present') ON CONFLICT(path) DO NOTHING",
            (path, cid),
        )

    def some(self, conn, sql: str, k: int) -> list:
        rows = conn.execute(sql).fetchall()
        return self.rng.sample(rows, min(k, len(rows)))

    def churn(self, conn) -> None:
        """One round of what happens to a library between two looks at its facets."""
        self.add(conn, 6)
        for (fid,) in self.some(conn, "SELECT id FROM files WHERE status = 'present'", 3):
            conn.execute("UPDATE files SET status = 'missing' WHERE id = ?", (fid,))  # trashed
        for fid, path in self.some(conn, "SELECT id, path FROM files WHERE status='present'", 3):
            moved = path.replace("/photos", "/phone/moved", 1).replace("/phone/", "/photos/", 1)
            conn.execute(
                "UPDATE files SET path = ? WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM files WHERE path = ?)",
                (moved, fid, moved),
            )
        for (fid,) in self.some(conn, "SELECT id FROM files WHERE status = 'missing'", 2):
            conn.execute("UPDATE files SET status = 'present' WHERE id = ?", (fid,))  # restored
        for (cid,) in self.some(conn, "SELECT content_id FROM images", 2):
            conn.execute("DELETE FROM subjects WHERE content_id = ?", (cid,))
            conn.execute("DELETE FROM files WHERE content_id = ?", (cid,))
            conn.execute("DELETE FROM images WHERE content_id = ?", (cid,))  # forgotten
        for (cid,) in self.some(conn, "SELECT content_id FROM images", 3):
            conn.execute(
                "UPDATE images SET camera = 'Ricoh GR III', place_cc = 'FR', place_city = 'Nice', "
                "place_country = 'France', taken_at = '2019-05-05T10:00:00', day = '2019-05-05' "
                "WHERE content_id = ?",
                (cid,),
            )  # re-read EXIF
        for (cid,) in self.some(conn, "SELECT content_id FROM images", 4):
            conn.execute(
                "UPDATE images SET rating_key = ?, rating_source = ? WHERE content_id = ?",
                (self.rng.choice((1.5, 7.0)), self.rng.choice(("user", "predicted")), cid),
            )  # rated, or predicted
        for (cid,) in self.some(conn, "SELECT content_id FROM images", 3):
            conn.execute(
                "INSERT INTO subjects(content_id, tag, score) VALUES (?, 'mountain', 0.8) "
                "ON CONFLICT DO NOTHING",
                (cid,),
            )


FILTERS = [
    Filter(),
    Filter(taken_from="2023-03-01", taken_to="2023-09-30", min_aspect=1.2, max_bytes=5000),
    Filter(min_rating=2),
    Filter(rated=True, country="PT"),
    Filter(year=2023),
    Filter(camera="Fujifilm X-T4"),
    Filter(country="PT", formats="jpeg"),
    Filter(folder="/photos/trip"),
    Filter(subject="beach", month="2024-03"),
    Filter(min_width=100),
]


def everything_seen(catalog: Catalog) -> list:
    """What a user can see of the facets and the timeline, under several filters."""
    seen = []
    for flt in FILTERS:
        seen.append(facets(catalog, flt).as_dict())
        for by in ("day", "month"):
            seen.append(timeline(catalog, flt, by).as_dict())
    seen.append(facets(catalog, Filter(folder="/phone")).as_dict())
    return seen


def fresh(catalog: Catalog) -> list:
    facet_index._CACHE.clear()
    facet_index.saved_path(catalog).unlink(missing_ok=True)
    return everything_seen(catalog)


@pytest.fixture
def catalog(tmp_path: Path):
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        for root in ROOTS:
            catalog.add_root(root)
        yield catalog
    facet_index._CACHE.clear()


def test_patched_arrays_show_what_a_fresh_build_shows(catalog, monkeypatch) -> None:
    monkeypatch.setattr(facet_index, "SAVE_MIN_IMAGES", 10**9)  # patching only, no file
    writer = Writer(catalog, seed=7)
    with catalog.transaction() as conn:
        writer.add(conn, 60)
    first = everything_seen(catalog)
    assert first == fresh(catalog)
    builds = []
    real_build = facet_index.FacetIndex.build.__func__

    def counted(cls, *args):
        builds.append(args)
        return real_build(cls, *args)

    monkeypatch.setattr(facet_index.FacetIndex, "build", classmethod(counted))
    everything_seen(catalog)
    for _ in range(8):
        with catalog.transaction() as conn:
            writer.churn(conn)
        builds.clear()
        patched = everything_seen(catalog)
        assert builds == [], "a round of writes was patched in, not built again"
        assert patched == fresh(catalog)
    assert patched != first


def test_a_new_process_loads_the_saved_arrays_and_patches_them(catalog, monkeypatch) -> None:
    monkeypatch.setattr(facet_index, "SAVE_MIN_IMAGES", 1)
    writer = Writer(catalog, seed=11)
    with catalog.transaction() as conn:
        writer.add(conn, 40)
    everything_seen(catalog)
    saved = facet_index.saved_path(catalog)
    assert saved.exists()
    with catalog.transaction() as conn:
        writer.churn(conn)
    facet_index._CACHE.clear()  # as a new process: only the file
    monkeypatch.setattr(
        facet_index.FacetIndex, "build", classmethod(lambda cls, *a: pytest.fail("built"))
    )
    loaded = everything_seen(catalog)
    monkeypatch.undo()
    assert loaded == fresh(catalog)


def test_the_arrays_keep_exactly_what_sql_keeps(catalog) -> None:
    writer = Writer(catalog, seed=13)
    with catalog.transaction() as conn:
        writer.add(conn, 80)
        for (cid,) in writer.some(conn, "SELECT content_id FROM images", 30):
            conn.execute(
                "UPDATE images SET width = ?, height = ?, bytes = ?, rating_key = ? "
                "WHERE content_id = ?",
                (writer.rng.choice((100, 640, 4000)), writer.rng.choice((100, 480, 3000)),
                 writer.rng.choice((10, 1000, 10**6)), writer.rng.choice((1, 5, 9)), cid),
            )  # fmt: skip
    everything_seen(catalog)
    with catalog.transaction() as conn:
        writer.churn(conn)
    cases = [
        *FILTERS,
        Filter(min_width=500, max_height=1000),
        Filter(min_pixels=300_000, max_pixels=10**7),
        Filter(min_aspect=1.0, max_aspect=1.5),
        Filter(min_bytes=500, max_bytes=10**5),
        Filter(taken_from="2023-01-01"),
        Filter(taken_to="2023-12-31", camera="Fujifilm X-T4"),
        Filter(city="PT/Lisbon", rated=False),
        Filter(city="Tokyo", folder="/photos"),
        Filter(folder="/photos/trip/day 2", formats="png,jpeg"),
    ]
    for flt in cases:
        where, params = flt.where()
        expected = catalog.conn.execute(
            f"SELECT COUNT(*) FROM images i WHERE {where}", params
        ).fetchone()[0]
        assert facets(catalog, flt).matching == expected, flt


def test_a_trimmed_log_or_a_new_root_means_a_build(catalog) -> None:
    writer = Writer(catalog, seed=3)
    with catalog.transaction() as conn:
        writer.add(conn, 30)
    everything_seen(catalog)
    with catalog.transaction() as conn:
        writer.churn(conn)
        conn.execute("DELETE FROM facet_log")  # trimmed past what the arrays reflect
        writer.add(conn, 2)
    assert everything_seen(catalog) == fresh(catalog)
    everything_seen(catalog)
    with catalog.transaction() as conn:
        catalog.add_root("/photos/trip")  # the folder tree changes shape
    assert everything_seen(catalog) == fresh(catalog)


def test_a_saved_file_of_another_catalog_is_not_used(catalog, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(facet_index, "SAVE_MIN_IMAGES", 1)
    with catalog.transaction() as conn:
        Writer(catalog, seed=5).add(conn, 20)
    everything_seen(catalog)
    with Catalog(tmp_path / "other.sqlite3") as other:
        other.add_root("/elsewhere")
        facet_index.saved_path(catalog).replace(facet_index.saved_path(other))
        facet_index._CACHE.clear()
        assert facets(other).matching == 0
    facet_index.saved_path(catalog).write_bytes(b"not an npz file")
    facet_index._CACHE.clear()
    assert everything_seen(catalog) == fresh(catalog)
