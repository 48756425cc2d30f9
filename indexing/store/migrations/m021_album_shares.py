"""Migration 21: share one album through a link (issue 33). album_shares: one row per link
made with `album share`: the SHA-256 of its random token (never the token itself, so a
copy of the catalog holds no working link), the album, an optional password hash (scrypt,
salted), when it was made, when it expires and when it was revoked. A deleted album takes
its links with it (the trigger revokes them), so an album id SQLite hands out again later
never reopens an old link.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE album_shares (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        album INTEGER NOT NULL,
        password_hash TEXT,
        created REAL NOT NULL,
        expires REAL,
        revoked REAL
    );
    CREATE INDEX album_shares_album ON album_shares(album);
    CREATE TRIGGER album_shares_album_deleted AFTER DELETE ON albums BEGIN
        UPDATE album_shares SET revoked = (julianday('now') - 2440587.5) * 86400.0
            WHERE album = OLD.id AND revoked IS NULL;
    END;
"""
