"""Reads of the full-text index (search_fts, search_docs; kept by store/search_text.py)
for `find`: a page of matches ranked by bm25, their count, which columns each hit, and the
images' details. The query's words, their parsing and the FTS5 MATCH expression are
indexing/query/metadata_search.py's; the statements are here.
"""

from __future__ import annotations

from typing import Any

from indexing.store import search_text
from indexing.store.catalog import Catalog

Condition = tuple[str, list[Any]]  # SQL over images `i`, with its parameters


def refresh_if_pending(catalog: Catalog) -> None:
    """Bring the FTS index up to date (cheap when nothing is queued)."""
    if search_text.pending(catalog.conn):
        search_text.refresh(catalog.conn)


def matching_ids_sql(match: str) -> tuple[str, list[Any]]:
    """SQL selecting the content ids that match, for `i.content_id IN (...)`."""
    return (
        "SELECT d.content_id FROM search_fts JOIN search_docs d ON d.doc = search_fts.rowid "
        "WHERE search_fts MATCH ?",
        [match],
    )


def _bases(condition: Condition | None) -> tuple[str, str, list[Any]]:
    """The FROM ... WHERE of a page and of its count, and the condition's parameters."""
    # CROSS JOIN keeps FTS5 the outer loop (bm25 needs it) and lets it drive from the terms.
    base = "FROM search_fts CROSS JOIN search_docs d ON d.doc = search_fts.rowid "
    if condition is None:
        # Only images with a present file have a row (search_text), so no filter is no join:
        # the count is FTS5's alone, and a broad word does not read a million images rows.
        return base + "WHERE search_fts MATCH ?", "FROM search_fts WHERE search_fts MATCH ?", []
    where, params = condition
    base += (
        f"CROSS JOIN images i ON i.content_id = d.content_id WHERE search_fts MATCH ? AND {where}"
    )
    return base, base, params


def page(
    catalog: Catalog,
    match: str,
    condition: Condition | None,
    offset: int,
    size: int,
    *,
    weights: str,
    candidates: int,
) -> list[tuple]:
    """(content id, doc, rank) of one page: the ranked matches (all, or a broad query's
    `candidates` newest, by bm25 with the columns' weights), then the rest, newest first
    (rank None)."""
    conn = catalog.conn
    base, _, params = _bases(condition)
    params = [match, *params]
    newest = conn.execute(
        f"SELECT search_fts.rowid {base} ORDER BY search_fts.rowid DESC LIMIT ?",
        [*params, candidates + 1],
    ).fetchall()
    broad = len(newest) > candidates
    floor = newest[candidates - 1][0] if broad else 0  # the ranked matches: doc >= floor
    ranked = min(len(newest), candidates)
    rows: list[tuple] = []
    if offset < ranked:
        rows = conn.execute(
            f"SELECT d.content_id, search_fts.rowid, bm25(search_fts, {weights}) AS rank "
            f"{base} AND search_fts.rowid >= ? ORDER BY rank, d.content_id LIMIT ? OFFSET ?",
            [*params, floor, size, offset],
        ).fetchall()
    if broad and len(rows) < size:
        rows += conn.execute(
            f"SELECT d.content_id, search_fts.rowid, NULL {base} AND search_fts.rowid < ? "
            "ORDER BY search_fts.rowid DESC LIMIT ? OFFSET ?",
            [*params, floor, size - len(rows), max(0, offset - ranked)],
        ).fetchall()
    return rows


def count(catalog: Catalog, match: str, condition: Condition | None, limit: int) -> int:
    """How many images match, counting no further than limit."""
    _, count_base, params = _bases(condition)
    return catalog.conn.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 {count_base} LIMIT ?)", [match, *params, limit]
    ).fetchone()[0]


def snippets(catalog: Catalog, match: str, docs: list[int], columns: int) -> list[tuple]:
    """(doc, a snippet of each of the first `columns` columns) of each of docs, the hits
    between char(2) and char(3) (control characters no indexed text contains)."""
    marks = ",".join("?" * len(docs))
    parts = ", ".join(
        f"snippet(search_fts, {number}, char(2), char(3), '', 64)" for number in range(columns)
    )
    # The page's docs lie in one range of rowids (see page); FTS5 walks that range. Offered
    # `rowid IN (…)` instead, it would run the whole query once per doc (a second per
    # page for a broad prefix), so the list is only checked (+rowid: not offered to FTS5).
    return catalog.conn.execute(
        f"SELECT rowid, {parts} FROM search_fts WHERE search_fts MATCH ? "
        f"AND rowid BETWEEN ? AND ? AND +rowid IN ({marks})",
        [match, min(docs), max(docs), *docs],
    ).fetchall()


def found_details(catalog: Catalog, ids: list[str]) -> dict[str, tuple]:
    """content id -> (first present path, width, height, format, taken at)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {
        row[0]: tuple(row[1:])
        for row in catalog.conn.execute(
            "SELECT i.content_id, (SELECT MIN(f.path) FROM files f WHERE f.content_id = "
            "i.content_id AND f.status = 'present'), i.width, i.height, i.format, i.taken_at "
            f"FROM images i WHERE i.content_id IN ({marks})",
            ids,
        )
    }


def newest_where(catalog: Catalog, condition: Condition, offset: int, size: int) -> list[str]:
    """Content ids of one page of the images meeting the condition, newest taken first."""
    where, params = condition
    rows = catalog.conn.execute(
        f"SELECT i.content_id FROM images i WHERE {where} "
        "ORDER BY i.date_key DESC, i.content_id LIMIT ? OFFSET ?",
        [*params, size, offset],
    )
    return [row[0] for row in rows]


def count_where(catalog: Catalog, condition: Condition) -> int:
    where, params = condition
    return int(
        catalog.conn.execute(f"SELECT COUNT(*) FROM images i WHERE {where}", params).fetchone()[0]
    )
