"""The folders of albums (`album_folders`, migration 17) as things of their own: listed with
what they hold (so an empty one shows), renamed or moved, and deleted. Reads and writes
only; names, checks and what a delete does with what the folder holds are in
indexing.curate.album_folders.

Foreign keys are on and migration 17 made `albums.folder` and `album_folders.parent`
cascade: deleting a folder row would delete what it holds. `delete_folder` therefore
refuses (IntegrityError-free: it checks first) unless the folder is empty by then.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from indexing.store.albums import folder_paths
from indexing.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class FolderRow:
    id: int
    path: str  # 'Trips/2024'
    parent: int | None
    created: float
    albums: int  # albums directly in it
    folders: int  # folders directly in it

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def empty(self) -> bool:
        return not self.albums and not self.folders

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "path": self.path,
            "created": self.created,
            "albums": self.albums,
            "folders": self.folders,
            "empty": self.empty,
        }


def folder_rows(catalog: Catalog) -> list[FolderRow]:
    """Every folder, by path, with how many albums and folders it holds directly."""
    conn = catalog.conn
    paths = folder_paths(conn)
    rows = conn.execute(
        "SELECT f.id, f.parent, f.created, "
        "(SELECT COUNT(*) FROM albums a WHERE a.folder = f.id), "
        "(SELECT COUNT(*) FROM album_folders c WHERE c.parent = f.id) FROM album_folders f"
    ).fetchall()
    out = [
        FolderRow(int(r[0]), paths[int(r[0])], r[1], float(r[2]), int(r[3]), int(r[4]))
        for r in rows
    ]
    return sorted(out, key=lambda f: (f.path.lower(), f.id))


def folder_in(conn: sqlite3.Connection, parent: int | None, name: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM album_folders WHERE IFNULL(parent, 0) = ? AND name = ? COLLATE NOCASE",
        (parent or 0, name),
    ).fetchone()
    return None if row is None else int(row[0])


def insert_folder(conn: sqlite3.Connection, parent: int | None, name: str, now: float) -> int:
    return int(
        conn.execute(
            "INSERT INTO album_folders(name, parent, created) VALUES (?, ?, ?)",
            (name, parent, now),
        ).lastrowid
        or 0
    )


def rename_folder(conn: sqlite3.Connection, folder: int, name: str, parent: int | None) -> None:
    conn.execute(
        "UPDATE album_folders SET name = ?, parent = ? WHERE id = ?", (name, parent, folder)
    )


def inside(
    conn: sqlite3.Connection, folder: int
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What the folder holds directly: its albums and its folders, as (id, name)."""
    albums = conn.execute("SELECT id, name FROM albums WHERE folder = ?", (folder,)).fetchall()
    folders = conn.execute(
        "SELECT id, name FROM album_folders WHERE parent = ?", (folder,)
    ).fetchall()
    return [(int(a), str(n)) for a, n in albums], [(int(f), str(n)) for f, n in folders]


def set_aside(conn: sqlite3.Connection, folder: int) -> None:
    """Give a folder about to be deleted (in this transaction) a name no folder can have
    (''), so a folder it holds may take its name in its parent ('Trips/Trips' up to the top
    as 'Trips')."""
    conn.execute("UPDATE album_folders SET name = '' WHERE id = ?", (folder,))


def move_contents(conn: sqlite3.Connection, folder: int, parent: int | None) -> None:
    """Its albums and folders into parent (None: the top)."""
    conn.execute("UPDATE albums SET folder = ? WHERE folder = ?", (parent, folder))
    conn.execute("UPDATE album_folders SET parent = ? WHERE parent = ?", (parent, folder))


def delete_folder(conn: sqlite3.Connection, folder: int) -> bool:
    """Delete the folder if it holds nothing (never cascading into albums); whether it went."""
    albums, folders = inside(conn, folder)
    if albums or folders:
        return False
    conn.execute("DELETE FROM album_folders WHERE id = ?", (folder,))
    return True


def descendants(conn: sqlite3.Connection, folder: int) -> set[int]:
    """The folder and every folder inside it, at any depth."""
    rows = conn.execute(
        "WITH RECURSIVE below(id) AS (SELECT ? UNION SELECT f.id FROM album_folders f "
        "JOIN below b ON f.parent = b.id) SELECT id FROM below",
        (folder,),
    ).fetchall()
    return {int(r[0]) for r in rows}
