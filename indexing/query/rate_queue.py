"""The Rate tab's queues: which image comes next, and how many are left.

Every "next" is one keyset query on an index (never OFFSET), so a key press costs the same
at a million images as at a hundred:
- unrated: images you have not rated, in a shuffled order (a seeded rotation of content-id
  space, as the random sort does); an image leaves the queue once rated.
- random: every image, shuffled the same way.
- filter: the Filters tab's current filter (its "Rate these"), unrated ones, shuffled.
- informative: the images whose rating would teach the evaluator most: the least certain
  predictions first; before any training, one image from each visual cluster in turn, so
  the first ratings cover the library; with neither, unrated ones shuffled.
- folder: every image under a folder, by path.
- ids: an explicit list (the Search tab's "Rate these"), in its order.
A queue's position is a small Cursor kept by the caller (the UI session), so two browser
tabs rating at once each have their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from indexing.query.filters import Filter
from indexing.query.listing import random_pivot
from indexing.store import files, image_reads
from indexing.store.catalog import Catalog, path_range
from indexing.store.image_reads import UNRATED

KINDS = ("unrated", "random", "informative", "folder", "filter", "ids")


@dataclass(frozen=True, slots=True)
class QueueSpec:
    kind: str = "unrated"
    seed: int = 0
    folder: str | None = None
    filter: Filter | None = None
    ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a queue stands: the last key handed out, and whether the rotation wrapped."""

    last: str | None = None
    wrapped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # a queue's own state (clusters)


@dataclass(frozen=True, slots=True)
class Step:
    content_id: str | None  # None: the queue is done
    cursor: Cursor
    note: str = ""  # e.g. why "informative" fell back to shuffled


def next_image(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    if spec.kind == "folder":
        return _next_in_folder(catalog, spec, cursor)
    if spec.kind == "ids":
        return _next_in_list(catalog, spec, cursor)
    if spec.kind == "informative":
        return _next_informative(catalog, spec, cursor)
    return next_in_rotation(catalog, _rotation_where(spec), random_pivot(spec.seed), cursor)


def remaining(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> int:
    """Images still ahead in this queue (the current one excluded)."""
    if spec.kind == "folder":
        lo, hi = path_range(spec.folder or "/")
        return files.count_present_between(catalog, max(lo, cursor.last or ""), hi)
    if spec.kind == "ids":
        return max(0, len(spec.ids) - int(cursor.extra.get("index", 0)))
    where, params = _rotation_where(
        spec if spec.kind != "informative" else replace(spec, kind="unrated")
    )
    pivot = random_pivot(spec.seed)
    last = cursor.last or pivot
    if cursor.wrapped:
        ranges = [("i.content_id > ? AND i.content_id < ?", [last, pivot])]
    else:
        after = "i.content_id > ?" if cursor.last else "i.content_id >= ?"
        ranges = [(after, [last]), ("i.content_id < ?", [pivot])]
    return sum(
        image_reads.count_where(catalog, (f"{where} AND {r}", params + p)) for r, p in ranges
    )


def _rotation_where(spec: QueueSpec) -> tuple[str, list[Any]]:
    where, params = (spec.filter or Filter()).where()
    if spec.kind in ("unrated", "filter"):
        where += f" AND {UNRATED}"
    return where, params


def _least_certain(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    """Unrated images by their prediction's uncertainty, largest first (keyset on it)."""
    last_u, last_id = cursor.extra.get("u"), cursor.extra.get("id", "")
    row = image_reads.least_certain(
        catalog, (spec.filter or Filter()).where(), None if last_u is None else (last_u, last_id)
    )
    if row is None:
        return Step(None, cursor)
    extra = {"source": "uncertain", "u": row[1], "id": row[0]}
    return Step(row[0], Cursor(row[0], extra=extra), "Least certain predictions first.")


ROUND_ROBIN = 2000  # images taken one cluster at a time before any evaluator exists


def _clusters_in_turn(catalog: Catalog, cursor: Cursor) -> Step:
    """One unrated image from each visual cluster in turn (nearest its centre first)."""
    ids = cursor.extra.get("ids")
    if ids is None:
        ids = image_reads.unrated_by_cluster_turn(catalog, ROUND_ROBIN)
    step = _next_in_list(
        catalog, QueueSpec("ids", ids=tuple(ids)), Cursor(cursor.last, extra=cursor.extra)
    )
    extra = {**step.cursor.extra, "source": "clusters", "ids": ids}
    note = "No evaluator yet: one image from each visual cluster in turn."
    return Step(step.content_id, Cursor(step.cursor.last, extra=extra), note)


def next_in_rotation(
    catalog: Catalog, where_params: tuple[str, list[Any]], pivot: str, cursor: Cursor
) -> Step:
    """Ids from the pivot up, then from the lowest up to the pivot: each image once."""
    where, params = where_params
    if not cursor.wrapped:
        bound = "i.content_id > ?" if cursor.last else "i.content_id >= ?"
        found = image_reads.first_id_where(
            catalog, (f"{where} AND {bound}", [*params, cursor.last or pivot])
        )
        if found:
            return Step(found, Cursor(found, False))
        cursor = Cursor(None, True)
    found = image_reads.first_id_where(
        catalog,
        (f"{where} AND i.content_id > ? AND i.content_id < ?", [*params, cursor.last or "", pivot]),
    )
    return Step(found, Cursor(found, True)) if found else Step(None, cursor)


def _next_in_folder(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    lo, hi = path_range(spec.folder or "/")
    row = files.next_present_between(catalog, max(lo, cursor.last or ""), hi)
    return Step(row[1], Cursor(row[0])) if row else Step(None, cursor)


def _next_in_list(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    index = int(cursor.extra.get("index", 0))
    while index < len(spec.ids):
        content_id = spec.ids[index]
        index += 1
        if catalog.shows_image(content_id):
            return Step(content_id, Cursor(content_id, extra={"index": index}))
    return Step(None, Cursor(cursor.last, extra={"index": index}))


def _next_informative(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    """Least certain prediction first; else clusters in turn; else unrated, shuffled."""
    source = cursor.extra.get("source")
    if source in (None, "uncertain"):
        step = _least_certain(catalog, spec, cursor)
        if step.content_id is not None or source == "uncertain":
            return step
    if source in (None, "clusters"):
        step = _clusters_in_turn(catalog, cursor)
        if step.content_id is not None or source == "clusters":
            return step
    unrated = replace(spec, kind="unrated")
    step = next_in_rotation(catalog, _rotation_where(unrated), random_pivot(spec.seed), cursor)
    note = "No evaluator or clusters yet, so this queue shows unrated images, shuffled."
    return replace(step, note=note)
