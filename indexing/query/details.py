"""Read queries shared by the CLI and the UI: status, errors, image details."""

from __future__ import annotations

import json
from typing import Any

from indexing.ingest.generation import parse_generation
from indexing.store.catalog import Catalog

# An image is shown while at least one of its files is present (kept by triggers).
PRESENT = "i.present_files > 0"


def status(catalog: Catalog) -> dict[str, Any]:
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
        "catalog": str(catalog.path),
        "schema_version": catalog.schema_version,
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


def errors(catalog: Catalog, limit: int = 100) -> list[dict[str, str]]:
    rows = catalog.conn.execute(
        "SELECT path, reason FROM index_errors ORDER BY at DESC, path LIMIT ?", (limit,)
    )
    return [{"path": row[0], "reason": row[1]} for row in rows]


def warnings(catalog: Catalog, limit: int = 100) -> list[dict[str, str]]:
    """Files that were indexed but had something skipped, and what (one row per message)."""
    rows = catalog.conn.execute(
        "SELECT (SELECT MIN(f.path) FROM files f WHERE f.content_id = w.content_id "
        "AND f.status = 'present') AS path, w.message FROM index_warnings w "
        "JOIN images i USING (content_id) WHERE i.present_files > 0 "
        "ORDER BY w.at DESC, path LIMIT ?",
        (limit,),
    )
    return [{"path": row[0], "message": row[1]} for row in rows]


def image_detail(catalog: Catalog, content_id: str) -> dict[str, Any] | None:
    row = catalog.conn.execute("SELECT * FROM images WHERE content_id = ?", (content_id,))
    image = row.fetchone()
    if image is None:
        return None
    detail = dict(image)
    detail["exif"] = json.loads(detail.pop("exif_json"))
    detail["texts"] = json.loads(detail.pop("text_json"))
    generation = parse_generation(detail["texts"])
    detail["generation"] = generation.as_dict() if generation else None
    detail["place"] = _place(detail)
    detail["subjects"] = subjects(catalog, content_id)
    detail["paths"] = [
        {"path": r[0], "status": r[1]}
        for r in catalog.conn.execute(
            "SELECT path, status FROM files WHERE content_id = ? ORDER BY status DESC, path",
            (content_id,),
        )
    ]
    rating = catalog.conn.execute(
        "SELECT rating FROM ratings WHERE content_id = ?", (content_id,)
    ).fetchone()
    detail["rating"] = rating[0] if rating else None
    predicted = prediction(catalog, content_id)
    detail["predicted"], detail["uncertainty"] = predicted if predicted else (None, None)
    return detail


def _place(image: dict[str, Any]) -> dict[str, str | None] | None:
    """Where the GPS position is (from the offline gazetteer), or None without GPS."""
    place = {
        "city": image.get("place_city"),
        "region": image.get("place_region"),
        "country_code": image.get("place_cc"),
        "country": image.get("place_country"),
    }
    return place if any(place.values()) else None


def subjects(catalog: Catalog, content_id: str) -> list[str]:
    """The image's subject tags under the current CLIP model, the most confident first."""
    rows = catalog.conn.execute(
        "SELECT tag FROM subjects WHERE content_id = ? ORDER BY score DESC, tag", (content_id,)
    )
    return [row[0] for row in rows]


def prediction(catalog: Catalog, content_id: str) -> tuple[float, float | None] | None:
    """The evaluator's predicted rating of an image and its uncertainty, if it has one."""
    row = catalog.conn.execute(
        "SELECT rating, uncertainty FROM predictions WHERE content_id = ?", (content_id,)
    ).fetchone()
    return (row[0], row[1]) if row else None
