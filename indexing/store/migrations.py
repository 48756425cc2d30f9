"""Numbered schema migrations. Each runs once, in order, inside one transaction.

Never edit a migration that has shipped: add the next number instead.
"""

from __future__ import annotations

import sqlite3

from indexing.errors import PictorError

# The smallest lower-cased file name among the present files of a content (SQL has no
# basename(): rtrim strips the name's characters, leaving the folder, whose length we skip).
NAME_KEY = (
    "(SELECT MIN(lower(substr(f.path, length(rtrim(f.path, replace(f.path, '/', ''))) + 1))) "
    "FROM files f WHERE f.content_id = {cid} AND f.status = 'present')"
)

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
    # 3: sortable and filterable columns kept up to date by triggers, and predictions.
    #    present_files: how many present files show this content (0 = hidden everywhere);
    #    name_key: the smallest lower-cased file name among them (sort by name);
    #    rating_key / rating_source: the user's rating, else the evaluator's prediction.
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
    .replace("NAME_KEY_OLD", NAME_KEY.format(cid="OLD.content_id")),
    # 4: listing (issue 5). Every sort is "ORDER BY key, content_id" (content id breaks ties,
    #    so paging is stable): a (key, content_id) index serves each sort in both directions
    #    and replaces the one-column index of v3. The "N of M images" counts scan narrow
    #    indexes, not the table: images_present for M, images_filter_cover (every filterable
    #    stored column; queries spell pixels and aspect out as width * height and
    #    width / height, since SQLite reads a virtual column from the table) for N.
    #    category_scores caches P(category) per image per (model, category); category_rules
    #    records the decision rule the scores were made under (a new rule recomputes them)
    #    and the embedding_changes stamp they are complete for, so an up-to-date category
    #    costs one row read, not an anti-join over a million embeddings.
    """
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
    """,
    # 5: warnings: the content was indexed, but something in it was skipped (an oversized
    #    PNG text chunk). Keyed by content, since they describe the bytes, not a path.
    """
    CREATE TABLE index_warnings (
        content_id TEXT NOT NULL,
        message TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (content_id, message)
    ) WITHOUT ROWID;
    """,
    # 6: ratings that are never lost. ratings keeps the current value and who set it
    #    (user: in Pictor; xmp: read from a sidecar, embedded XMP or EXIF; import: from an
    #    export file); rating_history keeps every change (rating NULL: cleared), the current
    #    value being the latest. preferences gain an outcome (a tie: "they are equal").
    #    sidecar_imports remembers which sidecar state was last read for a path, so a
    #    re-index reads a sidecar again only when it changed.
    """
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
    """,
    # 7: the trash. Every move is logged before it happens (state 'moving'), so a crash
    #    mid-move is found and finished or undone on the next trash operation; 'trashed'
    #    rows can be restored; 'emptied' is the only state in which the bytes are gone.
    """
    CREATE TABLE trash_log (
        id INTEGER PRIMARY KEY,
        batch TEXT NOT NULL,
        original_path TEXT NOT NULL,
        trash_path TEXT NOT NULL,
        root TEXT NOT NULL,
        content_id TEXT,
        size INTEGER,
        state TEXT NOT NULL CHECK (state IN ('moving', 'trashed', 'restored', 'emptied', 'failed')),
        moved_at REAL NOT NULL,
        done_at REAL,
        note TEXT
    );
    CREATE INDEX trash_log_state ON trash_log(state, id);
    CREATE INDEX trash_log_original ON trash_log(original_path);
    """,
    # 8: duplicate and similarity grouping. near_hashes: the 8 oriented pHashes and dHashes
    #    (indexing.dedup.hashes), computed at index time, and for existing images from their
    #    thumbnails (indexing.dedup.backfill). The pair caches hold every pair found so far
    #    (near: both distances; similar: cosine, per model), and *_compared which images have
    #    been compared with everything: an update compares only the rest. Clusters keep their
    #    centroids, so new images join the nearest one.
    """
    ALTER TABLE images ADD COLUMN near_hashes BLOB;
    CREATE TABLE near_pairs (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        distance INTEGER NOT NULL,
        dhash_distance INTEGER NOT NULL,
        PRIMARY KEY (a, b)
    ) WITHOUT ROWID;
    CREATE TABLE near_compared (content_id TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE similar_pairs (
        model_id TEXT NOT NULL,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        similarity REAL NOT NULL,
        PRIMARY KEY (model_id, a, b)
    ) WITHOUT ROWID;
    CREATE TABLE similar_compared (
        model_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        PRIMARY KEY (model_id, content_id)
    ) WITHOUT ROWID;
    CREATE TABLE clusterings (
        model_id TEXT PRIMARY KEY,
        clusters INTEGER NOT NULL,
        images INTEGER NOT NULL,
        centroids BLOB NOT NULL,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE cluster_members (
        model_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        cluster INTEGER NOT NULL,
        similarity REAL NOT NULL,
        PRIMARY KEY (model_id, content_id)
    ) WITHOUT ROWID;
    CREATE INDEX cluster_members_cluster ON cluster_members(model_id, cluster, similarity);
    """,
    # 9: the evaluator registry. Each trained model: its id, file (in data_dir/evaluators/),
    #    the CLIP model it was trained on, what it saw, its validation report; one is active.
    #    predictions.model_id holds the evaluator id; uncertainty feeds "most informative".
    """
    CREATE TABLE evaluators (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        clip_model_id TEXT NOT NULL,
        ratings INTEGER NOT NULL,
        pairs INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        report_json TEXT NOT NULL,
        params_json TEXT NOT NULL,
        file TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    ALTER TABLE predictions ADD COLUMN uncertainty REAL;
    CREATE INDEX predictions_model ON predictions(model_id);
    CREATE INDEX predictions_uncertainty ON predictions(uncertainty, content_id);
    """,
    # 10: find by what you know (issue 12). Facet columns: camera (a display label from make
    #    and model), day (the local date taken, 'YYYY-MM-DD', else the file's mtime date),
    #    date_source, the place from GPS (indexing.ingest.places), and files.folder. Each
    #    facet has an index that leads with its column and covers present_files.
    #    search_fts is the FTS5 index of names, folders, prompts, texts, camera, place and
    #    subjects (indexing.store.search_text builds its rows); search_docs maps its rowids
    #    (INTEGER PRIMARY KEY: VACUUM keeps them) to content ids. Triggers put every content
    #    whose text may have changed into search_dirty, in the writer's own transaction; the
    #    rows are rebuilt from there (so no write path can leave the index stale). The
    #    triggers spell "insert if absent" with NOT EXISTS: an OR IGNORE inside a trigger
    #    takes the outer statement's conflict rule instead (an upsert of files aborts).
    #    subjects: each image's confident tags under the current CLIP model;
    #    subject_tagged: which images were tagged (some get no tag); subject_state: the model
    #    and vocabulary the tags were made with (a change re-tags everything). An image no
    #    file shows loses its tags (so the subject facet counts by one index scan), and is
    #    tagged again if a file shows it again.
    """
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
    """,
    # 11: camera labels and places for the rows that existed before v10 (Python: the label
    #     rules and the gazetteer live in indexing.ingest).
    "python:camera_and_places",
    # 12: facet_log, the rowid of every image whose facet or filter fields (rating
    #     included), files or subject tags changed, appended by triggers in the writer's
    #     own transaction; a root added or removed appends NULL (everything).
    #     indexing.query.facet_index keeps those columns in memory and reads the log past
    #     the position it reflects to patch them. The log keeps its last 200,000 rows
    #     (trimmed by the insert triggers). facet_state names this catalog for the arrays
    #     saved beside it. images_day_default gives a row written without a day (a bulk
    #     load, an older writer) the one v10 would.
    """
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
    """,
    # 13: videos. images.kind says which a content is; a video's row holds its poster's
    #     size-independent facts (hashes of the poster frame), its duration in seconds and
    #     its codec. video_frames lists the moments sampled from each video: their vectors
    #     are in the model's frames collection (indexing.store.vectors.frames_of), under
    #     the id '<content id>@<milliseconds>'.
    """
    ALTER TABLE images ADD COLUMN kind TEXT NOT NULL DEFAULT 'image';
    ALTER TABLE images ADD COLUMN duration REAL;
    ALTER TABLE images ADD COLUMN video_codec TEXT;
    CREATE INDEX images_videos ON images(duration) WHERE kind = 'video';
    CREATE TABLE video_frames (
        content_id TEXT NOT NULL REFERENCES images(content_id) ON DELETE CASCADE,
        ms INTEGER NOT NULL,
        PRIMARY KEY (content_id, ms)
    ) WITHOUT ROWID;
    """,
    # 14: planner statistics. SQLite picks among the filter indexes well only with ANALYZE
    #     statistics (a 1% width filter at 1M images: a skip-scan of images_filter_cover,
    #     7 ms, instead of the width index plus 10,000 row reads, 35 ms). Catalog.
    #     refresh_statistics runs a sampled ANALYZE when the library has grown or shrunk
    #     by a quarter since the last one, whose image count this row keeps.
    """
    CREATE TABLE planner_stats (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        images INTEGER NOT NULL,
        analysed_at REAL NOT NULL
    );
    """,
    # 15: "not duplicates" decisions (indexing.curate.dismissals). A dismissal is a set of
    #     content ids: any two of them are not duplicates of each other (a near or similar
    #     pair between them is never grouped); a set of one says that content's own copies
    #     are all kept (the exact tier). By content, so a rename, a move or a re-index keeps
    #     the decision; AUTOINCREMENT so a reset id is never reused (groupings are cached
    #     by the largest id).
    """
    CREATE TABLE dismissals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        size INTEGER NOT NULL,
        at REAL NOT NULL
    );
    CREATE TABLE dismissal_members (
        dismissal INTEGER NOT NULL REFERENCES dismissals(id) ON DELETE CASCADE,
        content_id TEXT NOT NULL,
        PRIMARY KEY (dismissal, content_id)
    ) WITHOUT ROWID;
    CREATE INDEX dismissal_members_content ON dismissal_members(content_id);
    """,
    # 16: bulk predictions (issue 28). The predictions triggers of v3 keep rating_key row by
    #     row; predicting a million images spent most of its time there. bulk_writes holds
    #     a row only inside a bulk writer's own transaction (evaluator.predictions), which
    #     writes the predictions, then rating_key for all of them in one statement; while
    #     it is there the per-row triggers stand aside. Readers never see it.
    """
    CREATE TABLE bulk_writes (what TEXT PRIMARY KEY) WITHOUT ROWID;
    DROP TRIGGER predictions_after_insert;
    DROP TRIGGER predictions_after_update;
    DROP TRIGGER predictions_after_delete;
    CREATE TRIGGER predictions_after_insert AFTER INSERT ON predictions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE what = 'predictions') BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'predicted'
            WHERE content_id = NEW.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id);
    END;
    CREATE TRIGGER predictions_after_update AFTER UPDATE ON predictions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE what = 'predictions') BEGIN
        UPDATE images SET rating_key = NEW.rating, rating_source = 'predicted'
            WHERE content_id = NEW.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = NEW.content_id);
    END;
    CREATE TRIGGER predictions_after_delete AFTER DELETE ON predictions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE what = 'predictions') BEGIN
        UPDATE images SET rating_key = NULL, rating_source = NULL
            WHERE content_id = OLD.content_id
            AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.content_id = OLD.content_id);
    END;
    """,
]


