"""Migration 18: faces and people (issue 31). `faces` holds each face found in an image (its
box as fractions of the upright image, the detector's score, the 128-float descriptor
and the model that made it) or named in its XMP regions; `person_id` is the person it
belongs to and `assigned` who decided: 'auto' (grouping), 'user' or 'xmp' (the last two
are never changed by a later grouping run). `people` are named or unnamed groups.
`face_rejections` are the user's "not this person", by content and face centre, so a
re-detection keeps them. `face_scans` says which contents the detector has seen (with
which model, and why it failed if it did). All of it hangs off the content id.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE people (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        cover_face INTEGER,
        created_at REAL NOT NULL
    );
    CREATE UNIQUE INDEX people_name ON people(name COLLATE NOCASE) WHERE name IS NOT NULL;
    CREATE TABLE faces (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        content_id TEXT NOT NULL,
        left REAL NOT NULL,
        top REAL NOT NULL,
        width REAL NOT NULL,
        height REAL NOT NULL,
        score REAL,
        descriptor BLOB,
        model TEXT,
        source TEXT NOT NULL CHECK (source IN ('detected', 'xmp')),
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        assigned TEXT CHECK (assigned IN ('auto', 'user', 'xmp'))
    );
    CREATE INDEX faces_content ON faces(content_id);
    CREATE INDEX faces_person ON faces(person_id, content_id);
    CREATE TABLE face_scans (
        content_id TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        faces INTEGER NOT NULL,
        error TEXT,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE face_rejections (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        content_id TEXT NOT NULL,
        cx REAL NOT NULL,
        cy REAL NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (person_id, content_id, cx, cy)
    ) WITHOUT ROWID;
    CREATE INDEX face_rejections_content ON face_rejections(content_id);
    """
