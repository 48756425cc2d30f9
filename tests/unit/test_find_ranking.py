"""The order and count of `find`'s pages: a query with few matches is ranked whole by
bm25; a broad one ranks its newest matches and lists the rest newest first, without
waiting for a ranking of every match; every match shows once over the pages; the count
stops at a cap and says "more than"."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexing.query import metadata_search
from indexing.query.metadata_search import find
from indexing.store import search_text
from indexing.store.catalog import Catalog
from tests.unit.test_listing import make_catalog

WEIGHTS = ", ".join(str(metadata_search.WEIGHTS[c]) for c in search_text.FTS_COLUMNS)


@pytest.fixture
def catalog(tmp_path: Path):
    make_catalog(tmp_path / "catalog.sqlite3", count=240, seed=5)  # folders trip, home, …
    with Catalog(tmp_path / "catalog.sqlite3") as opened:
        yield opened


def every_page(catalog: Catalog, query: str, size: int = 7) -> tuple[list[str], list]:
    ids, firsts = [], []
    page = 1
    while True:
        found = find(catalog, query, page=page, page_size=size)
        firsts.append(found)
        ids += [item.content_id for item in found.items]
        if len(found.items) < size:
            return ids, firsts
        page += 1


def bm25_order(catalog: Catalog, query: str, floor: int = 0) -> list[str]:
    """The reference: every match (of doc >= floor) by bm25, read with plain SQL."""
    return [
        row[0]
        for row in catalog.conn.execute(
            f"SELECT d.content_id, bm25(search_fts, {WEIGHTS}) AS rank FROM search_fts "
            "JOIN search_docs d ON d.doc = search_fts.rowid WHERE search_fts MATCH ? "
            "AND search_fts.rowid >= ? ORDER BY rank, d.content_id",
            (metadata_search.parse_query(query).match(), floor),
        )
    ]


def newest_first(catalog: Catalog, query: str) -> list[str]:
    return [
        row[0]
        for row in catalog.conn.execute(
            "SELECT d.content_id FROM search_fts JOIN search_docs d ON d.doc = search_fts.rowid "
            "WHERE search_fts MATCH ? ORDER BY search_fts.rowid DESC",
            (metadata_search.parse_query(query).match(),),
        )
    ]


def test_a_query_with_few_matches_is_ranked_whole(catalog):
    ids, pages = every_page(catalog, "trip")
    assert len(ids) > 30 and ids == bm25_order(catalog, "trip")
    assert all(p.matching == len(ids) and not p.more_than for p in pages)


def test_a_broad_query_ranks_its_newest_matches_then_lists_the_rest(catalog, monkeypatch):
    monkeypatch.setattr(metadata_search, "CANDIDATES", 20)
    monkeypatch.setattr(metadata_search, "COUNT_CAP", 50)
    for query in ("trip", "tri*"):
        ids, pages = every_page(catalog, query)
        newest = newest_first(catalog, query)
        assert len(newest) > 70 and sorted(ids) == sorted(newest)  # each match, once
        floor = catalog.conn.execute(
            "SELECT doc FROM search_docs WHERE content_id = ?", (newest[19],)
        ).fetchone()[0]
        assert ids[:20] == bm25_order(catalog, query, floor)  # the 20 newest, best first
        assert ids[20:] == newest[20:]  # then the rest, newest first
        assert ids != bm25_order(catalog, query)  # not a ranking of every match
        # The count stops at the cap, and says so; past the cap, it reaches the page.
        assert (pages[0].matching, pages[0].more_than) == (50, True)
        assert pages[0].counted("image") == "more than 50 images"
        assert pages[-1].matching == len(ids) and not pages[-1].more_than
        assert pages[8].matching >= 9 * 7 and pages[8].more_than  # page 9: 63 shown so far
