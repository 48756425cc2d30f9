"""Migration 8: duplicate and similarity grouping. near_hashes: the 8 oriented pHashes and dHashes
(indexing.dedup.hashes), computed at index time, and for existing images from their
thumbnails (indexing.dedup.backfill). The pair caches hold every pair found so far
(near: both distances; similar: cosine, per model), and *_compared which images have
been compared with everything: an update compares only the rest. Clusters keep their
centroids, so new images join the nearest one.

Shipped: never edit it; add the next number instead.
"""

SQL = """
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
    """
