"""Migration 19: text in images (issue 32). text_reads: one row per content the OCR stage
has read, whatever came of it (state 'none': no text found; 'text': lines found;
'failed': the engine could not read it, with the reason), stamped with the engine that
read it, so an unchanged content is never read twice and a moved file keeps its text
(both hang off the content id). text_lines: the lines read, in reading order, each with
its box (four corners in the upright image's pixels, JSON) and the recogniser's
confidence. The lines go into the full-text index's text column (store/search_text.py):
the triggers queue the content in search_dirty whenever a reading with text is
written, replaced or removed, as the other tables' triggers do (migration 10); a
reading that found nothing (most photos) changes nothing there and queues nothing.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE text_reads (
        content_id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('none', 'text', 'failed')),
        lines INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        engine TEXT NOT NULL,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX text_reads_state ON text_reads(state, content_id);
    CREATE TABLE text_lines (
        content_id TEXT NOT NULL,
        line INTEGER NOT NULL,
        text TEXT NOT NULL,
        box TEXT NOT NULL,
        confidence REAL NOT NULL,
        PRIMARY KEY (content_id, line)
    ) WITHOUT ROWID;
    CREATE TRIGGER search_text_reads_insert AFTER INSERT ON text_reads
        WHEN NEW.state = 'text' BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_text_reads_update AFTER UPDATE ON text_reads
        WHEN NEW.state = 'text' OR OLD.state = 'text' BEGIN
        INSERT INTO search_dirty(content_id) SELECT NEW.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = NEW.content_id);
    END;
    CREATE TRIGGER search_text_reads_delete AFTER DELETE ON text_reads
        WHEN OLD.state = 'text' BEGIN
        INSERT INTO search_dirty(content_id) SELECT OLD.content_id
            WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE content_id = OLD.content_id);
    END;
    """
