"""Read queries shared by the CLI and the UI: status, errors, image details.

The rows come from the store (indexing/store/summary.py, image_reads.py, files.py,
ratings.py, predictions.py); this module shapes them into what the CLI and UI show.
"""

from __future__ import annotations

import json
from typing import Any

from indexing.ingest.generation import parse_generation
from indexing.store import summary, text_reads
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable
from indexing.store.files import paths_of
from indexing.store.image_reads import image_row, subjects_of
from indexing.store.predictions import prediction_of
from indexing.store.ratings import Ratings

__all__ = ["embedded_models", "errors", "image_detail", "prediction", "status"]


def status(catalog: Catalog) -> dict[str, Any]:
    return {
        "catalog": str(catalog.path),
        "schema_version": catalog.schema_version,
        **summary.counts(catalog),
    }


def embedded_models(catalog: Catalog) -> dict[str, int]:
    """How many images have a vector under each model id (stale models included)."""
    return summary.embedded_models(catalog)


def errors(catalog: Catalog, limit: int = 100) -> list[dict[str, str]]:
    """Files that could not be indexed, then images whose text could not be read (OCR)."""
    rows = [{"path": path, "reason": reason} for path, reason in summary.errors(catalog, limit)]
    room = limit - len(rows)
    if room > 0:
        rows += [{"path": p, "reason": r} for p, r in text_reads.failures(catalog, room)]
    return rows


def warnings(catalog: Catalog, limit: int = 100) -> list[dict[str, str]]:
    """Files that were indexed but had something skipped, and what (one row per message)."""
    return [
        {"path": path, "message": message} for path, message in summary.warnings(catalog, limit)
    ]


def image_detail(catalog: Catalog, content_id: str) -> dict[str, Any] | None:
    detail = image_row(catalog, content_id)
    if detail is None:
        return None
    detail["exif"] = json.loads(detail.pop("exif_json"))
    detail["texts"] = json.loads(detail.pop("text_json"))
    generation = parse_generation(detail["texts"])
    detail["generation"] = generation.as_dict() if generation else None
    detail["place"] = _place(detail)
    detail["subjects"] = subjects(catalog, content_id)
    detail["people"] = people_in(catalog, content_id)
    detail["paths"] = [{"path": p, "status": s} for p, s in paths_of(catalog, content_id)]
    rating = Ratings(catalog).current(content_id)
    detail["rating"] = rating.rating if rating else None
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


def people_in(catalog: Catalog, content_id: str) -> list[dict[str, Any]]:
    """The faces in an image, left to right: face id, person id and name (None: unnamed),
    box (fractions of the upright image)."""
    return [
        {"face": f.id, "person_id": f.person_id, "name": f.person_name,
         "box": [round(v, 4) for v in (f.left, f.top, f.width, f.height)]}
        for f in FaceTable(catalog).faces_in(content_id)
    ]  # fmt: skip


def subjects(catalog: Catalog, content_id: str) -> list[str]:
    """The image's subject tags under the current CLIP model, the most confident first."""
    return subjects_of(catalog, content_id)


def prediction(catalog: Catalog, content_id: str) -> tuple[float, float | None] | None:
    """The evaluator's predicted rating of an image and its uncertainty, if it has one."""
    return prediction_of(catalog, content_id)
