"""Migration 14: planner statistics. SQLite picks among the filter indexes well only with ANALYZE
statistics (a 1% width filter at 1M images: a skip-scan of images_filter_cover,
7 ms, instead of the width index plus 10,000 row reads, 35 ms). Catalog.
refresh_statistics runs a sampled ANALYZE when the library has grown or shrunk
by a quarter since the last one, whose image count this row keeps.

Shipped: never edit it; add the next number instead.
"""

SQL = """
    CREATE TABLE planner_stats (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        images INTEGER NOT NULL,
        analysed_at REAL NOT NULL
    );
    """
