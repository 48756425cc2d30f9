"""Change an album's manual order: move images to the start, the end, a position, or just
before or after another image of the album; or one step earlier or later (the viewer's
buttons). The order is kept per album by content id (indexing.store.album_order), so it
survives renames, moves, re-indexing and the trash, and the ratings backup keeps it.

Moving images in an album shown by date makes its order manual, starting from the date
order it showed (as a photo app's "custom order" starts from what was on screen). A smart
album's order is its query's sort: it cannot be moved by hand. Every check runs before the
first write; a move is one transaction of at most three statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexing.curate.albums import Albums
from indexing.errors import PictorError
from indexing.store import album_order as rows
from indexing.store import albums as album_rows
from indexing.store import smart_albums
from indexing.store.albums import AlbumRow
from indexing.store.catalog import Catalog

PLACES = ("first", "last")


@dataclass(frozen=True, slots=True)
class Where:
    """Where moved images go: exactly one of first, last, to (1-based), before, after."""

    first: bool = False
    last: bool = False
    to: int | None = None
    before: str | None = None  # a content id of the album
    after: str | None = None

    def __post_init__(self) -> None:
        given = [self.first, self.last, self.to is not None, self.before is not None,
                 self.after is not None]  # fmt: skip
        if sum(given) != 1:
            raise PictorError(
                "say where to: --to N, --before PATH, --after PATH, --first or --last"
            )
        if self.to is not None and self.to < 1:
            raise PictorError(f"--to counts from 1 (the first image); got {self.to}")

    @property
    def anchor(self) -> str | None:
        return self.before or self.after


@dataclass(frozen=True, slots=True)
class Moved:
    album: AlbumRow
    moved: int
    at: int  # the 1-based place of the first moved image in the album's order now
    order_was: str  # 'date' when the move made the order manual

    def as_dict(self) -> dict[str, Any]:
        return {"album": self.album.as_dict(), "moved": self.moved, "at": self.at,
                "order_was": self.order_was}  # fmt: skip


class AlbumOrder:
    """The manual order of the albums of one catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.albums = Albums(catalog)

    def move(self, path: str, content_ids: Sequence[str], where: Where) -> Moved:
        return self._move(self.albums.get(path), content_ids, where)

    def _move(self, album: AlbumRow, content_ids: Sequence[str], where: Where) -> Moved:
        ids = list(dict.fromkeys(content_ids))
        self._check(album, ids, where)
        conn = self.catalog.conn
        with self.catalog.transaction():
            if album.order_mode != "manual":
                rows.renumber_by_date(conn, album.id)
                album_rows.set_order(conn, album.id, "manual")
            else:
                rows.renumber_if_tied(conn, album.id)  # tied positions: dense first
            rows.place(conn, album.id, ids, self._before(album.id, ids, where))
        now = album_rows.album_rows(self.catalog, [album.id])[0]
        return Moved(now, len(ids), rows.shown_place(conn, album.id, ids[0]), album.order_mode)

    def step(self, path: str, content_id: str, later: bool) -> Moved:
        """Swap the image with its neighbour before (or after) it in the album's order."""
        return self._step(self.albums.get(path), content_id, later)

    def step_in(self, album_id: int, content_id: str, later: bool) -> Moved:
        """step, in the album of this id (the viewer's: whatever it was renamed to since)."""
        found = album_rows.album_rows(self.catalog, [album_id])
        if not found:
            raise PictorError("this album was deleted meanwhile")
        return self._step(found[0], content_id, later)

    def _step(self, album: AlbumRow, content_id: str, later: bool) -> Moved:
        self._check(album, [content_id], None)
        if album.order_mode != "manual":
            raise PictorError(
                f"{album.path!r} is shown by date: choose its manual order to move images"
            )
        other = rows.neighbour(self.catalog.conn, album.id, content_id, later)
        if other is None:
            raise PictorError(f"it is already the {'last' if later else 'first'} image")
        where = Where(after=other) if later else Where(before=other)
        return self._move(album, [content_id], where)

    def _check(self, album: AlbumRow, ids: list[str], where: Where | None) -> None:
        if smart_albums.query_of(self.catalog, album.id) is not None:
            raise PictorError(
                f"{album.path!r} is a smart album: its order is its query's sort "
                "(album create --smart --sort ...), not moved by hand"
            )
        if not ids:
            raise PictorError("no images to move")
        missing = rows.not_in_album(self.catalog.conn, album.id, ids)
        if missing:
            raise PictorError(
                f"{len(missing):,} of the {len(ids):,} images are not in {album.path!r} "
                f"(first: {missing[0]}); nothing was moved"
            )
        anchor = where.anchor if where is not None else None
        if anchor is not None:
            if anchor in ids:
                raise PictorError("an image cannot be moved before or after itself")
            if rows.not_in_album(self.catalog.conn, album.id, [anchor]):
                raise PictorError(f"the image to move next to is not in {album.path!r}")

    def _before(self, album: int, ids: list[str], where: Where) -> int | None:
        """The position the moved images go just before (None: after the last)."""
        conn = self.catalog.conn
        if where.last:
            return None
        if where.first:
            return rows.shown_position(conn, album, ids, 0)
        if where.to is not None:
            return rows.shown_position(conn, album, ids, where.to - 1)
        if where.before is not None:
            return rows.position_of(conn, album, where.before)
        assert where.after is not None
        here = rows.position_of(conn, album, where.after)
        return None if here is None else rows.shown_after(conn, album, ids, here)