def _camera_and_places(conn: sqlite3.Connection) -> None:
    """Fill images.camera and the place columns of v10 from the stored EXIF and GPS."""
    from indexing.names.facet_values import camera_label
    from indexing.names.places import places_for

    rows = conn.execute(
        "SELECT content_id, camera_make, camera_model FROM images "
        "WHERE camera_make IS NOT NULL OR camera_model IS NOT NULL"
    ).fetchall()
    conn.executemany(
        "UPDATE images SET camera = ? WHERE content_id = ?",
        ((camera_label(make, model), cid) for cid, make, model in rows),
    )
    rows = conn.execute(
        "SELECT content_id, gps_lat, gps_lon FROM images WHERE gps_lat IS NOT NULL"
    ).fetchall()
    places = places_for([(lat, lon) for _, lat, lon in rows])
    conn.executemany(
        "UPDATE images SET place_city = ?, place_region = ?, place_cc = ?, place_country = ? "
        "WHERE content_id = ?",
        (
            (place.city, place.region, place.country_code, place.country, row[0])
            for row, place in zip(rows, places, strict=True)
            if place is not None
        ),
    )


PYTHON_STEPS = {"python:camera_and_places": _camera_and_places}


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
        # Another connection (a UI thread, a CLI run) may have migrated while we waited.
        if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
            conn.execute("ROLLBACK")
            continue
        try:
            if script in PYTHON_STEPS:
                PYTHON_STEPS[script](conn)
            else:
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a script into statements; trigger bodies hold ';' of their own."""
    statements: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements
