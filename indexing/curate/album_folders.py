"""Folders of albums as the user makes them: create one before any album is in it, rename or
move it, delete it. An empty folder stays (listed by `album list` and shown in the Albums
view) until the user deletes it.

Deleting a folder that still holds albums or folders takes a confirmation (`--yes`, or the
view's question) and then moves what it holds up one level, into its parent: the folder
goes, every album stays with its photos. Apple Photos and Lightroom delete the albums
inside a deleted folder; Pictor never deletes what the user made as a side effect, so the
albums move up instead (a name already taken there refuses the whole delete).

Names follow albums' rules (indexing.names.tag_paths): not empty, at most 200 characters,
no '/' at either end, unique (ignoring case) among the folders of the same parent. Every
check runs before the first write; each action is one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from indexing.errors import PictorError
from indexing.names.tag_paths import BadName, album_path
from indexing.store import album_folders as rows
from indexing.store import albums as album_rows
from indexing.store.album_folders import FolderRow
from indexing.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class FolderDeleted:
    folder: FolderRow
    moved_albums: int
    moved_folders: int
    into: str  # the parent's path, '' at the top

    def as_dict(self) -> dict[str, Any]:
        return {"deleted": self.folder.as_dict(), "moved_albums": self.moved_albums,
                "moved_folders": self.moved_folders, "into": self.into}  # fmt: skip


def parse_folder(text: str) -> tuple[list[str], str]:
    """'Trips/2024' -> (['Trips'], '2024'); one sentence when it is not a folder name."""
    try:
        return album_path(text, "folder")
    except BadName as exc:
        raise PictorError(str(exc)) from None


class AlbumFolders:
    """The folders of albums of one catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def listed(self) -> list[FolderRow]:
        return rows.folder_rows(self.catalog)

    def get(self, path: str) -> FolderRow:
        parents, name = parse_folder(path)
        found = album_rows.folder_id(self.catalog.conn, [*parents, name], None)
        if found is None or found == -1:
            raise PictorError(f"no folder of albums {path.strip()!r} (see: album list)")
        return next(f for f in self.listed() if f.id == found)

    def create(self, path: str) -> FolderRow:
        """A new, empty folder ('Trips/2024': Trips is made too if missing)."""
        parents, name = parse_folder(path)
        with self.catalog.transaction() as conn:
            parent = album_rows.folder_id(conn, parents, time.time())
            if rows.folder_in(conn, parent, name) is not None:
                raise PictorError(f"there is already a folder {'/'.join([*parents, name])!r}")
            made = rows.insert_folder(conn, parent, name, time.time())
        return next(f for f in self.listed() if f.id == made)

    def rename(self, path: str, new_path: str) -> FolderRow:
        """A new name in the same parent ('2024'), or a move into the folder named
        ('Archive/2024'; '/' at neither end); never into itself."""
        folder = self.get(path)
        parents, name = parse_folder(new_path)
        if "/" not in new_path.strip():
            parents = folder.path.split("/")[:-1]
        target = "/".join([*parents, name])
        if parents and (f"{'/'.join(parents)}/".lower()).startswith(f"{folder.path.lower()}/"):
            raise PictorError(f"a folder cannot go inside itself ({new_path.strip()!r})")
        with self.catalog.transaction() as conn:
            parent = album_rows.folder_id(conn, parents, time.time())
            other = rows.folder_in(conn, parent, name)
            if other is not None and other != folder.id:
                raise PictorError(f"there is already a folder {target!r}")
            rows.rename_folder(conn, folder.id, name, parent)
        return next(f for f in self.listed() if f.id == folder.id)

    def delete(self, path: str, move_up: bool = False) -> FolderDeleted:
        """Delete the folder. One that holds albums or folders needs move_up: they go into
        its parent (a name taken there refuses it all)."""
        folder = self.get(path)
        into = "/".join(folder.path.split("/")[:-1])
        there = repr(into) if into else "the top level"
        with self.catalog.transaction() as conn:
            albums, folders = rows.inside(conn, folder.id)
            if (albums or folders) and not move_up:
                held = ", ".join(
                    part for part in (_count(len(albums), "album"), _count(len(folders), "folder"))
                    if part
                )  # fmt: skip
                raise PictorError(
                    f"the folder {folder.path!r} holds {held}: confirm (album folder delete "
                    f"--yes) to move them up into {there} and delete it"
                )
            for album, name in albums:
                clash = album_rows.album_in(conn, folder.parent, name)
                if clash is not None and clash != album:
                    raise PictorError(
                        f"{there} already has an album {name!r}: rename one first; "
                        "nothing was changed"
                    )
            for child, name in folders:
                clash = rows.folder_in(conn, folder.parent, name)
                if clash not in (None, child, folder.id):  # itself: it goes, its name is free
                    raise PictorError(
                        f"{there} already has a folder {name!r}: rename one first; "
                        "nothing was changed"
                    )
            rows.set_aside(conn, folder.id)
            rows.move_contents(conn, folder.id, folder.parent)
            if not rows.delete_folder(conn, folder.id):  # pragma: no cover - checked above
                raise PictorError(f"the folder {folder.path!r} is not empty")
        return FolderDeleted(folder, len(albums), len(folders), into)


def _count(n: int, what: str) -> str:
    return "" if not n else f"{n:,} {what}" + ("" if n == 1 else "s")
