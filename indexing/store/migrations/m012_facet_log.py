"""Migration 12: facet_log, the rowid of every image whose facet or filter fields (rating
included), files or subject tags changed, appended by triggers in the writer's
own transaction; a root added or removed appends NULL (everything).
indexing.query.facet_index keeps those columns in memory and reads the log past
the position it reflects to patch them. The log keeps its last 200,000 rows
(trimmed by the insert triggers). facet_state names this catalog for the arrays
saved beside it. images_day_default gives a row written without a day (a bulk
load, an older writer) the one v10 would.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TRIGGER images_day_default AFTER INSERT ON images WHEN NEW.day IS NULL BEGIN
        UPDATE images SET day = CASE WHEN taken_at IS NOT NULL THEN substr(taken_at, 1, 10)
            ELSE date(date_key, 'unixepoch', 'localtime') END
            WHERE rowid = NEW.rowid;
    END;
    CREATE TABLE facet_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, image INTEGER);
    CREATE TABLE facet_state (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL);
    INSERT INTO facet_state(id, token) VALUES (1, lower(hex(randomblob(16))));
    CREATE TRIGGER facet_images_insert AFTER INSERT ON images BEGIN
        INSERT INTO facet_log(image) VALUES (NEW.rowid);
        DELETE FROM facet_log WHERE seq <= (SELECT MAX(seq) FROM facet_log) - 200000;
    END;
    CREATE TRIGGER facet_images_delete AFTER DELETE ON images BEGIN
        INSERT INTO facet_log(image) VALUES (OLD.rowid);
    END;
    CREATE TRIGGER facet_images_update AFTER UPDATE OF present_files, day, camera, lens,
        place_cc, place_city, place_country, format, taken_at, date_key, width, height,
        bytes, rating_key, rating_source ON images BEGIN
        INSERT INTO facet_log(image) VALUES (NEW.rowid);
    END;
    CREATE TRIGGER facet_files_insert AFTER INSERT ON files BEGIN
        INSERT INTO facet_log(image)
            SELECT rowid FROM images WHERE content_id = NEW.content_id;
        DELETE FROM facet_log WHERE seq <= (SELECT MAX(seq) FROM facet_log) - 200000;
    END;
    CREATE TRIGGER facet_files_delete AFTER DELETE ON files BEGIN
        INSERT INTO facet_log(image)
            SELECT rowid FROM images WHERE content_id = OLD.content_id;
    END;
    CREATE TRIGGER facet_files_update AFTER UPDATE OF path, status, content_id ON files BEGIN
        INSERT INTO facet_log(image)
            SELECT rowid FROM images WHERE content_id IN (OLD.content_id, NEW.content_id);
    END;
    CREATE TRIGGER facet_subjects_insert AFTER INSERT ON subjects BEGIN
        INSERT INTO facet_log(image)
            SELECT rowid FROM images WHERE content_id = NEW.content_id;
        DELETE FROM facet_log WHERE seq <= (SELECT MAX(seq) FROM facet_log) - 200000;
    END;
    CREATE TRIGGER facet_subjects_delete AFTER DELETE ON subjects BEGIN
        INSERT INTO facet_log(image)
            SELECT rowid FROM images WHERE content_id = OLD.content_id;
    END;
    CREATE TRIGGER facet_roots_insert AFTER INSERT ON roots BEGIN
        INSERT INTO facet_log(image) VALUES (NULL);
    END;
    CREATE TRIGGER facet_roots_delete AFTER DELETE ON roots BEGIN
        INSERT INTO facet_log(image) VALUES (NULL);
    END;
    """
