"""Numbered schema migrations. Each runs once, in order, inside one transaction.

Never edit a migration that has shipped: add the next number instead.
"""

from __future__ import annotations

import sqlite3

from indexing.errors import PictorError

MIGRATIONS: list[str] = [
    # 1: roots, files, images, errors, ratings, preferences.
    """
    CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL,
        last_scan_at REAL
    );
    CREATE TABLE images (
        content_id TEXT PRIMARY KEY,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        format TEXT NOT NULL,
        taken_at TEXT,
        date_key REAL NOT NULL,
        camera_make TEXT,
        camera_model TEXT,
        lens TEXT,
        gps_lat REAL,
        gps_lon REAL,
        gps_alt REAL,
        orientation INTEGER NOT NULL DEFAULT 1,
        exif_json TEXT NOT NULL DEFAULT '{}',
        text_json TEXT NOT NULL DEFAULT '{}',
        prompt TEXT,
        phash INTEGER NOT NULL,
        dhash INTEGER NOT NULL,
        added_at REAL NOT NULL
    );
    CREATE INDEX images_date_key ON images(date_key);
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        content_id TEXT NOT NULL REFERENCES images(content_id),
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('present', 'missing'))
    );
    CREATE INDEX files_content_status ON files(content_id, status);
    CREATE TABLE index_errors (
        path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        size INTEGER,
        mtime_ns INTEGER,
        at REAL NOT NULL
    );
    CREATE TABLE ratings (
        content_id TEXT PRIMARY KEY,
        rating REAL NOT NULL CHECK (rating >= 0 AND rating <= 10),
        rated_at REAL NOT NULL
    );
    CREATE TABLE preferences (
        id INTEGER PRIMARY KEY,
        choice_id TEXT NOT NULL,
        winner TEXT NOT NULL,
        loser TEXT NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (choice_id, loser)
    );
    CREATE INDEX preferences_winner ON preferences(winner);
    CREATE INDEX preferences_loser ON preferences(loser);
    """,
    # 2: which content ids have a vector under which model (the vectors live in ChromaDB).
    """
    CREATE TABLE embeddings (
        model_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        reason TEXT,
        at REAL NOT NULL,
        PRIMARY KEY (model_id, content_id)
    ) WITHOUT ROWID;
    """,
]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; return the resulting version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise PictorError(
            f"the catalog has schema version {version}, newer than this Pictor knows "
            f"({len(MIGRATIONS)}); upgrade Pictor"
        )
    for number in range(version + 1, len(MIGRATIONS) + 1):
        script = MIGRATIONS[number - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
