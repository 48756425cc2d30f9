"""The trash_log table: a row per move into the trash, written before the move happens.

A row's state goes 'moving' → 'trashed' (or 'failed') → 'restored' or 'emptied'. The file
that moved in is marked missing in the same transaction that records the move done, so it
leaves every view at once (its rating stays, keyed by content). The moves themselves, the
lock and the recovery after a crash are indexing/curate/trash.py's.
"""

from __future__ import annotations

import time

from indexing.store.catalog import Catalog

TrashRow = tuple[int, str, str, str | None, int | None, float]  # id, original, trash, ...


class TrashLog:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def start(
        self,
        batch: str,
        path: str,
        target: str,
        root: str,
        content_id: str | None,
        size: int,
        moved_at: float,
    ) -> int:
        """A move about to happen (state 'moving'); returns its row id."""
        with self.catalog.transaction() as conn:
            row_id = conn.execute(
                "INSERT INTO trash_log(batch, original_path, trash_path, root, content_id, size, "
                "state, moved_at) VALUES (?, ?, ?, ?, ?, ?, 'moving', ?)",
                (batch, path, target, root, content_id, size, moved_at),
            ).lastrowid
        assert row_id is not None
        return row_id

    def finish(
        self, row_id: int, state: str, *, note: str | None = None, missing: str | None = None
    ) -> None:
        """The move ended in state; with missing, that file leaves the library's views."""
        with self.catalog.transaction() as conn:
            conn.execute(
                "UPDATE trash_log SET state = ?, done_at = ?, note = COALESCE(?, note) "
                "WHERE id = ?",
                (state, time.time(), note, row_id),
            )
            if missing is not None:  # gone from every view at once, rating kept by content
                conn.execute(
                    "UPDATE files SET status = 'missing' WHERE path = ? AND status = 'present'",
                    (missing,),
                )

    def trashed(self) -> list[TrashRow]:
        """(id, original path, trash path, content id, size, moved at) of what the trash
        holds, latest first."""
        return self.catalog.conn.execute(
            "SELECT id, original_path, trash_path, content_id, size, moved_at FROM trash_log "
            "WHERE state = 'trashed' ORDER BY moved_at DESC, id DESC"
        ).fetchall()

    def restored(
        self, row_id: int, now: float, note: str | None, file: tuple[str, str, int, int] | None
    ) -> None:
        """Back out of the trash; with file (path, content id, size, mtime_ns), the catalog
        lists it again, in the same transaction."""
        with self.catalog.transaction() as conn:
            conn.execute(
                "UPDATE trash_log SET state = 'restored', done_at = ?, note = ? WHERE id = ?",
                (now, note, row_id),
            )
            if file is not None:
                path, content_id, size, mtime_ns = file
                self.catalog.put_file(path, content_id, size, mtime_ns, now)

    def emptied(self, row_id: int) -> None:
        with self.catalog.transaction() as conn:
            conn.execute(
                "UPDATE trash_log SET state = 'emptied', done_at = ? WHERE id = ?",
                (time.time(), row_id),
            )

    def interrupted(self) -> list[tuple[int, str, str]]:
        """(id, original path, trash path) of the moves a crash left in state 'moving'."""
        return self.catalog.conn.execute(
            "SELECT id, original_path, trash_path FROM trash_log WHERE state = 'moving'"
        ).fetchall()
