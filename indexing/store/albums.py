"""The album tables (migration 17): `album_folders` (nesting), `albums` and `album_items`
(album, content id, position). Reads and writes only; names, validation and the user's
actions are in indexing.curate.albums. Items hang off the content id, so an album keeps
its photos through renames, moves, re-indexing and the trash.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexing.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class AlbumRow:
    id: int
    name: str
    folder: str  # its folders, 'Trips/2024'; '' at the top
    cover: str | None  # a content id
    order_mode: str  # 'manual' or 'date'
    created: float
    count: int  # shown images (a file present)

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "folder": self.folder,
            "path": self.path,
            "cover": self.cover,
            "order": self.order_mode,
            "created": self.created,
            "count": self.count,
        }


def folder_id(conn: sqlite3.Connection, names: Sequence[str], now: float | None) -> int | None:
    """The id of the folder at this path (None: the top); created when now is given, else
    -1 when it does not exist."""
    parent: int | None = None
    for name in names:
        row = conn.execute(
            "SELECT id FROM album_folders WHERE IFNULL(parent, 0) = ? AND name = ? COLLATE NOCASE",
            (parent or 0, name),
        ).fetchone()
        if row is None:
            if now is None:
                return -1
            row = (
                conn.execute(
                    "INSERT INTO album_folders(name, parent, created) VALUES (?, ?, ?)",
                    (name, parent, now),
                ).lastrowid,
            )
        parent = int(row[0])
    return parent


def album_in(conn: sqlite3.Connection, folder: int | None, name: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM albums WHERE IFNULL(folder, 0) = ? AND name = ? COLLATE NOCASE",
        (folder or 0, name),
    ).fetchone()
    return None if row is None else int(row[0])


def albums_named(conn: sqlite3.Connection, name: str) -> list[int]:
    """Every album with this name, in any folder."""
    rows = conn.execute("SELECT id FROM albums WHERE name = ? COLLATE NOCASE ORDER BY id", (name,))
    return [int(row[0]) for row in rows]


def insert_album(
    conn: sqlite3.Connection, name: str, folder: int | None, order_mode: str, now: float
) -> int:
    return int(
        conn.execute(
            "INSERT INTO albums(name, folder, order_mode, created) VALUES (?, ?, ?, ?)",
            (name, folder, order_mode, now),
        ).lastrowid
        or 0
    )


def rename_album(conn: sqlite3.Connection, album: int, name: str, folder: int | None) -> None:
    conn.execute("UPDATE albums SET name = ?, folder = ? WHERE id = ?", (name, folder, album))


def delete_album(conn: sqlite3.Connection, album: int) -> int:
    """Delete the album and its item rows (never the photos); how many items it had."""
    items = conn.execute("DELETE FROM album_items WHERE album = ?", (album,)).rowcount
    conn.execute("DELETE FROM albums WHERE id = ?", (album,))
    return items


def set_cover(conn: sqlite3.Connection, album: int, content_id: str | None) -> None:
    conn.execute("UPDATE albums SET cover = ? WHERE id = ?", (content_id, album))


def set_cover_if_none(conn: sqlite3.Connection, album: int, content_id: str) -> None:
    conn.execute("UPDATE albums SET cover = ? WHERE id = ? AND cover IS NULL", (content_id, album))


def set_order(conn: sqlite3.Connection, album: int, order_mode: str) -> None:
    conn.execute("UPDATE albums SET order_mode = ? WHERE id = ?", (order_mode, album))


def add_items(conn: sqlite3.Connection, album: int, content_ids: Sequence[str], now: float) -> int:
    """Append these contents (those not in it yet), in the order given; how many were added.
    One statement over a JSON array inside the caller's transaction, inserted in content id
    order so both indexes fill in sequence: 100,000 ids in about 0.2 s."""
    (last,) = conn.execute(
        "SELECT COALESCE(MAX(position), -1) FROM album_items WHERE album = ?", (album,)
    ).fetchone()
    return conn.execute(
        "INSERT OR IGNORE INTO album_items(album, content_id, position, added) "
        "SELECT ?, j.value, ? + j.key, ? FROM json_each(?) j ORDER BY j.value",
        (album, last + 1, now, json.dumps(list(content_ids))),
    ).rowcount


def remove_items(conn: sqlite3.Connection, album: int, content_ids: Sequence[str]) -> int:
    removed = conn.execute(
        "DELETE FROM album_items WHERE album = ? AND content_id IN "
        "(SELECT value FROM json_each(?))",
        (album, json.dumps(list(content_ids))),
    ).rowcount
    conn.execute(
        "UPDATE albums SET cover = NULL WHERE id = ? AND cover IS NOT NULL AND cover NOT IN "
        "(SELECT content_id FROM album_items WHERE album = ?)",
        (album, album),
    )
    return removed


def put_item(conn: sqlite3.Connection, album: int, content_id: str, position: int, at: float):
    """One item as a backup holds it (kept if the album already has it)."""
    conn.execute(
        "INSERT OR IGNORE INTO album_items(album, content_id, position, added) VALUES (?, ?, ?, ?)",
        (album, content_id, position, at),
    )


def _folder_paths(conn: sqlite3.Connection) -> dict[int, str]:
    rows = conn.execute("SELECT id, name, parent FROM album_folders").fetchall()
    by_id = {int(r[0]): (r[1], r[2]) for r in rows}
    paths: dict[int, str] = {}

    def path(fid: int) -> str:
        if fid not in paths:
            name, parent = by_id[fid]
            paths[fid] = f"{path(parent)}/{name}" if parent is not None else name
        return paths[fid]

    for fid in by_id:
        path(fid)
    return paths


def folder_paths(conn: sqlite3.Connection) -> dict[int, str]:
    """Every folder's id and its path ('Trips/2024')."""
    return _folder_paths(conn)


