"""Migration 4: listing (issue 5). Every sort is "ORDER BY key, content_id" (content id breaks ties,
so paging is stable): a (key, content_id) index serves each sort in both directions
and replaces the one-column index of v3. The "N of M images" counts scan narrow
indexes, not the table: images_present for M, images_filter_cover (every filterable
stored column; queries spell pixels and aspect out as width * height and
width / height, since SQLite reads a virtual column from the table) for N.
category_scores caches P(category) per image per (model, category); category_rules
records the decision rule the scores were made under (a new rule recomputes them)
and the embedding_changes stamp they are complete for, so an up-to-date category
costs one row read, not an anti-join over a million embeddings.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    DROP INDEX images_width;
    DROP INDEX images_height;
    DROP INDEX images_pixels;
    DROP INDEX images_aspect;
    DROP INDEX images_bytes;
    DROP INDEX images_added_at;
    DROP INDEX images_name_key;
    DROP INDEX images_rating_key;
    DROP INDEX images_date_key;
    CREATE INDEX images_width_id ON images(width, content_id);
    CREATE INDEX images_height_id ON images(height, content_id);
    CREATE INDEX images_pixels_id ON images(pixels, content_id);
    CREATE INDEX images_aspect_id ON images(aspect, content_id);
    CREATE INDEX images_bytes_id ON images(bytes, content_id);
    CREATE INDEX images_date_key_id ON images(date_key, content_id);
    CREATE INDEX images_added_at_id ON images(added_at, content_id);
    CREATE INDEX images_name_key_id ON images(name_key, content_id);
    CREATE INDEX images_rating_key_id ON images(rating_key, content_id);
    CREATE INDEX images_present ON images(present_files);
    CREATE INDEX images_filter_cover ON images(present_files, width, height, bytes, date_key,
        format, rating_key, rating_source, content_id);
    CREATE TABLE category_scores (
        model_id TEXT NOT NULL,
        category TEXT NOT NULL,
        content_id TEXT NOT NULL,
        probability REAL NOT NULL,
        PRIMARY KEY (model_id, category, content_id)
    ) WITHOUT ROWID;
    CREATE INDEX category_scores_probability ON category_scores(model_id, category, probability);
    CREATE TABLE category_rules (
        model_id TEXT NOT NULL,
        category TEXT NOT NULL,
        rule TEXT NOT NULL,
        stamp INTEGER NOT NULL DEFAULT -1,
        PRIMARY KEY (model_id, category)
    ) WITHOUT ROWID;
    CREATE TABLE embedding_changes (
        model_id TEXT PRIMARY KEY,
        changes INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO embedding_changes(model_id, changes)
        SELECT model_id, COUNT(*) FROM embeddings GROUP BY model_id;
    CREATE TRIGGER embeddings_after_insert AFTER INSERT ON embeddings BEGIN
        INSERT INTO embedding_changes(model_id, changes) VALUES (NEW.model_id, 1)
            ON CONFLICT(model_id) DO UPDATE SET changes = changes + 1;
    END;
    CREATE TRIGGER embeddings_after_update AFTER UPDATE ON embeddings BEGIN
        INSERT INTO embedding_changes(model_id, changes) VALUES (NEW.model_id, 1)
            ON CONFLICT(model_id) DO UPDATE SET changes = changes + 1;
    END;
    CREATE TRIGGER embeddings_after_delete AFTER DELETE ON embeddings BEGIN
        INSERT INTO embedding_changes(model_id, changes) VALUES (OLD.model_id, 1)
            ON CONFLICT(model_id) DO UPDATE SET changes = changes + 1;
    END;
    """
