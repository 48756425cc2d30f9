"""XMP sidecars met while indexing: which images they describe, and their star ratings.

The walk notes every `.xmp` file with its size and mtime; one that is new or changed since
it was last read is read again (store: sidecar_imports), so a rating changed in digiKam or
darktable reaches Pictor on the next index, and an unchanged sidecar costs one stat.
"""

from __future__ import annotations

import os

from indexing.ingest import xmp_keywords, xmp_read
from indexing.store import files
from indexing.store.catalog import Catalog
from indexing.store.pending_writes import PendingWrites


def sidecar_images(sidecar: str, image_names: dict[str, set[str]]) -> list[str]:
    """The images a sidecar belongs to: photo.jpg.xmp -> photo.jpg; photo.xmp -> photo.*"""
    folder, name = os.path.split(sidecar)
    base = name[:-4]
    names = image_names.get(folder, set())
    if base in names:
        return [os.path.join(folder, base)]
    return sorted(os.path.join(folder, n) for n in names if os.path.splitext(n)[0] == base)


def import_sidecar(
    catalog: Catalog, writes: PendingWrites, images: list[str], now: float
) -> str | None:
    """Queue the sidecar's rating, tags and caption for each catalogued image; the one-line
    problem, if any."""
    for image in images:
        cid = files.present_content_id(catalog, image)
        if cid is None:
            continue  # not indexed (a bad file): nothing to rate
        try:
            found = xmp_read.read_sidecar_rating(image)
        except xmp_read.SidecarError as exc:
            return str(exc)
        if found is not None:
            writes.put_found_rating(cid, found.score, now)
        keywords = xmp_keywords.sidecar_keywords(image)
        if keywords is not None:
            writes.put_found_keywords(cid, list(keywords.tags), keywords.caption, now)
    return None
