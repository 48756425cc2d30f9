"""Migration 17: what the user organises (issue 33). Album folders nest (`parent`); an album
sits in one folder (NULL: the top) with a name unique in it, a cover, and an order (manual
by position, or by date). album_items, image_tags and captions hang off the content id, so
a rename, a move, a re-index or a trash and restore keep them. Tags are hierarchical paths
('Places/Portugal/Lisbon'), one row per tag with its parent, stored as typed (the path is
unique without regard to case); `source` says who put a tag on an image: the user, or XMP
read at index time. A caption is one text per content; its triggers queue the content for
the full-text index (indexing.store.search_text), as the name and prompt are.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE album_folders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        parent INTEGER REFERENCES album_folders(id) ON DELETE CASCADE,
        created REAL NOT NULL
    );
    CREATE UNIQUE INDEX album_folders_name ON album_folders(IFNULL(parent, 0), name COLLATE NOCASE);
    CREATE TABLE albums (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        folder INTEGER REFERENCES album_folders(id) ON DELETE CASCADE,
        cover TEXT,
        order_mode TEXT NOT NULL DEFAULT 'date' CHECK (order_mode IN ('manual', 'date')),
        created REAL NOT NULL
    );
    CREATE UNIQUE INDEX albums_name ON albums(IFNULL(folder, 0), name COLLATE NOCASE);
    CREATE INDEX albums_by_name ON albums(name COLLATE NOCASE);
    CREATE TABLE album_items (
        album INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
        content_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        added REAL NOT NULL,
        PRIMARY KEY (album, content_id)
    ) WITHOUT ROWID;
    CREATE INDEX album_items_content ON album_items(content_id);
    CREATE TABLE tags (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        parent INTEGER REFERENCES tags(id) ON DELETE CASCADE,
        created REAL NOT NULL
    );
    CREATE UNIQUE INDEX tags_path ON tags(path COLLATE NOCASE);
    CREATE TABLE image_tags (
        tag INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        content_id TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('user', 'xmp')),
        added REAL NOT NULL,
        PRIMARY KEY (tag, content_id)
    ) WITHOUT ROWID;
    CREATE INDEX image_tags_content ON image_tags(content_id);
    CREATE TABLE captions (
        content_id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('user', 'xmp')),
        at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TRIGGER search_captions_insert AFTER INSERT ON captions BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_captions_update AFTER UPDATE ON captions BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_captions_delete AFTER DELETE ON captions BEGIN
        INSERT INTO search_dirty(content_id) SELECT OLD.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = OLD.content_id);
    END;
    """
