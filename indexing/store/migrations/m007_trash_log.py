"""Migration 7: the trash. Every move is logged before it happens (state 'moving'), so a crash
mid-move is found and finished or undone on the next trash operation; 'trashed'
rows can be restored; 'emptied' is the only state in which the bytes are gone.

Shipped: never edit it; add the next number instead.
"""

SQL = """
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
    """
