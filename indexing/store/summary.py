"""Counts and recent problems across the catalog's tables, for `status`, `errors` and
`warnings` (read only; each table's writes are its own module's)."""

from __future__ import annotations

from typing import Any

from indexing.store.catalog import Catalog

# An image is shown while at least one of its files is present (kept by triggers).
PRESENT = "i.present_files > 0"


def counts(catalog: Catalog) -> dict[str, Any]:
    """What `status` reports from the catalog, its path and schema version aside."""
    conn = catalog.conn
    images, total_bytes = conn.execute(
        f"SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM images i WHERE {PRESENT}"
    ).fetchone()
    files = dict(conn.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall())
    formats = dict(
        conn.execute(
            f"SELECT format, COUNT(*) FROM images i WHERE {PRESENT} GROUP BY format "
            "ORDER BY COUNT(*) DESC, format"
        ).fetchall()
    )
    roots = [
        {"path": row[0], "last_scan_at": row[1]}
        for row in conn.execute("SELECT path, last_scan_at FROM roots ORDER BY path")
    ]
    return {
        "roots": roots,
        "images": images,  # contents: photos and videos
        "videos": conn.execute(
            "SELECT COUNT(*) FROM images WHERE kind = 'video' AND present_files > 0"
        ).fetchone()[0],
        "total_bytes": total_bytes,
        "files": files.get("present", 0),
        "missing_files": files.get("missing", 0),
        "formats": formats,
        "errors": conn.execute("SELECT COUNT(*) FROM index_errors").fetchone()[0],
        "warnings": conn.execute(
            "SELECT COUNT(*) FROM index_warnings w JOIN images i USING (content_id) "
            f"WHERE {PRESENT}"
        ).fetchone()[0],
        "ratings": conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0],
        "preferences": conn.execute("SELECT COUNT(DISTINCT choice_id) FROM preferences").fetchone()[
            0
        ],
    }


def embedded_models(catalog: Catalog) -> dict[str, int]:
    """How many images have a vector under each model id (stale models included)."""
    rows = catalog.conn.execute(
        "SELECT model_id, COUNT(*) FROM embeddings WHERE status = 'done' GROUP BY model_id"
    )
    return {row[0]: row[1] for row in rows}


def errors(catalog: Catalog, limit: int) -> list[tuple[str, str]]:
    """(path, reason) of the latest files that could not be indexed."""
    return catalog.conn.execute(
        "SELECT path, reason FROM index_errors ORDER BY at DESC, path LIMIT ?", (limit,)
    ).fetchall()


def warnings(catalog: Catalog, limit: int) -> list[tuple[str, str]]:
    """(a present path, message) of the latest warnings of shown images."""
    return catalog.conn.execute(
        "SELECT (SELECT MIN(f.path) FROM files f WHERE f.content_id = w.content_id "
        "AND f.status = 'present') AS path, w.message FROM index_warnings w "
        "JOIN images i USING (content_id) WHERE i.present_files > 0 "
        "ORDER BY w.at DESC, path LIMIT ?",
        (limit,),
    ).fetchall()
