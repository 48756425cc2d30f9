"""The SQLite catalog: the source of truth for everything but the vectors.

This module opens it: the connection in WAL mode, its pragmas, the migrations, transactions,
planner statistics and the library's root folders. The rows the indexer reads and writes
are IndexRows (index_rows.py), the embeddings table EmbeddingRows (embedding_rows.py);
Catalog joins them so that callers hold one object per thread. Other tables have their
own modules beside this one, each taking a Catalog."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexing.errors import PictorError
from indexing.store.embedding_rows import EmbeddingRows
from indexing.store.index_rows import IndexRows
from indexing.store.migrations import migrate
from indexing.store.subtree import path_range

__all__ = ["STATS_MIN_IMAGES", "Catalog", "path_range"]


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode, or a PictorError saying why the catalog cannot be opened."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PictorError(
            f"cannot create the data folder {path.parent}: {exc.strerror or exc}"
        ) from None
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise PictorError(f"cannot open the catalog {path}: {exc}") from None
    return conn


STATS_MIN_IMAGES = 1_000  # below this every plan is fast: no ANALYZE
STATS_SAMPLE_ROWS = 1_000  # PRAGMA analysis_limit: index entries sampled per index


class Catalog(IndexRows, EmbeddingRows):
    """One connection to the catalog file. Open one per thread."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.conn = _connect(self.path)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys=ON")
        # The migrations at NORMAL: in WAL mode a power cut can lose the last commits but
        # never corrupts, and a lost migration runs again at the next start (each is one
        # transaction). A third less time for a new catalog (26 commits, no fsync each).
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.schema_version = migrate(self.conn)
        # FULL: a commit (a rating, a preference) is on disk before it returns, power cut
        # included; WAL keeps that cheap, and indexing commits in batches.
        self.conn.execute("PRAGMA synchronous=FULL")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def approximate_images(self) -> int:
        """How many images the catalog holds (rows are never deleted: the largest rowid)."""
        return self.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM images").fetchone()[0]

    # Planner statistics

    def refresh_statistics(self, now: float | None = None) -> bool:
        """Run a sampled ANALYZE when the library has changed size by a quarter since the
        last one (or never had one); return whether it ran.

        Without statistics SQLite cannot tell a 1%-selective filter column from the
        present-files test, and reads rows it could skip. With analysis_limit the run
        samples each index (0.6 s at a million images) inside one short write.
        """
        images = self.approximate_images()
        if images < STATS_MIN_IMAGES:
            return False
        row = self.conn.execute("SELECT images FROM planner_stats WHERE id = 1").fetchone()
        if row is not None and row[0] * 0.8 <= images <= row[0] * 1.25:
            return False
        try:
            with self.transaction() as conn:
                conn.execute(f"PRAGMA analysis_limit = {STATS_SAMPLE_ROWS}")
                conn.execute("ANALYZE")
                conn.execute(
                    "INSERT INTO planner_stats(id, images, analysed_at) VALUES (1, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET images = excluded.images, "
                    "analysed_at = excluded.analysed_at",
                    (images, time.time() if now is None else now),
                )
        except sqlite3.OperationalError:  # locked by another writer: the next run does it
            return False
        return True

    # Roots

    def add_root(self, folder: str, now: float | None = None) -> None:
        self.conn.execute(
            "INSERT INTO roots(path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING",
            (folder, now or time.time()),
        )

    def roots(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT path FROM roots ORDER BY path")]

    def forget_root(self, folder: str, *, dry_run: bool = False) -> dict[str, int]:
        """Forget a root: its row, and the rows of the files under it that no other root
        holds. Nothing on disk changes; the images' ratings, preferences and vectors stay,
        keyed by content, and come back if the folder is added again. dry_run: the same
        counts, with nothing changed (what a confirmation says)."""
        roots = self.roots()
        if folder not in roots:
            raise PictorError(
                f"{folder} is not a library folder"
                + (f"; the folders are: {', '.join(roots)}" if roots else "")
            )
        lo, hi = path_range(folder)
        keep, params = [], [lo, hi]
        for other in roots:
            if other != folder and (
                other.startswith(folder + "/") or folder.startswith(other + "/")
            ):
                other_lo, other_hi = path_range(other)
                keep.append("NOT (path >= ? AND path < ?)")
                params += [other_lo, other_hi]
        held = " AND ".join(["path >= ? AND path < ?", *keep])
        conn = self.conn
        count = "SELECT COUNT(*) FROM images WHERE present_files > 0"
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = conn.execute(count).fetchone()[0]
            files = conn.execute(f"DELETE FROM files WHERE {held}", params).rowcount
            errors = conn.execute(f"DELETE FROM index_errors WHERE {held}", params).rowcount
            conn.execute("DELETE FROM roots WHERE path = ?", (folder,))
            after = conn.execute(count).fetchone()[0]
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("ROLLBACK" if dry_run else "COMMIT")
        return {"files": files, "images": before - after, "errors": errors}

    def mark_root_scanned(self, folder: str, now: float) -> None:
        self.conn.execute("UPDATE roots SET last_scan_at = ? WHERE path = ?", (now, folder))
