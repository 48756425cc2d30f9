"""Migration 1: roots, files, images, errors, ratings, preferences.

Shipped: never edit it; add the next number instead.
"""

SQL = """
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
    """
