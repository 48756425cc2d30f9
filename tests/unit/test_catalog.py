"""The catalog file, without a model: a grown catalog gets planner statistics, so a filter
reads no rows it does not need (the rest: tests/integration/test_catalog.py)."""

from __future__ import annotations


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
