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
    conn = catalog.conn
    if spec.kind == "folder":
        lo, hi = path_range(spec.folder or "/")
        start = max(lo, cursor.last or "")
        return conn.execute(
            "SELECT COUNT(*) FROM files WHERE status = 'present' AND path > ? AND path < ?",
            (start, hi),
        ).fetchone()[0]
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
        conn.execute(f"SELECT COUNT(*) FROM images i WHERE {where} AND {r}", params + p).fetchone()[
            0
        ]
        for r, p in ranges
    )


def _rotation_where(spec: QueueSpec) -> tuple[str, list[Any]]:
    where, params = (spec.filter or Filter()).where()
    if spec.kind in ("unrated", "filter"):
        where += f" AND {UNRATED}"
    return where, params


def _least_certain(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    """Unrated images by their prediction's uncertainty, largest first (keyset on it)."""
    where, params = (spec.filter or Filter()).where()
    last_u, last_id = cursor.extra.get("u"), cursor.extra.get("id", "")
    after = (
        ""
        if last_u is None
        else "AND (p.uncertainty < ? OR (p.uncertainty = ? AND p.content_id > ?))"
    )
    more = [] if last_u is None else [last_u, last_u, last_id]
    row = catalog.conn.execute(
        f"SELECT p.content_id, p.uncertainty FROM predictions p JOIN images i USING (content_id) "
        f"WHERE p.uncertainty IS NOT NULL AND {where} AND {UNRATED} {after} "
        "ORDER BY p.uncertainty DESC, p.content_id LIMIT 1",
        [*params, *more],
    ).fetchone()
    if row is None:
        return Step(None, cursor)
    extra = {"source": "uncertain", "u": row[1], "id": row[0]}
    return Step(row[0], Cursor(row[0], extra=extra), "Least certain predictions first.")


ROUND_ROBIN = 2000  # images taken one cluster at a time before any evaluator exists


def _clusters_in_turn(catalog: Catalog, cursor: Cursor) -> Step:
    """One unrated image from each visual cluster in turn (nearest its centre first)."""
    ids = cursor.extra.get("ids")
    if ids is None:
        rows = catalog.conn.execute(
            "SELECT content_id FROM (SELECT m.content_id, m.cluster, ROW_NUMBER() OVER "
            "(PARTITION BY m.cluster ORDER BY m.similarity DESC) AS turn FROM cluster_members m "
            f"JOIN images i USING (content_id) WHERE i.present_files > 0 AND {UNRATED} AND "
            "m.model_id = (SELECT model_id FROM clusterings ORDER BY at DESC LIMIT 1)) "
            "ORDER BY turn, cluster LIMIT ?",
            (ROUND_ROBIN,),
        ).fetchall()
        ids = [r[0] for r in rows]
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
    conn = catalog.conn
    if not cursor.wrapped:
        bound = "i.content_id > ?" if cursor.last else "i.content_id >= ?"
        row = conn.execute(
            f"SELECT i.content_id FROM images i WHERE {where} AND {bound} "
            "ORDER BY i.content_id LIMIT 1",
            [*params, cursor.last or pivot],
        ).fetchone()
        if row:
            return Step(row[0], Cursor(row[0], False))
        cursor = Cursor(None, True)
    row = conn.execute(
        f"SELECT i.content_id FROM images i WHERE {where} AND i.content_id > ? "
        "AND i.content_id < ? ORDER BY i.content_id LIMIT 1",
        [*params, cursor.last or "", pivot],
    ).fetchone()
    return Step(row[0], Cursor(row[0], True)) if row else Step(None, cursor)


def _next_in_folder(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    lo, hi = path_range(spec.folder or "/")
    row = catalog.conn.execute(
        "SELECT path, content_id FROM files WHERE status = 'present' AND path > ? AND path < ? "
        "ORDER BY path LIMIT 1",
        (max(lo, cursor.last or ""), hi),
    ).fetchone()
    return Step(row[1], Cursor(row[0])) if row else Step(None, cursor)


def _next_in_list(catalog: Catalog, spec: QueueSpec, cursor: Cursor) -> Step:
    index = int(cursor.extra.get("index", 0))
    while index < len(spec.ids):
        content_id = spec.ids[index]
        index += 1
        present = catalog.conn.execute(
            "SELECT 1 FROM images WHERE content_id = ? AND present_files > 0", (content_id,)
        ).fetchone()
        if present:
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
