"""Migration 10: find by what you know (issue 12). Facet columns: camera (a display label from make
and model), day (the local date taken, 'YYYY-MM-DD', else the file's mtime date),
date_source, the place from GPS (indexing.names.places), and files.folder. Each
facet has an index that leads with its column and covers present_files.
search_fts is the FTS5 index of names, folders, prompts, texts, camera, place and
subjects (indexing.store.search_text builds its rows); search_docs maps its rowids
(INTEGER PRIMARY KEY: VACUUM keeps them) to content ids. Triggers put every content
whose text may have changed into search_dirty, in the writer's own transaction; the
rows are rebuilt from there (so no write path can leave the index stale). The
triggers spell "insert if absent" with NOT EXISTS: an OR IGNORE inside a trigger
takes the outer statement's conflict rule instead (an upsert of files aborts).
subjects: each image's confident tags under the current CLIP model;
subject_tagged: which images were tagged (some get no tag); subject_state: the model
and vocabulary the tags were made with (a change re-tags everything). An image no
file shows loses its tags (so the subject facet counts by one index scan), and is
tagged again if a file shows it again.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    ALTER TABLE images ADD COLUMN camera TEXT;
    ALTER TABLE images ADD COLUMN day TEXT;
    ALTER TABLE images ADD COLUMN place_city TEXT;
    ALTER TABLE images ADD COLUMN place_region TEXT;
    ALTER TABLE images ADD COLUMN place_cc TEXT;
    ALTER TABLE images ADD COLUMN place_country TEXT;
    ALTER TABLE images ADD COLUMN date_source TEXT
        GENERATED ALWAYS AS (CASE WHEN taken_at IS NULL THEN 'file' ELSE 'exif' END) VIRTUAL;
    ALTER TABLE files ADD COLUMN folder TEXT
        GENERATED ALWAYS AS (rtrim(rtrim(path, replace(path, '/', '')), '/')) VIRTUAL;
    UPDATE images SET day = CASE WHEN taken_at IS NOT NULL THEN substr(taken_at, 1, 10)
        ELSE date(date_key, 'unixepoch', 'localtime') END;
    CREATE INDEX images_day ON images(day, date_key, present_files);
    CREATE INDEX images_camera ON images(camera, present_files);
    CREATE INDEX images_lens ON images(lens, present_files);
    CREATE INDEX images_place ON images(place_cc, place_city, present_files);
    CREATE INDEX images_format_present ON images(format, present_files);
    CREATE INDEX files_folder ON files(folder, status, content_id);
    CREATE TABLE search_docs (
        doc INTEGER PRIMARY KEY,
        content_id TEXT NOT NULL UNIQUE
    );
    CREATE VIRTUAL TABLE search_fts USING fts5(
        name, folder, prompt, text, camera, place, subject,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TABLE search_dirty (content_id TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO search_dirty(content_id) SELECT content_id FROM images;
    CREATE TRIGGER search_images_insert AFTER INSERT ON images BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_images_update AFTER UPDATE OF camera_make, camera_model, lens, prompt,
        text_json, place_city, place_region, place_country, camera ON images BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_images_delete AFTER DELETE ON images BEGIN
        INSERT INTO search_dirty(content_id) SELECT OLD.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = OLD.content_id);
    END;
    CREATE TRIGGER search_files_insert AFTER INSERT ON files BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_files_update AFTER UPDATE OF path, status, content_id ON files BEGIN
        INSERT INTO search_dirty(content_id) SELECT OLD.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = OLD.content_id);
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_files_delete AFTER DELETE ON files BEGIN
        INSERT INTO search_dirty(content_id) SELECT OLD.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = OLD.content_id);
    END;
    CREATE TABLE subjects (
        content_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (content_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX subjects_tag ON subjects(tag, content_id);
    CREATE TABLE subject_tagged (content_id TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE subject_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        model_id TEXT NOT NULL,
        vocabulary TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE TRIGGER search_subjects_insert AFTER INSERT ON subjects BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_subjects_delete AFTER DELETE ON subjects BEGIN
        INSERT INTO search_dirty(content_id) SELECT OLD.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = OLD.content_id);
    END;
    CREATE TRIGGER subjects_hidden AFTER UPDATE OF present_files ON images
        WHEN NEW.present_files = 0 AND OLD.present_files > 0 BEGIN
        DELETE FROM subjects WHERE content_id = NEW.content_id;
        DELETE FROM subject_tagged WHERE content_id = NEW.content_id;
    END;
    """
