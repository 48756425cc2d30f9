"""Bulk-loading a synthetic catalog for benchmarks: rows in, indexes and triggers after.

Inserting a million rows through the indexes and triggers would take longer than the
measurements themselves, so a bulk load does what an import tool would: drop them, insert
with executemany in one transaction, recreate them, then gather the planner statistics
that the app gathers at the end of an index run (Catalog.refresh_statistics).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from indexing.store.catalog import Catalog

TABLES = ("images", "files", "embeddings", "ratings", "predictions")


def content_ids(count: int) -> list[str]:
    """count distinct, sorted, uniform content ids (like BLAKE2b-128 of real files)."""
    return sorted(
        hashlib.blake2b(str(n).encode(), digest_size=16).hexdigest() for n in range(count)
    )


@contextmanager
def bulk_load(path: Path, analyze: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection to a fresh catalog with its indexes and triggers off until the end.

    analyze=False leaves out the planner statistics, as in a catalog that has never
    finished an index run.
    """
    with Catalog(path) as catalog:
        conn = catalog.conn
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        marks = ",".join("?" * len(TABLES))
        schema = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND tbl_name IN ({marks}) AND sql IS NOT NULL",
            TABLES,
        ).fetchall()
        conn.execute("BEGIN")
        for kind, name, _ in schema:
            conn.execute(f"DROP {kind.upper()} {name}")
        yield conn
        for _, _, sql in schema:
            conn.execute(sql)
        conn.execute("COMMIT")
        if analyze:
            catalog.refresh_statistics()


def insert_images(
    conn: sqlite3.Connection,
    ids: list[str],
    row: Callable[[int, str], tuple],
    path: Callable[[int], str],
) -> None:
    """images rows from row(n, content_id) (the columns below), and one present file each."""
    conn.executemany(
        "INSERT INTO images(content_id, bytes, width, height, format, taken_at, date_key, "
        "phash, dhash, added_at, present_files, name_key, rating_key, rating_source) "
        "VALUES (?, ?, ?, ?, ?, NULL, ?, 0, 0, ?, 1, ?, ?, ?)",
        (row(n, cid) for n, cid in enumerate(ids)),
    )
    conn.executemany(
        "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
        "VALUES (?, ?, 1, 1, 0, 0, 'present')",
        ((path(n), cid) for n, cid in enumerate(ids)),
    )