def album_rows(catalog: Catalog, ids: Sequence[int] | None = None) -> list[AlbumRow]:
    """Albums (all, or these), by folder path then name, with their shown images counted."""
    conn = catalog.conn
    where = f"WHERE a.id IN ({','.join('?' * len(ids))})" if ids is not None else ""
    rows = conn.execute(
        "SELECT a.id, a.name, a.folder, a.cover, a.order_mode, a.created, "
        "(SELECT COUNT(*) FROM album_items t JOIN images i ON i.content_id = t.content_id "
        " WHERE t.album = a.id AND i.present_files > 0) "
        f"FROM albums a {where}",
        list(ids or ()),
    ).fetchall()
    folders = _folder_paths(conn)
    out = [
        AlbumRow(int(r[0]), r[1], folders.get(r[2], "") if r[2] is not None else "", r[3],
                 r[4], r[5], int(r[6]))
        for r in rows
    ]  # fmt: skip
    return sorted(out, key=lambda a: (a.path.lower(), a.id))


def item_ids(catalog: Catalog, album: int, by_date: bool, shown_only: bool = True) -> list[str]:
    """The album's content ids, in its order: by position, or by date taken (oldest first)."""
    order = "i.date_key, t.position, t.content_id" if by_date else "t.position, t.content_id"
    shown = "AND i.present_files > 0" if shown_only else ""
    rows = catalog.conn.execute(
        "SELECT t.content_id FROM album_items t JOIN images i ON i.content_id = t.content_id "
        f"WHERE t.album = ? {shown} ORDER BY {order}",
        (album,),
    )
    return [row[0] for row in rows]


def in_albums(albums: Sequence[int]) -> tuple[str, list[Any]]:
    """A condition over images `i`: in one of these albums (none: nothing)."""
    if not albums:
        return "0", []
    marks = ",".join("?" * len(albums))
    return (
        f"i.content_id IN (SELECT t.content_id FROM album_items t WHERE t.album IN ({marks}))",
        list(albums),
    )


def absent_ids(conn: sqlite3.Connection, content_ids: Sequence[str]) -> list[str]:
    """Which of these contents no present file shows (trashed, missing or unknown), in the
    order given. Probed in content id order: 100,000 ids in about 0.25 s."""
    rows = conn.execute(
        "SELECT j.value FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM images i "
        "WHERE i.content_id = j.value AND i.present_files > 0)",
        (json.dumps(sorted(content_ids)),),
    ).fetchall()
    absent = {row[0] for row in rows}
    return [cid for cid in content_ids if cid in absent] if absent else []


def export_rows(catalog: Catalog) -> list[tuple[AlbumRow, list[tuple[str, int, float]]]]:
    """Every album with all its items (content id, position, added), shown or not."""
    out = []
    for album in album_rows(catalog):
        items = catalog.conn.execute(
            "SELECT content_id, position, added FROM album_items WHERE album = ? "
            "ORDER BY position, content_id",
            (album.id,),
        ).fetchall()
        out.append((album, [(r[0], int(r[1]), float(r[2])) for r in items]))
    return out


def _folder_of(folders: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL for the id of the folder at this path (0 at the top), as nested subqueries."""
    sql = "0"
    params: list[Any] = []
    for name in folders:
        sql = (
            "(SELECT id FROM album_folders WHERE name = ? COLLATE NOCASE "
            f"AND IFNULL(parent, 0) = {sql})"
        )
        params = [name, *params]
    return sql, params


def in_album_named(folders: Sequence[str], name: str) -> tuple[str, list[Any]]:
    """A condition over images `i`: in the album of this name (with folders: in that folder;
    without: any album of that name, whatever its folder)."""
    where = "a.name = ? COLLATE NOCASE"
    params: list[Any] = [name]
    if folders:
        folder_sql, folder_params = _folder_of(folders)
        where += f" AND IFNULL(a.folder, 0) = {folder_sql}"
        params += folder_params
    return (
        "i.content_id IN (SELECT t.content_id FROM album_items t JOIN albums a ON a.id = t.album "
        f"WHERE {where})",
        params,
    )


def in_album_probe(folders: Sequence[str], name: str) -> tuple[str, list[Any]]:
    """in_album_named as a probe of each image's own memberships (album_items_content): for
    walking a sort index, where the IN list would first be built whole (~50 ms at 100,000)."""
    where = "a.name = ? COLLATE NOCASE"
    params: list[Any] = [name]
    if folders:
        folder_sql, folder_params = _folder_of(folders)
        where += f" AND IFNULL(a.folder, 0) = {folder_sql}"
        params += folder_params
    return (
        "EXISTS (SELECT 1 FROM album_items t JOIN albums a ON a.id = t.album "
        f"WHERE t.content_id = i.content_id AND {where})",
        params,
    )


def album_ids(conn: sqlite3.Connection, folders: Sequence[str], name: str) -> list[int]:
    """The albums a name (with its folders, if given) names."""
    if not folders:
        return albums_named(conn, name)
    folder = folder_id(conn, folders, None)
    if folder == -1:
        return []
    found = album_in(conn, folder, name)
    return [] if found is None else [found]
