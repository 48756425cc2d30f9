"""The catalog file: WAL mode, numbered migrations, the tables everything else relies on."""

from __future__ import annotations

import sqlite3

from indexing.store.migrations import MIGRATIONS


def test_catalog_is_wal_with_schema_version_and_tables(pictor, library) -> None:
    library.noise("a.jpg")
    pictor.index(library.root)

    conn = sqlite3.connect(pictor.settings.catalog_path)
    try:
        journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    finally:
        conn.close()

    assert journal_mode == "wal"
    assert version == len(MIGRATIONS) >= 1
    assert {"roots", "files", "images", "index_errors", "ratings", "preferences"} <= tables


def test_opening_twice_does_not_rerun_migrations(pictor, library) -> None:
    library.noise("a.jpg")
    pictor.index(library.root)
    pictor.execute(
        "INSERT INTO ratings(content_id, rating, rated_at) "
        "SELECT content_id, 7, 0 FROM images LIMIT 1"
    )
    with pictor.library.open_catalog() as catalog:
        assert catalog.schema_version == len(MIGRATIONS)
    assert pictor.one("SELECT rating FROM ratings")["rating"] == 7


def test_catalog_from_a_newer_pictor_is_refused_clearly(run_cli, tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "catalog.sqlite3")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()

    rc, out, err = run_cli(["--data-dir", str(data), "status", "--json"])

    assert rc != 0
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "newer" in err and "upgrade" in err


def test_an_index_run_gathers_the_statistics(pictor, library, monkeypatch) -> None:
    import indexing.store.catalog

    monkeypatch.setattr(indexing.store.catalog, "STATS_MIN_IMAGES", 1)
    library.noise("a.jpg")
    pictor.index(library.root)
    conn = sqlite3.connect(pictor.settings.catalog_path)
    try:
        assert conn.execute("SELECT images FROM planner_stats").fetchall() == [(1,)]
        assert conn.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'images'").fetchone()[0]
    finally:
        conn.close()
