"""Migration 22: smart albums and event proposals (issue 33).

`smart_albums` gives an album a saved query instead of members: a versioned JSON of the
filters, sort, metadata query and text query (indexing.curate.smart_albums), run each time
the album is shown, so it stays live. It hangs off the album row, so a rename, a move into
a folder and a delete work as for any album. `event_decisions` remembers what the user did
with a proposed event album (accepted, dismissed) with the proposal's member content ids,
so a re-run that proposes the same trip again, with a few new photos, recognises it.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE smart_albums (
        album INTEGER PRIMARY KEY REFERENCES albums(id) ON DELETE CASCADE,
        query TEXT NOT NULL
    );
    CREATE TABLE event_decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        decision TEXT NOT NULL CHECK (decision IN ('accepted', 'dismissed')),
        title TEXT NOT NULL,
        members TEXT NOT NULL,
        album INTEGER REFERENCES albums(id) ON DELETE SET NULL,
        at REAL NOT NULL
    );
    """
