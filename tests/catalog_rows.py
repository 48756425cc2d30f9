"""Rows put straight into a catalog file, for tests of what reads it."""

from __future__ import annotations

from indexing.store.catalog import Catalog


def image_count(path) -> int:
    with Catalog(path) as catalog:
        return catalog.conn.execute("SELECT COUNT(*) FROM images").fetchone()[0]


def add_image_row(path, n: int) -> None:
    with Catalog(path) as catalog, catalog.transaction() as conn:
        conn.execute(
            "INSERT INTO images(content_id, bytes, width, height, format, date_key, phash, "
            "dhash, added_at) VALUES (?, 1000, 10, 10, 'JPEG', 0, 0, 0, 0)",
            (f"{n:032x}",),
        )
