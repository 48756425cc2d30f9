"""The saved query of a smart album (migration 22): one JSON text per album row. What the
query means, its version and how it runs are in indexing.curate.smart_albums; this module
only reads and writes it, and gives the SQL condition a resolved smart album filters by.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from indexing.store.catalog import Catalog


def put_query(conn: sqlite3.Connection, album: int, query: str) -> None:
    conn.execute(
        "INSERT INTO smart_albums(album, query) VALUES (?, ?) "
        "ON CONFLICT(album) DO UPDATE SET query = excluded.query",
        (album, query),
    )


def query_of(catalog: Catalog, album: int) -> str | None:
    row = catalog.conn.execute(
        "SELECT query FROM smart_albums WHERE album = ?", (album,)
    ).fetchone()
    return None if row is None else str(row[0])


def smart_queries(catalog: Catalog) -> dict[int, str]:
    """Every smart album's id and its saved query."""
    return {
        int(r[0]): str(r[1]) for r in catalog.conn.execute("SELECT album, query FROM smart_albums")
    }


def among(content_ids: Sequence[str]) -> tuple[str, list[Any]]:
    """A condition over images `i`: one of these contents (a smart album, resolved)."""
    return (
        "i.content_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(content_ids))],
    )


def ordered_ids(
    catalog: Catalog, condition: tuple[str, list[Any]], order: str, limit: int | None = None
) -> list[str]:
    """Every content id meeting the condition (or its first `limit`), in one query, ordered
    by `order` (SQL over images `i` from the query layer's fixed sort columns, never user
    text): a smart album of 100,000 images in well under a second, where paging the listing
    would be quadratic."""
    clause, params = condition
    cursor = catalog.conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        f"SELECT i.content_id FROM images i WHERE {clause} ORDER BY {order} LIMIT ?",
        [*params, -1 if limit is None else int(limit)],
    )
    return [row[0] for row in rows]
