"""The album share links (migration 21): reads and writes only. A link is found by the
SHA-256 of its token; tokens, passwords and the rules about expiry live in
indexing.curate.shares.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from indexing.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class ShareRow:
    id: int
    album: int
    album_path: str | None  # None: the album is gone
    password_hash: str | None
    created: float
    expires: float | None
    revoked: float | None

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "album_id": self.album,
            "album": self.album_path,
            "created": self.created,
            "expires": self.expires,
            "password": self.password_hash is not None,
            "revoked": self.revoked,
            "active": self.active(now),
        }

    def active(self, now: float) -> bool:
        return (
            self.revoked is None
            and self.album_path is not None
            and (self.expires is None or now < self.expires)
        )


_COLUMNS = "s.id, s.album, s.password_hash, s.created, s.expires, s.revoked"


def insert_share(
    conn: sqlite3.Connection,
    token_hash: str,
    album: int,
    password_hash: str | None,
    created: float,
    expires: float | None,
) -> int:
    return int(
        conn.execute(
            "INSERT INTO album_shares(token_hash, album, password_hash, created, expires) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_hash, album, password_hash, created, expires),
        ).lastrowid
        or 0
    )


def share_rows(catalog: Catalog, paths: dict[int, str]) -> list[ShareRow]:
    """Every link, newest first; paths: album id -> its path (a missing one: deleted)."""
    rows = catalog.conn.execute(
        f"SELECT {_COLUMNS} FROM album_shares s ORDER BY s.created DESC, s.id DESC"
    ).fetchall()
    return [_row(r, paths) for r in rows]


def share_by_hash(catalog: Catalog, token_hash: str, paths: dict[int, str]) -> ShareRow | None:
    row = catalog.conn.execute(
        f"SELECT {_COLUMNS} FROM album_shares s WHERE s.token_hash = ?", (token_hash,)
    ).fetchone()
    return None if row is None else _row(row, paths)


def revoke(conn: sqlite3.Connection, ids: list[int], now: float) -> int:
    """Revoke these links (those not revoked yet); how many were."""
    marks = ",".join("?" * len(ids))
    return conn.execute(
        f"UPDATE album_shares SET revoked = ? WHERE revoked IS NULL AND id IN ({marks})",
        [now, *ids],
    ).rowcount


def album_holds(catalog: Catalog, album: int, content_id: str) -> bool:
    """Whether the album holds this content and a file of it is present (not trashed)."""
    row = catalog.conn.execute(
        "SELECT 1 FROM album_items t JOIN images i ON i.content_id = t.content_id "
        "WHERE t.album = ? AND t.content_id = ? AND i.present_files > 0",
        (album, content_id),
    ).fetchone()
    return row is not None


def _row(row: Any, paths: dict[int, str]) -> ShareRow:
    return ShareRow(
        int(row[0]), int(row[1]), paths.get(int(row[1])), row[2], float(row[3]),
        None if row[4] is None else float(row[4]), None if row[5] is None else float(row[5]),
    )  # fmt: skip


def album_name(catalog: Catalog, album: int) -> str | None:
    """The album's own name (no folders, no count: cheap at every request); None: gone."""
    row = catalog.conn.execute("SELECT name FROM albums WHERE id = ?", (album,)).fetchone()
    return None if row is None else str(row[0])


def share_album(catalog: Catalog, token_hash: str) -> int | None:
    row = catalog.conn.execute(
        "SELECT album FROM album_shares WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return None if row is None else int(row[0])
