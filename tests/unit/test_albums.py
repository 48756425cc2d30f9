"""Albums, tags and captions in the store and the curate layer: names made canonical, every
refusal leaving nothing changed, the filters they add, and bulk adds of 100,000 images."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexing.curate.albums import Albums
from indexing.curate.tags import Tags
from indexing.errors import PictorError
from indexing.names.tag_paths import BadName, album_path, tag_path
from indexing.query.filters import Filter, parse_sort
from indexing.query.listing import ListRequest, list_images
from indexing.store.catalog import Catalog
from indexing.store.image_reads import count_where, ids_where

IDS = [hashlib.blake2b(str(n).encode(), digest_size=16).hexdigest() for n in range(12)]
TRASHED = IDS[-1]  # its only file is missing, as after `trash`


def _images(conn: sqlite3.Connection, ids: list[str], status: str = "present") -> None:
    conn.executemany(
        "INSERT INTO images(content_id, bytes, width, height, format, date_key, phash, dhash, "
        "added_at) VALUES (?, 1, 10, 10, 'JPEG', ?, 0, 0, 0)",
        [(cid, float(n)) for n, cid in enumerate(ids)],
    )
    conn.executemany(
        "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
        "VALUES (?, ?, 1, 1, 0, 0, ?)",
        [(f"/lib/{cid}.jpg", cid, status) for cid in ids],
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.sqlite3") as opened:
        with opened.transaction() as conn:
            _images(conn, IDS[:-1])
            _images(conn, [TRASHED], "missing")
        yield opened


def rows(catalog: Catalog, sql: str) -> list[tuple]:
    return [tuple(row) for row in catalog.conn.execute(sql).fetchall()]


def shown(catalog: Catalog, flt: Filter) -> set[str]:
    return set(ids_where(catalog, flt.where(), 1000))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Places/Portugal/Lisbon", "Places/Portugal/Lisbon"),
        ("  Places /  Portugal/ Lisbon ", "Places/Portugal/Lisbon"),
        ("Places|Portugal|Lisbon", "Places/Portugal/Lisbon"),  # Lightroom's separator
        ("new   york", "new york"),
    ],
)
def test_a_tag_path_is_made_canonical(typed: str, stored: str) -> None:
    assert tag_path(typed) == stored


@pytest.mark.parametrize(
    ("typed", "says"),
    [("/Places", "start or end"), ("Places/", "start or end"), ("a//b", "empty part"),
     ("   ", "empty"), ("x" * 201, "over 200")],
)  # fmt: skip
def test_a_bad_tag_is_refused_in_one_sentence(typed: str, says: str) -> None:
    with pytest.raises(BadName, match=says):
        tag_path(typed)


def test_an_album_path_is_its_folders_then_its_name() -> None:
    assert album_path("Trips/ 2024 /Summer  Holiday") == (["Trips", "2024"], "Summer Holiday")
    for bad in ("", "   ", "/x", "x/", "a" * 201):
        with pytest.raises(BadName):
            album_path(bad)


def test_album_life_cycle_and_every_refusal_changes_nothing(catalog: Catalog) -> None:
    albums = Albums(catalog)
    made = albums.create("Trips/Summer 2024")
    assert (made.folder, made.name, made.count) == ("Trips", "Summer 2024", 0)
    albums.create("Summer 2024")  # the same name in another folder is another album
    albums.create("Trips/Winter")
    before = rows(catalog, "SELECT * FROM albums") + rows(catalog, "SELECT * FROM album_folders")
    for bad, says in (
        (lambda: albums.create("trips/summer 2024"), "already an album"),  # case-blind
        (lambda: albums.create(""), "cannot be empty"),
        (lambda: albums.create("x" * 201), "at most 200"),
        (lambda: albums.add("Nope", IDS[:2]), "no album named 'Nope'"),
        (lambda: albums.add("Summer 2024", IDS[:2]), "2 albums are named"),
        (lambda: albums.add("Trips/Summer 2024", [IDS[0], TRASHED]), "in the trash"),
        (lambda: albums.rename("Summer 2024", "Trips/Summer 2024"), "2 albums are named"),
        (lambda: albums.rename("Trips/Summer 2024", "winter"), "already an album"),  # in Trips
    ):
        with pytest.raises(PictorError, match=says):
            bad()
    after = rows(catalog, "SELECT * FROM albums") + rows(catalog, "SELECT * FROM album_folders")
    assert after == before
    assert rows(catalog, "SELECT * FROM album_items") == []  # the trashed add added nothing

    change = albums.add("Trips/Summer 2024", [IDS[2], IDS[0], IDS[1]])
    assert (change.changed, change.unchanged, change.album.count) == (3, 0, 3)
    assert albums.add("Trips/Summer 2024", [IDS[0], IDS[3]]).changed == 1  # IDS[0]: already in
    album = albums.get("Trips/Summer 2024")
    assert album.cover == IDS[2]  # the first image added
    assert albums.items(album) == [IDS[0], IDS[1], IDS[2], IDS[3]]  # by date (date_key = n)
    manual = albums.set_order("Trips/Summer 2024", "manual")
    assert albums.items(manual) == [IDS[2], IDS[0], IDS[1], IDS[3]]  # as added
    assert albums.remove("Trips/Summer 2024", [IDS[2]]).album.cover is None  # cover removed
    moved = albums.rename("Trips/Summer 2024", "Archive/Old/Summer 24")
    assert (moved.path, moved.count) == ("Archive/Old/Summer 24", 3)
    assert albums.delete("Archive/Old/Summer 24").count == 3
    assert rows(catalog, "SELECT COUNT(*) FROM album_items") == [(0,)]
    assert rows(catalog, "SELECT COUNT(*) FROM images WHERE present_files > 0") == [(11,)]


def test_tags_match_their_descendants_and_the_album_filter_its_album(catalog: Catalog) -> None:
    tags, albums = Tags(catalog), Albums(catalog)
    assert tags.add("Places/Portugal/Lisbon", IDS[:3]) == ("Places/Portugal/Lisbon", 3)
    assert (
        tags.add("places/portugal/Porto", IDS[3:5])[0] == "Places/Portugal/Porto"
    )  # parent's case
    tags.add("Places/France", [IDS[5]])
    tags.add("People", [IDS[0]])
    assert shown(catalog, Filter.parse(tag="Places/Portugal")) == set(IDS[:5])
    assert shown(catalog, Filter.parse(tag="places")) == set(IDS[:6])
    assert shown(catalog, Filter.parse(tag="Places/Port")) == set()  # a whole segment, not a prefix
    assert dict(tags.counts()) == {
        "People": 1, "Places": 6, "Places/France": 1, "Places/Portugal": 5,
        "Places/Portugal/Lisbon": 3, "Places/Portugal/Porto": 2,
    }  # fmt: skip
    albums.create("Best")
    albums.add("Best", [IDS[1], IDS[4], IDS[8]])
    both = Filter.parse(album="best", tag="Places/Portugal")
    assert shown(catalog, both) == {IDS[1], IDS[4]}
    with pytest.raises(PictorError, match="start or end"):
        tags.add("Places/", IDS[:1])
    with pytest.raises(PictorError, match="in the trash"):
        tags.add("Places/Spain", [TRASHED])
    assert "Places/Spain" not in dict(tags.counts())
    assert tags.remove("People", [IDS[0]]) == ("People", 1)
    assert "People" not in dict(tags.counts())  # a tag no image has is forgotten


def test_a_caption_is_set_changed_and_cleared(catalog: Catalog) -> None:
    tags = Tags(catalog)
    assert tags.set_caption(IDS[0], "  Grandma's garden ") == "Grandma's garden"
    assert tags.caption(IDS[0]) == "Grandma's garden"
    tags.set_caption(IDS[0], "Tram 28")
    assert tags.caption(IDS[0]) == "Tram 28"
    assert tags.set_caption(IDS[0], "") is None
    assert tags.caption(IDS[0]) is None
    with pytest.raises(PictorError, match="in the trash"):
        tags.set_caption(TRASHED, "x")


def test_a_bulk_add_keeps_the_order_given_and_adds_each_image_once(tmp_path: Path) -> None:
    # The 100,000-image timing is bench/albums_bench.py's; this holds what it does.
    ids = [hashlib.blake2b(f"bulk{n}".encode(), digest_size=16).hexdigest() for n in range(5000)]
    with Catalog(tmp_path / "bulk.sqlite3") as catalog:
        with catalog.transaction() as conn:
            _images(conn, ids)
        albums, tags = Albums(catalog), Tags(catalog)
        albums.create("Everything", order="manual")
        assert albums.add("Everything", ids[:3000]).changed == 3000
        change = albums.add("Everything", ids[::-1])  # the first 3,000 again, reversed
        assert (change.changed, change.unchanged, change.album.count) == (2000, 3000, 5000)
        assert albums.items(change.album) == ids[:3000] + ids[3000:][::-1]
        assert tags.add("Archive/Scans", ids) == ("Archive/Scans", 5000)
        assert dict(tags.counts())["Archive"] == 5000
        both = Filter.parse(album="Everything", tag="archive")
        assert count_where(catalog, both.where()) == 5000


@pytest.mark.parametrize("sort", ["rating", "random", "taken"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_page_inside_an_album_is_in_the_librarys_own_order(
    tmp_path: Path, sort: str, descending: bool
) -> None:
    ids = [hashlib.blake2b(f"o{n}".encode(), digest_size=16).hexdigest() for n in range(300)]
    with Catalog(tmp_path / "order.sqlite3") as catalog:
        with catalog.transaction() as conn:
            _images(conn, ids)
            conn.executemany(  # a third rated, with ties; the rest unrated
                "UPDATE images SET rating_key = ? WHERE content_id = ?",
                [(float(n % 7), cid) for n, cid in enumerate(ids) if n % 3 == 0],
            )
        albums = Albums(catalog)
        albums.create("All")
        albums.add("All", ids)

        def pages(flt: Filter) -> list[list[str]]:
            out = []
            for page in (1, 2, 5):
                request = ListRequest.parse(
                    filter=flt, sort=parse_sort(sort), descending=descending, seed=3,
                    page=page, page_size=60,
                )  # fmt: skip
                listing = list_images(catalog, request)
                out.append([item.content_id for item in listing.items] + [str(listing.matching)])
            return out

        assert pages(Filter.parse(album="All")) == pages(Filter())
        with catalog.transaction() as conn:  # a named person in every photo: the same pages
            person = conn.execute("INSERT INTO people(name, created_at) VALUES ('Ana', 0)")
            conn.executemany(
                "INSERT INTO faces(content_id, left, top, width, height, source, person_id, "
                "assigned) VALUES (?, 0.1, 0.1, 0.2, 0.2, 'detected', ?, 'auto')",
                [(cid, person.lastrowid) for cid in ids],
            )
        assert pages(Filter.parse(people=["Ana"])) == pages(Filter())
        albums.create("Thirds")  # a part of the library: the library's order, filtered
        albums.add("Thirds", ids[::3])
        full = list_images(catalog, ListRequest.parse(
            filter=Filter(), sort=parse_sort(sort), descending=descending, seed=3,
            page_size=300))  # fmt: skip
        thirds = [item.content_id for item in full.items if item.content_id in set(ids[::3])]
        [first, second, fifth] = pages(Filter.parse(album="Thirds"))
        assert first == [*thirds[:60], "100"] and second == [*thirds[60:], "100"]
        assert fifth == ["100"]
        Tags(catalog).add("Thirds/Sub", ids[::3])  # a tag counts its descendants' images
        assert pages(Filter.parse(tag="Thirds")) == [first, second, fifth]


def test_a_tag_or_caption_the_user_gives_again_outlives_the_sidecar_that_had_it(
    catalog: Catalog,
) -> None:
    """The user tags an image with what its XMP already said, and writes its caption again:
    both are the user's now, and a sidecar that drops them later does not take them away."""
    from indexing.store.tag_rows import replace_xmp_keywords

    with catalog.transaction() as conn:
        replace_xmp_keywords(conn, IDS[0], ["Family", "Places/Lisbon"], "At the beach", 1.0)
    tags = Tags(catalog)
    assert tags.of(IDS[0]) == ["Family", "Places/Lisbon"]
    tags.add("Family", [IDS[0]])
    tags.set_caption(IDS[0], "At the beach")
    with catalog.transaction() as conn:
        replace_xmp_keywords(conn, IDS[0], [], None, 2.0)  # the sidecar now says nothing
    assert tags.of(IDS[0]) == ["Family"]  # the XMP-only tag went, the user's stayed
    assert tags.caption(IDS[0]) == "At the beach"
