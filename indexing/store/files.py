"""Reads of the files table that the front ends and curation share: a path's content, and
a content's present files. (The indexer's writes of the table are the catalog's.)"""

from __future__ import annotations

import os

from indexing.errors import PictorError
from indexing.store.catalog import Catalog


def content_id_for_path(catalog: Catalog, path: str) -> str:
    """The content of a present file of the library, or one clear sentence why not."""
    full = os.path.abspath(os.path.expanduser(path))
    row = catalog.conn.execute(
        "SELECT content_id, status FROM files WHERE path = ?", (full,)
    ).fetchone()
    if row is None:
        raise PictorError(f"not in the library: {full} (index its folder first)")
    if row[1] != "present":
        raise PictorError(f"{full} is no longer there (missing since the last index)")
    return row[0]


def present_paths_of(catalog: Catalog, content_id: str) -> list[str]:
    rows = catalog.conn.execute(
        "SELECT path FROM files WHERE content_id = ? AND status = 'present' ORDER BY path",
        (content_id,),
    )
    return [row[0] for row in rows]


def file_row(catalog: Catalog, path: str) -> tuple[str, str, int, int] | None:
    """(content id, status, size, mtime_ns) the catalog records for a path, if any."""
    return catalog.conn.execute(
        "SELECT content_id, status, size, mtime_ns FROM files WHERE path = ?", (path,)
    ).fetchone()


def paths_of(catalog: Catalog, content_id: str) -> list[tuple[str, str]]:
    """(path, status) of every file of a content, present ones first."""
    return catalog.conn.execute(
        "SELECT path, status FROM files WHERE content_id = ? ORDER BY status DESC, path",
        (content_id,),
    ).fetchall()
