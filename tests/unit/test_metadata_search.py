"""`find` on files indexed without the model, run in this process: a renamed file is found
by its new name, trash hides and restore brings back, a deleted file goes, and a v9 catalog
is upgraded and found by camera and place (the rest, through `launch.py`:
tests/integration/test_metadata_search.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from tests.library_builder import LibraryBuilder

# Lisbon (found by place:lisbon through the offline reverse geocoder) and every file's mtime.
LISBON_LAT, LISBON_LON = 38.7223, -9.1393
FILE_TIME = datetime(2024, 1, 20, 14, 0)


@pytest.fixture
def cli_in_process(cli, monkeypatch: pytest.MonkeyPatch):
    """conftest's `cli` (launch.main in this process) with PICTOR_DEBUG=1: a bug raises into
    the test instead of becoming an "error: unexpected ..." line."""
    monkeypatch.setenv("PICTOR_DEBUG", "1")
    return cli


def found_paths(cli, *query: str) -> set[str]:
    return {item["path"] for item in cli("find", *query, "--top", "1000")["items"]}


def test_a_renamed_and_moved_file_is_found_by_its_new_name_only(
    cli_in_process, library: LibraryBuilder
) -> None:
    cli = cli_in_process
    old = library.noise("inbox/quarterlyDraft.png", seed=1)
    library.noise("inbox/keepMe.png", seed=2)
    cli("index", str(library.root), "--no-embed")
    assert found_paths(cli, "draft") == {str(old)}
    [content_id] = {item["content_id"] for item in cli("find", "draft")["items"]}

    new = library.path("archive/2024/finalReport.png")
    old.rename(new)
    assert cli("index", str(library.root), "--no-embed")["moved"] == 1
    assert found_paths(cli, "draft") == set()
    assert found_paths(cli, "quarterly") == set()
    assert found_paths(cli, "final report") == {str(new)}
    assert found_paths(cli, "folder:archive") == {str(new)}
    assert found_paths(cli, "folder:inbox") == {str(library.root / "inbox/keepMe.png")}
    assert {item["content_id"] for item in cli("find", "finalReport")["items"]} == {content_id}


def test_trash_hides_an_image_from_find_and_restore_brings_it_back(
    cli_in_process, library: LibraryBuilder
) -> None:
    cli = cli_in_process
    photo = library.noise("trip/sunsetBeach.png", seed=3)
    library.noise("trip/sunriseHill.png", seed=4)
    cli("index", str(library.root), "--no-embed")
    assert found_paths(cli, "sunset") == {str(photo)}

    cli("trash", str(photo))
    assert found_paths(cli, "sunset") == set()
    assert found_paths(cli, "trip") == {str(library.root / "trip/sunriseHill.png")}
    assert found_paths(cli, "pictor") == set(), "the trash folder is not searchable"

    cli("trash", "restore", str(photo))
    assert found_paths(cli, "sunset") == {str(photo)}
    assert len(found_paths(cli, "trip")) == 2


def test_a_deleted_file_is_gone_after_reindexing_and_a_copy_keeps_the_image(
    cli_in_process, library: LibraryBuilder
) -> None:
    cli = cli_in_process
    original = library.noise("holidayBeach.png", seed=5)
    copy = library.write("backup/beachCopy.png", original.read_bytes())
    library.noise("other.png", seed=6)
    cli("index", str(library.root), "--no-embed")
    assert found_paths(cli, "beach") == {str(copy)}, "one image, shown by its first path"
    assert len(cli("find", "holiday OR copy")["items"]) == 1

    copy.unlink()
    cli("index", str(library.root), "--no-embed")
    assert found_paths(cli, "copy") == set()
    assert found_paths(cli, "folder:backup") == set()
    assert found_paths(cli, "beach") == {str(original)}

    original.unlink()
    cli("index", str(library.root), "--no-embed")
    assert found_paths(cli, "holiday") == set()
    assert found_paths(cli, "beach") == set()
    assert found_paths(cli, "other") == {str(library.root / "other.png")}


def test_a_v9_catalog_gets_cameras_and_places_and_is_found_by_them(
    cli_in_process, tmp_path: Path
) -> None:
    cli = cli_in_process
    from indexing.store.catalog import Catalog
    from indexing.store.migrations import MIGRATIONS

    path = tmp_path / "data" / "catalog.sqlite3"
    path.parent.mkdir()
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:9]:
        migration.apply(conn)
        conn.execute(f"PRAGMA user_version = {migration.number}")
    taken = datetime(2019, 8, 2, 18, 30)
    rows = [
        ("a" * 32, taken, "FUJIFILM", "X-T4", LISBON_LAT, LISBON_LON),
        ("b" * 32, None, None, None, None, None),  # no EXIF at all
    ]
    folder = tmp_path / "old library"
    for content_id, when, make, model, lat, lon in rows:
        conn.execute(
            "INSERT INTO images(content_id, bytes, width, height, format, taken_at, date_key, "
            "camera_make, camera_model, gps_lat, gps_lon, phash, dhash, added_at) "
            "VALUES (?, 100, 64, 48, 'JPEG', ?, ?, ?, ?, ?, ?, 0, 0, 0)",
            (
                content_id,
                when.isoformat() if when else None,
                (when or FILE_TIME).timestamp(),
                make,
                model,
                lat,
                lon,
            ),
        )
        conn.execute(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
            "VALUES (?, ?, 100, 1, 0, 0, 'present')",
            (str(folder / f"{content_id[:4]}.jpg"), content_id),
        )
    conn.close()

    with Catalog(path) as catalog:
        assert catalog.schema_version == len(MIGRATIONS)
        got = {
            row[0]: tuple(row[1:])
            for row in catalog.conn.execute(
                "SELECT content_id, camera, place_city, place_cc, place_country, day FROM images"
            )
        }
    assert got == {
        "a" * 32: ("Fujifilm X-T4", "Lisbon", "PT", "Portugal", "2019-08-02"),
        "b" * 32: (None, None, None, None, FILE_TIME.date().isoformat()),
    }
    lisbon_photo = {str(folder / "aaaa.jpg")}
    assert found_paths(cli, "place:lisbon") == lisbon_photo
    assert found_paths(cli, "--camera", "fuji") == lisbon_photo
    assert found_paths(cli, "aaaa OR bbbb") == {str(folder / "aaaa.jpg"), str(folder / "bbbb.jpg")}
    cities = next(f for f in cli("facets")["facets"] if f["name"] == "city")["values"]
    assert [(v["value"], v["count"]) for v in cities] == [("PT/Lisbon", 1)]
