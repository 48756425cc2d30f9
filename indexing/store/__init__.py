"""Storage: the SQLite catalog and its migrations, ChromaDB vectors and their mirror, thumbnails."""
