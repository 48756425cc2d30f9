"""Migration 2: which content ids have a vector under which model (the vectors live in ChromaDB).

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE embeddings (
        model_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        reason TEXT,
        at REAL NOT NULL,
        PRIMARY KEY (model_id, content_id)
    ) WITHOUT ROWID;
    """
