"""The statements of the image listing (indexing/query/listing.py): a page's content ids
by walking a sort index or by sorting the filtered rows, the counts over the covering
index, and the listed columns of a page.

What to run is the listing's choice (its plan, the budget of a walk, the ORDER BY of each
part); how it runs against SQLite (index hints, the generated columns spelled out for the
covering index, the progress handler that stops a walk) is here.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from indexing.store.catalog import Catalog

COVER = "INDEXED BY images_filter_cover"
GENERATED = {"i.pixels": "(i.width * i.height)", "i.aspect": "(CAST(i.width AS REAL) / i.height)"}
COLUMNS = (
    "i.content_id, i.width, i.height, i.format, i.bytes, i.taken_at, i.date_key, i.added_at, "
    "i.rating_key, i.rating_source, (SELECT MIN(f.path) FROM files f WHERE "
    "f.content_id = i.content_id AND f.status = 'present') AS path, i.kind, i.duration"
)


@dataclass(frozen=True, slots=True)
class Part:
    """One ordered run of the result: a where clause over images `i`, its ORDER BY, and
    the index that serves that order."""

    where: str
    params: list[Any]
    order: str
    index: str


def covered(sql: str) -> str:
    """sql with the generated columns spelled out, so the covering index alone answers it
    (SQLite reads a virtual generated column from the table even when an index holds it)."""
    for column, expression in GENERATED.items():
        sql = sql.replace(column, expression)
    return sql


def _scalar(catalog: Catalog, sql: str, params: list[Any]) -> int:
    return int(catalog.conn.execute(sql, params).fetchone()[0])


def total_present(catalog: Catalog) -> int:
    """How many images are shown (a file present), from the narrow images_present index."""
    return _scalar(
        catalog,
        "SELECT COUNT(*) FROM images i INDEXED BY images_present WHERE i.present_files > 0",
        [],
    )


def count(catalog: Catalog, cover: str, where: str, params: list[Any]) -> int:
    """How many images meet where, counted over the covering index (cover: its hint)."""
    return _scalar(catalog, covered(f"SELECT COUNT(*) FROM images i {cover} WHERE {where}"), params)


def count_matched(catalog: Catalog, matched_sql: str, where: str, params: list[Any]) -> int:
    """How many images among those matched_sql selects meet where (params: both's)."""
    return _scalar(
        catalog,
        f"SELECT COUNT(*) FROM images i WHERE i.content_id IN ({matched_sql}) AND {where}",
        params,
    )


def run_ids(catalog: Catalog, part: Part, offset: int, limit: int, hint: str) -> list[str]:
    """limit content ids of the part from offset, in its order, with the index hint."""
    sql = (
        f"SELECT i.content_id FROM images i {hint} WHERE {part.where} "
        f"ORDER BY {part.order} LIMIT ? OFFSET ?"
    )
    if "images_filter_cover" in hint:
        sql = covered(sql)
    return [row[0] for row in catalog.conn.execute(sql, [*part.params, limit, offset])]


def walk_with_budget(
    catalog: Catalog, part: Part, offset: int, limit: int, budget_s: float
) -> list[str] | None:
    """The page's ids by walking the part's sort index, or None when that takes over
    budget_s seconds."""
    deadline = time.perf_counter() + budget_s
    catalog.conn.set_progress_handler(lambda: time.perf_counter() > deadline, 2000)
    try:
        return run_ids(catalog, part, offset, limit, f"INDEXED BY {part.index}")
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
        return None
    finally:
        catalog.conn.set_progress_handler(None, 0)


def sort_and_count(
    catalog: Catalog, cover: str, part: Part, offset: int, limit: int
) -> list[tuple[str, int]]:
    """(content id, how many rows meet the part's where) of a page, by sorting the filtered
    rows of the covering index: the page and the count in one scan."""
    return catalog.conn.execute(
        covered(
            f"SELECT i.content_id, COUNT(*) OVER () FROM images i {cover} "
            f"WHERE {part.where} "
            f"ORDER BY {part.order} LIMIT ? OFFSET ?"
        ),
        [*part.params, limit, offset],
    ).fetchall()


def rows_of(catalog: Catalog, ids: list[str]) -> list[Any]:
    """The listed columns (COLUMNS) of ids, in the order given."""
    if not ids:
        return []
    rows = catalog.conn.execute(
        f"SELECT {COLUMNS} FROM images i WHERE i.content_id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    by_id = {row[0]: row for row in rows}
    return [by_id[cid] for cid in ids if cid in by_id]
