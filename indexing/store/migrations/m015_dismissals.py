"""Migration 15: "not duplicates" decisions (indexing.curate.dismissals). A dismissal is a set of
content ids: any two of them are not duplicates of each other (a near or similar
pair between them is never grouped); a set of one says that content's own copies
are all kept (the exact tier). By content, so a rename, a move or a re-index keeps
the decision; AUTOINCREMENT so a reset id is never reused (groupings are cached
by the largest id).

Shipped: never edit it; add the next number instead.
"""

SQL = """
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
    """
