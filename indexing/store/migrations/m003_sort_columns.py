"""Migration 3: sortable and filterable columns kept up to date by triggers, and predictions.
present_files: how many present files show this content (0 = hidden everywhere);
name_key: the smallest lower-cased file name among them (sort by name);
rating_key / rating_source: the user's rating, else the evaluator's prediction.

Shipped: never edit it; add the next number instead.
"""

# The smallest lower-cased file name among the present files of a content (SQL has no
# basename(): rtrim strips the name's characters, leaving the folder, whose length we skip).
NAME_KEY = (
    "(SELECT MIN(lower(substr(f.path, length(rtrim(f.path, replace(f.path, '/', ''))) + 1))) "
    "FROM files f WHERE f.content_id = {cid} AND f.status = 'present')"
)

SQL = (
    """
    CREATE TABLE predictions (
        content_id TEXT PRIMARY KEY,
        rating REAL NOT NULL CHECK (rating >= 0 AND rating <= 10),
        model_id TEXT NOT NULL,
        at REAL NOT NULL
    );
    ALTER TABLE images ADD COLUMN pixels INTEGER GENERATED ALWAYS AS (width * height) VIRTUAL;
    ALTER TABLE images ADD COLUMN aspect REAL
        GENERATED ALWAYS AS (CAST(width AS REAL) / height) VIRTUAL;
    ALTER TABLE images ADD COLUMN present_files INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE images ADD COLUMN name_key TEXT;
    ALTER TABLE images ADD COLUMN rating_key REAL;
    ALTER TABLE images ADD COLUMN rating_source TEXT;
    UPDATE images SET
        present_files = (SELECT COUNT(*) FROM files f
                         WHERE f.content_id = images.content_id AND f.status = 'present'),
        name_key = NAME_KEY_IMAGES,
        rating_key = COALESCE(
            (SELECT rating FROM ratings r WHERE r.content_id = images.content_id),
            (SELECT rating FROM predictions p WHERE p.content_id = images.content_id)),
        rating_source = CASE
            WHEN EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = images.content_id)
                THEN 'user'
            WHEN EXISTS (SELECT 1 FROM predictions p WHERE p.content_id = images.content_id)
                THEN 'predicted' END;
    CREATE INDEX images_width ON images(width);
    CREATE INDEX images_height ON images(height);
    CREATE INDEX images_pixels ON images(pixels);
    CREATE INDEX images_aspect ON images(aspect);
    CREATE INDEX images_bytes ON images(bytes);
    CREATE INDEX images_added_at ON images(added_at);
    CREATE INDEX images_name_key ON images(name_key);
    CREATE INDEX images_rating_key ON images(rating_key);
    CREATE INDEX images_format ON images(format);
    CREATE TRIGGER files_after_insert AFTER INSERT ON files BEGIN
        UPDATE images SET present_files = present_files + (NEW.status = 'present'),
            name_key = NAME_KEY_NEW WHERE content_id = NEW.content_id;
    END;
    CREATE TRIGGER files_after_delete AFTER DELETE ON files BEGIN
        UPDATE images SET present_files = present_files - (OLD.status = 'present'),
            name_key = NAME_KEY_OLD WHERE content_id = OLD.content_id;
    END;
    CREATE TRIGGER files_after_update AFTER UPDATE OF status, content_id, path ON files BEGIN
        UPDATE images SET present_files = present_files - (OLD.status = 'present')
            WHERE content_id = OLD.content_id;
        UPDATE images SET present_files = present_files + (NEW.status = 'present')
            WHERE content_id = NEW.content_id;
        UPDATE images SET name_key = NAME_KEY_OLD WHERE content_id = OLD.content_id;
        UPDATE images SET name_key = NAME_KEY_NEW WHERE content_id = NEW.content_id;
    END;
    CREATE TRIGGER ratings_after_insert AFTER INSERT ON ratings BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'user'
            WHERE content_id = NEW.content_id;
    END;
    CREATE TRIGGER ratings_after_update AFTER UPDATE ON ratings BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'user'
            WHERE content_id = NEW.content_id;
    END;
    CREATE TRIGGER ratings_after_delete AFTER DELETE ON ratings BEGIN
        UPDATE images SET
            rating_key = (SELECT rating FROM predictions p WHERE p.content_id = OLD.content_id),
            rating_source = CASE WHEN EXISTS (SELECT 1 FROM predictions p
                WHERE p.content_id = OLD.content_id) THEN 'predicted' END
            WHERE content_id = OLD.content_id;
    END;
    CREATE TRIGGER predictions_after_insert AFTER INSERT ON predictions BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'predicted'
            WHERE content_id = NEW.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id);
    END;
    CREATE TRIGGER predictions_after_update AFTER UPDATE ON predictions BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'predicted'
            WHERE content_id = NEW.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id);
    END;
    CREATE TRIGGER predictions_after_delete AFTER DELETE ON predictions BEGIN
        UPDATE images SET rating_key = NULL, rating_source = NULL
            WHERE content_id = OLD.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = OLD.content_id);
    END;
    CREATE TRIGGER images_after_insert AFTER INSERT ON images BEGIN
        UPDATE images SET
            rating_key = COALESCE(
                (SELECT rating FROM ratings r WHERE r.content_id = NEW.content_id),
                (SELECT rating FROM predictions p WHERE p.content_id = NEW.content_id)),
            rating_source = CASE
                WHEN EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id)
                    THEN 'user'
                WHEN EXISTS (SELECT 1 FROM predictions p WHERE p.content_id = NEW.content_id)
                    THEN 'predicted' END
            WHERE content_id = NEW.content_id;
    END;
    """.replace("NAME_KEY_IMAGES", NAME_KEY.format(cid="images.content_id"))
    .replace("NAME_KEY_NEW", NAME_KEY.format(cid="NEW.content_id"))
    .replace("NAME_KEY_OLD", NAME_KEY.format(cid="OLD.content_id"))
)
