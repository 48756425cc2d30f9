"""Migration 5: warnings: the content was indexed, but something in it was skipped (an oversized
PNG text chunk). Keyed by content, since they describe the bytes, not a path.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE index_warnings (
        content_id TEXT NOT NULL,
        message TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (content_id, message)
    ) WITHOUT ROWID;
    """
