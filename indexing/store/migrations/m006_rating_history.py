"""Migration 6: ratings that are never lost. ratings keeps the current value and who set it
(user: in Pictor; xmp: read from a sidecar, embedded XMP or EXIF; import: from an
export file); rating_history keeps every change (rating NULL: cleared), the current
value being the latest. preferences gain an outcome (a tie: "they are equal").
sidecar_imports remembers which sidecar state was last read for a path, so a
re-index reads a sidecar again only when it changed.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    ALTER TABLE ratings ADD COLUMN source TEXT NOT NULL DEFAULT 'user';
    CREATE TABLE rating_history (
        id INTEGER PRIMARY KEY,
        content_id TEXT NOT NULL,
        rating REAL CHECK (rating IS NULL OR (rating >= 0 AND rating <= 10)),
        source TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX rating_history_content ON rating_history(content_id, id);
    INSERT INTO rating_history(content_id, rating, source, at)
        SELECT content_id, rating, 'user', rated_at FROM ratings ORDER BY rated_at;
    ALTER TABLE preferences ADD COLUMN outcome TEXT NOT NULL DEFAULT 'win';
    ALTER TABLE preferences ADD COLUMN source TEXT NOT NULL DEFAULT 'user';
    CREATE TABLE sidecar_imports (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL
    ) WITHOUT ROWID;
    """
