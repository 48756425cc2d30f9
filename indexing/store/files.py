"""Reads of the files table that the front ends and curation share: a path's content, and
a content's present files. (The indexer's writes of the table are the catalog's.)"""

from __future__ import annotations

import os

from indexing.errors import PictorError
from indexing.store.catalog import Catalog, path_range


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


def present_content_id(catalog: Catalog, path: str) -> str | None:
    """The content of the file at exactly this path, if it is present."""
    row = catalog.conn.execute(
        "SELECT content_id FROM files WHERE path = ? AND status = 'present'", (path,)
    ).fetchone()
    return None if row is None else row[0]


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


def first_present_paths(catalog: Catalog, ids: list[str]) -> dict[str, str]:
    """content id -> the first (by path) of its present files."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return dict(
        catalog.conn.execute(
            f"SELECT content_id, MIN(path) FROM files WHERE content_id IN ({marks}) "
            "AND status = 'present' GROUP BY content_id",
            ids,
        ).fetchall()
    )


def present_paths(
    catalog: Catalog, ids: list[str], oldest_first: bool = False
) -> dict[str, list[str]]:
    """content id -> its present files, by path (or oldest file first, then by path)."""
    order = "mtime_ns, path" if oldest_first else "path"
    out: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = catalog.conn.execute(
            f"SELECT content_id, path FROM files WHERE status = 'present' "
            f"AND content_id IN ({','.join('?' * len(chunk))}) ORDER BY {order}",
            chunk,
        )
        for row in rows:
            out.setdefault(row[0], []).append(row[1])
    return out


def present_under(folder: str) -> tuple[str, list[str]]:
    """A condition over images `i`: a file of the image is present under folder."""
    lo, hi = path_range(folder)
    return (
        "EXISTS (SELECT 1 FROM files f WHERE f.content_id = i.content_id "
        "AND f.status = 'present' AND f.path >= ? AND f.path < ?)",
        [lo, hi],
    )


def count_present_between(catalog: Catalog, after: str, before: str) -> int:
    """How many present files have a path strictly between after and before."""
    return catalog.conn.execute(
        "SELECT COUNT(*) FROM files WHERE status = 'present' AND path > ? AND path < ?",
        (after, before),
    ).fetchone()[0]


def next_present_between(catalog: Catalog, after: str, before: str) -> tuple[str, str] | None:
    """(path, content id) of the first present file strictly between after and before."""
    return catalog.conn.execute(
        "SELECT path, content_id FROM files WHERE status = 'present' AND path > ? AND path < ? "
        "ORDER BY path LIMIT 1",
        (after, before),
    ).fetchone()
