"""Albums: what the user does with them. Create one (in folders of albums: 'Trips/2024/Summer'),
add and remove images, rename or move it, pick a cover and an order, delete it (the photos
stay). Every check runs before the first write, and each action is one transaction, so a
bad name, a duplicate, a trashed image or an unknown album changes nothing and says why in
one sentence. Items hang off the content id (indexing.store.albums).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexing.errors import PictorError
from indexing.names.tag_paths import BadName, album_path
from indexing.store import albums as rows
from indexing.store import smart_albums
from indexing.store.albums import AlbumRow
from indexing.store.catalog import Catalog

ORDERS = ("date", "manual")


@dataclass(frozen=True, slots=True)
class AlbumChange:
    album: AlbumRow
    changed: int  # images added or removed
    unchanged: int  # already in it (add) or not in it (remove)

    def as_dict(self) -> dict[str, Any]:
        return {"album": self.album.as_dict(), "changed": self.changed, "unchanged": self.unchanged}


def parse_path(text: str) -> tuple[list[str], str]:
    try:
        return album_path(text)
    except BadName as exc:
        raise PictorError(str(exc)) from None


def absent_problem(catalog: Catalog, content_ids: Sequence[str]) -> str | None:
    """One sentence if any of these contents is trashed, missing or unknown."""
    absent = rows.absent_ids(catalog.conn, content_ids)
    if not absent:
        return None
    return (
        f"{len(absent):,} of the {len(content_ids):,} images are in the trash or not in the "
        f"library (first: {absent[0]}); nothing was changed"
    )


class Albums:
    """The albums of one catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def listed(self) -> list[AlbumRow]:
        return rows.album_rows(self.catalog)

    def get(self, path: str) -> AlbumRow:
        """The album this name or 'Folder/Name' path names; one sentence when none or many."""
        folders, name = parse_path(path)
        ids = rows.album_ids(self.catalog.conn, folders, name)
        if not ids:
            raise PictorError(f"no album named {path.strip()!r} (see: album list)")
        found = rows.album_rows(self.catalog, ids)
        if len(found) > 1:
            where = ", ".join(repr(a.path) for a in found[:3])
            raise PictorError(f"{len(found)} albums are named {name!r} ({where}); give its folder")
        return found[0]

    def create(self, path: str, order: str = "date") -> AlbumRow:
        folders, name = parse_path(path)
        _check_order(order)
        with self.catalog.transaction() as conn:
            folder = rows.folder_id(conn, folders, time.time())
            if rows.album_in(conn, folder, name) is not None:
                raise PictorError(f"there is already an album {path.strip()!r}")
            album = rows.insert_album(conn, name, folder, order, time.time())
        return rows.album_rows(self.catalog, [album])[0]

    def add(self, path: str, content_ids: Sequence[str]) -> AlbumChange:
        album = self.get(path)
        self._not_smart(album)
        ids = list(dict.fromkeys(content_ids))
        if not ids:
            raise PictorError("no images to add")
        with self.catalog.transaction() as conn:
            problem = absent_problem(self.catalog, ids)
            if problem:
                raise PictorError(problem)
            added = rows.add_items(conn, album.id, ids, time.time())
            if album.cover is None:
                rows.set_cover(conn, album.id, ids[0])
        return AlbumChange(self.get(album.path), added, len(ids) - added)

    def remove(self, path: str, content_ids: Sequence[str]) -> AlbumChange:
        album = self.get(path)
        self._not_smart(album)
        ids = list(dict.fromkeys(content_ids))
        with self.catalog.transaction() as conn:
            removed = rows.remove_items(conn, album.id, ids)
        return AlbumChange(self.get(album.path), removed, len(ids) - removed)

    def rename(self, path: str, new_path: str) -> AlbumRow:
        """A new name in the same folder ('Best of'), or in the folder named ('Trips/Best of';
        a name alone keeps the album's folder)."""
        album = self.get(path)
        folders, name = parse_path(new_path)
        if "/" not in new_path and album.folder:
            folders = album.folder.split("/")
        with self.catalog.transaction() as conn:
            folder = rows.folder_id(conn, folders, time.time())
            other = rows.album_in(conn, folder, name)
            if other is not None and other != album.id:
                raise PictorError(f"there is already an album {new_path.strip()!r}")
            rows.rename_album(conn, album.id, name, folder)
        return rows.album_rows(self.catalog, [album.id])[0]

    def delete(self, path: str) -> AlbumRow:
        """Delete the album; its photos stay in the library."""
        album = self.get(path)
        with self.catalog.transaction() as conn:
            rows.delete_album(conn, album.id)
        return album

    def set_cover(self, path: str, content_id: str) -> AlbumRow:
        album = self.get(path)
        if content_id not in self.items(album):
            raise PictorError(f"the cover must be one of the album's images ({album.path!r})")
        with self.catalog.transaction() as conn:
            rows.set_cover(conn, album.id, content_id)
        return self.get(album.path)

    def set_order(self, path: str, order: str) -> AlbumRow:
        _check_order(order)
        album = self.get(path)
        with self.catalog.transaction() as conn:
            rows.set_order(conn, album.id, order)
        return self.get(album.path)

    def _not_smart(self, album: AlbumRow) -> None:
        if smart_albums.query_of(self.catalog, album.id) is not None:
            raise PictorError(
                f"{album.path!r} is a smart album: its images are those its query finds, "
                "so images cannot be added or removed by hand"
            )

    def items(self, album: AlbumRow) -> list[str]:
        """Its shown images' content ids, in the album's order."""
        return rows.item_ids(self.catalog, album.id, by_date=album.order_mode == "date")


def _check_order(order: str) -> None:
    if order not in ORDERS:
        raise PictorError(f"an album's order is one of {', '.join(ORDERS)} (got {order!r})")
