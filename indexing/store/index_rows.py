"""The rows the indexer reads and writes: images, files, index errors and warnings, XMP
sidecars read, ratings found in files, and a video's sampled moments.

A mixin of Catalog (which owns the connection, its pragmas and transactions): these are the
statements a walk of the library runs, kept apart from how the catalog is opened. The
writes are meant to run inside a transaction, usually queued by PendingWrites.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from indexing.names.facet_values import camera_label, day_of
from indexing.names.places import place_for
from indexing.records import ImageRecord
from indexing.store.subtree import path_range
from indexing.store.tag_rows import replace_xmp_keywords


class IndexRows:
    """The indexer's reads and writes of the catalog, over the catalog's connection."""

    conn: sqlite3.Connection

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

    def put_found_keywords(
        self, content_id: str, tags: Sequence[str], caption: str | None, now: float
    ) -> None:
        """Tags and a caption found in XMP (store.tag_rows.replace_xmp_keywords)."""
        replace_xmp_keywords(self.conn, content_id, tags, caption, now)

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

    def drop_errors(self, paths: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM index_errors WHERE path = ?", ((p,) for p in paths))
