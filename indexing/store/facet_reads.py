"""The facet index's reads: its position in facet_log (and facet_state's token), the images
changed since, and the rows of images, present files' folders and subject tags that fill
its columns (indexing.query.facet_index).

Every read here runs in the caller's transaction; read_snapshot opens one when none is open,
so that the log and every table read are of the same moment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from indexing.store.catalog import Catalog

_INSIDE = "(SELECT value FROM json_each(?))"


@contextmanager
def read_snapshot(catalog: Catalog) -> Iterator[None]:
    """One read transaction around the block, unless the caller already has one open."""
    conn = catalog.conn
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own:
            conn.execute("COMMIT")


def position(catalog: Catalog) -> tuple[int, str]:
    """(the last seq written to facet_log, or 0; facet_state's token)."""
    conn = catalog.conn
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'facet_log'").fetchone()
    token = conn.execute("SELECT token FROM facet_state").fetchone()[0]
    return (row[0] if row else 0), token


def changed_since(catalog: Catalog, since: int, limit: int) -> list[int] | None:
    """The image rowids logged after since (up to limit + 1 of them, NULL for a root change),
    or None when the log no longer reaches back that far."""
    conn = catalog.conn
    oldest = conn.execute("SELECT MIN(seq) FROM facet_log").fetchone()[0]
    if oldest is None or oldest > since + 1:
        return None
    rows = conn.execute(
        "SELECT DISTINCT image FROM facet_log WHERE seq > ? LIMIT ?", (since, limit + 1)
    ).fetchall()
    return [row[0] for row in rows]


def present_image_rows(catalog: Catalog, columns: str) -> list[Any]:
    """These columns of every image with a present file, in rowid order."""
    return catalog.conn.execute(
        f"SELECT {columns} FROM images WHERE present_files > 0 ORDER BY rowid"
    ).fetchall()


def image_rows_of(catalog: Catalog, columns: str, rowids: list[int]) -> list[Any]:
    """These columns of the images of these rowids that have a present file, in rowid order."""
    return catalog.conn.execute(
        f"SELECT {columns} FROM images WHERE rowid IN {_INSIDE} AND present_files > 0 "
        "ORDER BY rowid",
        (json.dumps(rowids),),
    ).fetchall()


def country_name(catalog: Catalog, cc: str) -> str | None:
    """The country name recorded with this country code, if any image has one."""
    for (name,) in catalog.conn.execute(
        "SELECT place_country FROM images WHERE place_cc = ? AND place_country IS NOT NULL LIMIT 1",
        (cc,),
    ):
        return name
    return None


def folder_counts(catalog: Catalog) -> Iterator[tuple[str | None, int]]:
    """(folder, present files in it), in the files_folder index's order."""
    return iter(
        catalog.conn.execute(
            "SELECT folder, COUNT(*) FROM files INDEXED BY files_folder WHERE status = 'present' "
            "GROUP BY folder ORDER BY folder"
        )
    )


def folder_rowids(catalog: Catalog) -> Iterator[Any]:
    """The image rowid of each present file, in the same order as folder_counts."""
    return iter(
        catalog.conn.execute(
            "SELECT i.rowid FROM files f INDEXED BY files_folder JOIN images i "
            "ON i.content_id = f.content_id WHERE f.status = 'present' ORDER BY f.folder"
        )
    )


def tag_counts(catalog: Catalog) -> Iterator[tuple[str, int]]:
    """(subject tag, images with it), in the subjects_tag index's order."""
    return iter(
        catalog.conn.execute(
            "SELECT tag, COUNT(*) FROM subjects INDEXED BY subjects_tag GROUP BY tag ORDER BY tag"
        )
    )


def tag_rowids(catalog: Catalog) -> Iterator[Any]:
    """The image rowid of each subject tag, in the same order as tag_counts."""
    return iter(
        catalog.conn.execute(
            "SELECT i.rowid FROM subjects s INDEXED BY subjects_tag JOIN images i "
            "ON i.content_id = s.content_id ORDER BY s.tag"
        )
    )


def present_folders_of(catalog: Catalog, rowids: list[int]) -> list[Any]:
    """(image rowid, folder) of each present file of these images."""
    return catalog.conn.execute(
        "SELECT i.rowid, f.folder FROM files f JOIN images i ON i.content_id = f.content_id "
        f"WHERE i.rowid IN {_INSIDE} AND f.status = 'present' AND i.present_files > 0",
        (json.dumps(rowids),),
    ).fetchall()


def tags_of(catalog: Catalog, rowids: list[int]) -> list[Any]:
    """(image rowid, subject tag) of each tag of these images that have a present file."""
    return catalog.conn.execute(
        "SELECT i.rowid, s.tag FROM subjects s JOIN images i ON i.content_id = s.content_id "
        f"WHERE i.rowid IN {_INSIDE} AND i.present_files > 0",
        (json.dumps(rowids),),
    ).fetchall()


def content_ids_of(catalog: Catalog, rowids: list[int]) -> dict[int, str]:
    """{image rowid: content id} of these rowids."""
    return dict(
        catalog.conn.execute(
            f"SELECT rowid, content_id FROM images WHERE rowid IN {_INSIDE}",
            (json.dumps(rowids),),
        ).fetchall()
    )


def rowids_where(catalog: Catalog, where: str, params: list[Any]) -> list[int]:
    """The rowids of the images (as `i`) that meet the condition."""
    return [
        row[0]
        for row in catalog.conn.execute(f"SELECT i.rowid FROM images i WHERE {where}", params)
    ]
