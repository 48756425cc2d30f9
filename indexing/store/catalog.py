"""The SQLite catalog: the source of truth for everything but the vectors."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from indexing.errors import PictorError
from indexing.names.facet_values import camera_label, day_of
from indexing.names.places import place_for
from indexing.records import ImageRecord
from indexing.store.migrations import migrate


def path_range(folder: str) -> tuple[str, str]:
    """Bounds such that lo <= path < hi selects exactly the paths under folder.

    '/' sorts just before '0', so 'folder/' <= path < 'folder0' is the subtree, and the
    unique index on files.path serves it.
    """
    base = folder.rstrip("/")
    return base + "/", base + "0"


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


def embedding_stamp(conn: sqlite3.Connection, model_id: str) -> int | None:
    """A number that changes whenever an embedding of model_id is added, redone or removed
    (None: it has none): whoever caches something derived from the vectors compares it."""
    row = conn.execute(
        "SELECT changes FROM embedding_changes WHERE model_id = ?", (model_id,)
    ).fetchone()
    return row[0] if row else None


STATS_MIN_IMAGES = 1_000  # below this every plan is fast: no ANALYZE
STATS_SAMPLE_ROWS = 1_000  # PRAGMA analysis_limit: index entries sampled per index


class Catalog:
    """One connection to the catalog file. Open one per thread."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.conn = _connect(self.path)
        self.conn.row_factory = sqlite3.Row
        # FULL: a commit (a rating, a preference) is on disk before it returns, power cut
        # included; WAL keeps that cheap, and indexing commits in batches.
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.schema_version = migrate(self.conn)

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

    # Reads the indexer needs

    def present_files_under(self, folder: str) -> dict[str, tuple[int, int]]:
        """path -> (size, mtime_ns) of every present file under folder: the 'mark' set."""
        lo, hi = path_range(folder)
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: this loads a million rows on a re-index
        rows = cursor.execute(
            "SELECT path, size, mtime_ns FROM files "
            "WHERE path >= ? AND path < ? AND status = 'present'",
            (lo, hi),
        )
        return {path: (size, mtime_ns) for path, size, mtime_ns in rows}

    def content_ids_of(self, paths: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(paths), 500):
            chunk = paths[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT path, content_id FROM files WHERE path IN ({marks})", chunk
            )
            found.update((row[0], row[1]) for row in rows)
        return found

    def errors_under(self, folder: str) -> dict[str, tuple[int | None, int | None]]:
        lo, hi = path_range(folder)
        rows = self.conn.execute(
            "SELECT path, size, mtime_ns FROM index_errors "
            "WHERE (path >= ? AND path < ?) OR path = ?",
            (lo, hi, folder.rstrip("/")),
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def sidecars_under(self, folder: str) -> dict[str, tuple[int, int]]:
        """path -> (size, mtime_ns) of each XMP sidecar under folder as last read."""
        lo, hi = path_range(folder)
        rows = self.conn.execute(
            "SELECT path, size, mtime_ns FROM sidecar_imports WHERE path >= ? AND path < ?",
            (lo, hi),
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def has_image(self, content_id: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM images WHERE content_id = ?", (content_id,)
        ).fetchone()
        return row is not None

    def shows_image(self, content_id: str) -> bool:
        """Whether the library shows this content: an image with a present file."""
        row = self.conn.execute(
            "SELECT 1 FROM images WHERE content_id = ? AND present_files > 0", (content_id,)
        ).fetchone()
        return row is not None

    # Writes the indexer makes (call inside a transaction)

    def put_image(self, record: ImageRecord, now: float) -> None:
        meta = record.metadata
        place = place_for(meta.gps_lat, meta.gps_lon) if meta.gps_lat is not None else None
        self.conn.execute(
            """
            INSERT INTO images(content_id, bytes, width, height, format, taken_at, date_key,
                camera_make, camera_model, lens, gps_lat, gps_lon, gps_alt, orientation,
                exif_json, text_json, prompt, phash, dhash, added_at, near_hashes,
                camera, day, place_city, place_region, place_cc, place_country,
                kind, duration, video_codec)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(content_id) DO NOTHING
            """,
            (
                record.content_id,
                record.bytes,
                record.width,
                record.height,
                record.format,
                meta.taken_at,
                record.date_key,
                meta.camera_make,
                meta.camera_model,
                meta.lens,
                meta.gps_lat,
                meta.gps_lon,
                meta.gps_alt,
                meta.orientation,
                json.dumps(meta.exif, ensure_ascii=False),
                json.dumps(meta.texts, ensure_ascii=False),
                meta.prompt,
                record.phash,
                record.dhash,
                now,
                record.near_hashes,
                camera_label(meta.camera_make, meta.camera_model),
                day_of(meta.taken_at, record.date_key),
                place.city if place else None,
                place.region if place else None,
                place.country_code if place else None,
                place.country if place else None,
                record.kind,
                record.duration,
                record.video_codec,
            ),
        )

    def put_video_frames(self, content_id: str, times: Iterable[float]) -> None:
        """The moments sampled from a video (seconds), as its frame vectors are keyed."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO video_frames(content_id, ms) VALUES (?, ?)",
            ((content_id, round(t * 1000)) for t in times),
        )

    def put_warnings(self, content_id: str, messages: list[str], now: float) -> None:
        """What was skipped while indexing this content (it was indexed nonetheless)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO index_warnings(content_id, message, at) VALUES (?, ?, ?)",
            ((content_id, message, now) for message in messages),
        )

    def put_sidecar_read(self, path: str, size: int, mtime_ns: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sidecar_imports(path, size, mtime_ns) VALUES (?, ?, ?)",
            (path, size, mtime_ns),
        )

    def put_found_rating(self, content_id: str, score: float, now: float) -> None:
        """A star rating found in XMP or EXIF becomes the user's rating (source 'xmp'), unless
        the user rated the image in Pictor (or imported a rating): theirs always wins."""
        row = self.conn.execute(
            "SELECT rating, source FROM ratings WHERE content_id = ?", (content_id,)
        ).fetchone()
        if row is not None and (row[1] != "xmp" or row[0] == score):
            return
        self.conn.execute(
            "INSERT INTO ratings(content_id, rating, rated_at, source) VALUES (?, ?, ?, 'xmp') "
            "ON CONFLICT(content_id) DO UPDATE SET rating = excluded.rating, "
            "rated_at = excluded.rated_at, source = 'xmp'",
            (content_id, score, now),
        )
        self.conn.execute(
            "INSERT INTO rating_history(content_id, rating, source, at) VALUES (?, ?, 'xmp', ?)",
            (content_id, score, now),
        )

    def put_file(self, path: str, content_id: str, size: int, mtime_ns: int, now: float) -> None:
        """Insert or update the file at path, present, pointing at content_id."""
        self.conn.execute(
            """
            INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status)
            VALUES (?, ?, ?, ?, ?, ?, 'present')
            ON CONFLICT(path) DO UPDATE SET content_id = excluded.content_id,
                size = excluded.size, mtime_ns = excluded.mtime_ns,
                last_seen = excluded.last_seen, status = 'present'
            """,
            (path, content_id, size, mtime_ns, now, now),
        )
        self.conn.execute("DELETE FROM index_errors WHERE path = ?", (path,))

    def move_file(self, old: str, new: str, size: int, mtime_ns: int, now: float) -> None:
        """Re-link a file row to its new path, keeping its identity and first_seen."""
        self.conn.execute("DELETE FROM files WHERE path = ?", (new,))
        self.conn.execute(
            "UPDATE files SET path = ?, size = ?, mtime_ns = ?, last_seen = ?, "
            "status = 'present' WHERE path = ?",
            (new, size, mtime_ns, now, old),
        )
        self.conn.execute("DELETE FROM index_errors WHERE path IN (?, ?)", (old, new))

    def mark_missing(self, paths: Iterable[str]) -> None:
        self.conn.executemany(
            "UPDATE files SET status = 'missing' WHERE path = ?", ((p,) for p in paths)
        )

    def mark_seen(self, folder: str, now: float, granularity: float = 86_400.0) -> None:
        """Refresh last_seen of the present files under folder, to the day.

        Rewriting every row on every re-index would make an unchanged re-index cost a write
        of the whole table; a daily refresh keeps 'last seen' true to within a day.
        """
        lo, hi = path_range(folder)
        self.conn.execute(
            "UPDATE files SET last_seen = ? WHERE path >= ? AND path < ? AND status = 'present' "
            "AND last_seen < ?",
            (now, lo, hi, now - granularity),
        )

    def put_error(
        self, path: str, reason: str, size: int | None, mtime_ns: int | None, now: float
    ) -> None:
        self.conn.execute(
            "INSERT INTO index_errors(path, reason, size, mtime_ns, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, at = excluded.at",
            (path, reason, size, mtime_ns, now),
        )
        self.conn.execute(
            "UPDATE files SET status = 'missing' WHERE path = ? AND status = 'present'", (path,)
        )

    # Embeddings: which content has a vector under which model

    def put_embeddings(self, content_ids: Iterable[str], model_id: str) -> None:
        now = time.time()
        self.conn.executemany(
            "INSERT INTO embeddings(model_id, content_id, status, reason, at) "
            "VALUES (?, ?, 'done', NULL, ?) ON CONFLICT(model_id, content_id) DO UPDATE SET "
            "status = 'done', reason = NULL, at = excluded.at",
            ((model_id, cid, now) for cid in content_ids),
        )

    def put_embedding_failure(self, content_id: str, model_id: str, reason: str) -> None:
        self.conn.execute(
            "INSERT INTO embeddings(model_id, content_id, status, reason, at) "
            "VALUES (?, ?, 'failed', ?, ?) ON CONFLICT(model_id, content_id) DO UPDATE SET "
            "status = 'failed', reason = excluded.reason, at = excluded.at",
            (model_id, content_id, reason, time.time()),
        )

    def pending_embeddings(self, model_id: str) -> list[tuple[str, str]]:
        """(content id, a present path) for each image with no vector under model_id."""
        rows = self.conn.execute(
            """
            SELECT i.content_id, (SELECT f.path FROM files f WHERE f.content_id = i.content_id
                                  AND f.status = 'present' ORDER BY f.path LIMIT 1) AS path
            FROM images i
            WHERE NOT EXISTS (SELECT 1 FROM embeddings e
                              WHERE e.model_id = ? AND e.content_id = i.content_id)
            """,
            (model_id,),
        )
        return [(row[0], row[1]) for row in rows if row[1] is not None]

    def embedding_stamp(self, model_id: str) -> int | None:
        return embedding_stamp(self.conn, model_id)

    def embedding_counts(self, model_id: str) -> dict[str, int]:
        """done, failed and pending counts over images that have a present file."""
        done, failed = self.conn.execute(
            """
            SELECT COALESCE(SUM(e.status = 'done'), 0), COALESCE(SUM(e.status = 'failed'), 0)
            FROM embeddings e WHERE e.model_id = ? AND EXISTS (
                SELECT 1 FROM files f WHERE f.content_id = e.content_id AND f.status = 'present')
            """,
            (model_id,),
        ).fetchone()
        return {"done": done, "failed": failed, "pending": self.count_pending_embeddings(model_id)}

    def count_pending_embeddings(self, model_id: str) -> int:
        """How many shown images have no vector (and no recorded failure) under model_id."""
        return self.conn.execute(
            """
            SELECT COUNT(*) FROM images i WHERE i.present_files > 0 AND NOT EXISTS (
                SELECT 1 FROM embeddings e WHERE e.model_id = ? AND e.content_id = i.content_id)
            """,
            (model_id,),
        ).fetchone()[0]

    def drop_errors(self, paths: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM index_errors WHERE path = ?", ((p,) for p in paths))


class PendingWrites:
    """Catalog writes queued in memory, applied in one short transaction per batch.

    The indexer computes (reads, decodes, runs CLIP, upserts vectors) with no transaction
    open, and only then writes a batch of rows and commits: the write lock is held for the
    few milliseconds the inserts take, never across inference. So the UI, a rating, the
    trash or a category cache in another process never wait on the model.

    A crash loses at most the queued batch (the next run redoes it); everything committed
    stays done. Queued calls run in the order they were made.
    """

    QUEUED = frozenset(
        {
            "put_image",
            "put_file",
            "move_file",
            "put_error",
            "put_embeddings",
            "put_embedding_failure",
            "put_warnings",
            "put_sidecar_read",
            "put_found_rating",
            "put_video_frames",
        }
    )

    def __init__(
        self,
        catalog: Catalog,
        every: int,
        seconds: float = 2.0,
        on_commit: Callable[[int], None] | None = None,
    ):
        self.catalog = catalog
        self.every = every
        self.seconds = seconds
        self.on_commit = on_commit  # told how many ticks each commit made durable
        self._queue: list[Callable[[], None]] = []
        self._ticks = 0
        self._since = time.monotonic()

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name not in PendingWrites.QUEUED:
            raise AttributeError(f"{name} is not a queued catalog write")
        method = getattr(self.catalog, name)

        def queue(*args: object, **kwargs: object) -> None:
            self._queue.append(partial(method, *args, **kwargs))

        return queue

    def __enter__(self) -> PendingWrites:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self._queue.clear()  # like a rollback: the next run redoes this batch

    def tick(self) -> None:
        """One unit of work done; commit when the batch is full or old enough."""
        self._ticks += 1
        if self._ticks >= self.every or time.monotonic() - self._since >= self.seconds:
            self.commit()

    def commit(self) -> None:
        queue, self._queue = self._queue, []
        ticks, self._ticks, self._since = self._ticks, 0, time.monotonic()
        if queue:
            with self.catalog.transaction():
                for write in queue:
                    write()
        if ticks and self.on_commit is not None:
            self.on_commit(ticks)
