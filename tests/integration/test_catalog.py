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


def _add_images(catalog, start: int, count: int) -> None:
    """count present images whose width is 1..100 (a min_width=100 filter passes 1%)."""
    with catalog.transaction() as conn:
        conn.executemany(
            "INSERT INTO images(content_id, bytes, width, height, format, date_key, phash, "
            "dhash, added_at) VALUES (?, 1000, ?, 100, 'JPEG', 0, 0, 0, 0)",
            ((f"{n:032x}", 1 + n % 100) for n in range(start, start + count)),
        )
        conn.executemany(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, "
            "status) VALUES (?, ?, 1000, 0, 0, 0, 'present')",
            ((f"/photos/{n}.jpg", f"{n:032x}") for n in range(start, start + count)),
        )


def test_a_grown_catalog_gets_planner_statistics_and_filters_read_no_rows(tmp_path) -> None:
    """After an index run over enough images, a 1%-selective filter is answered from an
    index alone (the 1M search benchmark: 7 ms instead of 35 ms); the sampled ANALYZE
    runs again only when the library has changed size by a quarter."""
    from indexing.query.filters import Filter
    from indexing.query.ranking import allowed_ids
    from indexing.store.catalog import STATS_MIN_IMAGES, Catalog

    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        _add_images(catalog, 0, STATS_MIN_IMAGES // 2)
        assert not catalog.refresh_statistics()  # small: any plan is fast
        _add_images(catalog, STATS_MIN_IMAGES // 2, 3 * STATS_MIN_IMAGES // 2)
        assert catalog.refresh_statistics()
        assert not catalog.refresh_statistics()  # nothing changed
        _add_images(catalog, 2 * STATS_MIN_IMAGES, STATS_MIN_IMAGES // 10)
        assert not catalog.refresh_statistics()  # grown by 5%
        _add_images(catalog, 21 * STATS_MIN_IMAGES // 10, STATS_MIN_IMAGES)
        assert catalog.refresh_statistics()  # grown by half

        clause, params = Filter(min_width=100).where(present_first=False)
        sql = f"SELECT i.content_id FROM images i WHERE {clause} LIMIT ?"
        plan = " ".join(
            row[3] for row in catalog.conn.execute("EXPLAIN QUERY PLAN " + sql, [*params, -1])
        )
        assert "COVERING INDEX" in plan, plan
        passing = allowed_ids(catalog, Filter(min_width=100), -1)
        assert len(passing) == 31 and all(int(cid, 16) % 100 == 99 for cid in passing)


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
