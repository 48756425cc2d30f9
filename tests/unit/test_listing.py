"""The listing layer against a brute-force Python reference on a generated catalog.

The catalog is written row by row with plain SQL (no image files): widths, heights and sizes
repeat on purpose, so ties are common and the content-id tie-break is exercised. The
reference recomputes everything from the generated values, not from the catalog's columns.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pytest

from indexing.query import listing
from indexing.query.filters import Filter, SortKey
from indexing.query.listing import ListRequest, list_images
from indexing.store.catalog import Catalog
from indexing.store.migrations import MIGRATIONS

ROOT = "/photos"


@dataclass
class Generated:
    content_id: str
    width: int
    height: int
    bytes: int
    format: str
    date_key: float
    added_at: float
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    user: float | None = None
    predicted: float | None = None

    @property
    def rating(self) -> float | None:
        return self.user if self.user is not None else self.predicted

    @property
    def name(self) -> str:
        return min(p.rsplit("/", 1)[1].lower() for p in self.present)


def make_catalog(path: Path, count: int = 240, seed: int = 0) -> list[Generated]:
    """A catalog of count images; returns what was written (visible or not)."""
    rng = random.Random(seed)
    images = []
    for n in range(count):
        image = Generated(
            content_id=hashlib.blake2b(f"{seed}-{n}".encode(), digest_size=16).hexdigest(),
            width=rng.choice((40, 640, 1920, 1920, 4000)),
            height=rng.choice((30, 480, 1080, 1080, 3000)),
            bytes=rng.choice((1000, 250_000, 2_000_000, rng.randrange(10_000_000))),
            format=rng.choice(("JPEG", "PNG", "WEBP")),
            date_key=datetime(2020, 1, 1).timestamp() + rng.randrange(400) * 86_400 + 3600,
            added_at=1_700_000_000 + rng.randrange(50),
        )
        folder = rng.choice(("trip", "trip/day 2", "home", "trip-other"))
        image.present.append(f"{ROOT}/{folder}/{rng.choice('abcXY')}{n:04d}.jpg")
        if n % 9 == 0:
            image.present.append(f"{ROOT}/copies/{n:04d}.jpg")
        if n % 17 == 0:  # every file gone: never listed
            image.missing, image.present = image.present, []
        if n % 5 == 0:
            image.user = rng.randint(0, 20) / 2
        if n % 3 == 0:
            image.predicted = round(rng.uniform(0, 10), 2)
        images.append(image)
    with Catalog(path) as catalog, catalog.transaction() as conn:
        for image in images:
            write(conn, image)
    return images


def write(conn, image: Generated) -> None:
    conn.execute(
        "INSERT INTO images(content_id, bytes, width, height, format, taken_at, date_key, "
        "phash, dhash, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
        (
            image.content_id,
            image.bytes,
            image.width,
            image.height,
            image.format,
            datetime.fromtimestamp(image.date_key).isoformat(),
            image.date_key,
            image.added_at,
        ),
    )
    for status, paths in (("present", image.present), ("missing", image.missing)):
        for path in paths:
            conn.execute(
                "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, "
                "status) VALUES (?, ?, 1, 1, 0, 0, ?)",
                (path, image.content_id, status),
            )
    if image.user is not None:
        conn.execute(
            "INSERT INTO ratings(content_id, rating, rated_at) VALUES (?, ?, 0)",
            (image.content_id, image.user),
        )
    if image.predicted is not None:
        conn.execute(
            "INSERT INTO predictions(content_id, rating, model_id, at) "
            "VALUES (?, ?, 'evaluator-1', 0)",
            (image.content_id, image.predicted),
        )


# The brute-force reference


SORT_VALUE = {
    SortKey.resolution: lambda i: i.width * i.height,
    SortKey.width: lambda i: i.width,
    SortKey.height: lambda i: i.height,
    SortKey.proportion: lambda i: i.width / i.height,
    SortKey.size: lambda i: i.bytes,
    SortKey.taken: lambda i: i.date_key,
    SortKey.added: lambda i: i.added_at,
    SortKey.name: lambda i: i.name,
}


def reference_order(images: list[Generated], sort: SortKey, descending: bool) -> list[str]:
    shown = [i for i in images if i.present]
    if sort is SortKey.rating:
        rated = sorted(
            (i for i in shown if i.rating is not None),
            key=lambda i: (i.rating, i.content_id),
            reverse=descending,
        )
        unrated = sorted(
            (i for i in shown if i.rating is None), key=lambda i: i.content_id, reverse=descending
        )
        return [i.content_id for i in rated + unrated]
    value = SORT_VALUE[sort]
    ordered = sorted(shown, key=lambda i: (value(i), i.content_id), reverse=descending)
    return [i.content_id for i in ordered]


def midnight(day: date) -> float:
    return datetime.combine(day, time.min).timestamp()


def reference_keeps(image: Generated, flt: Filter) -> bool:
    if not image.present:
        return False
    checks = [
        (flt.min_width, flt.max_width, image.width),
        (flt.min_height, flt.max_height, image.height),
        (flt.min_pixels, flt.max_pixels, image.width * image.height),
        (flt.min_aspect, flt.max_aspect, image.width / image.height),
        (flt.min_bytes, flt.max_bytes, image.bytes),
    ]
    for low, high, value in checks:
        if (low is not None and value < low) or (high is not None and value > high):
            return False
    rating = image.rating
    if flt.min_rating is not None and (rating is None or rating < flt.min_rating):
        return False
    if flt.max_rating is not None and (rating is None or rating > flt.max_rating):
        return False
    if flt.taken_from and image.date_key < midnight(flt.taken_from):
        return False
    if flt.taken_to and image.date_key >= midnight(flt.taken_to) + 86_400:
        return False
    if flt.formats and image.format not in flt.formats:
        return False
    if flt.folder and not any(p.startswith(flt.folder + "/") for p in image.present):
        return False
    return flt.rated is None or (image.user is not None) == flt.rated


def everything(catalog: Catalog, page_size: int = 7, **request) -> list[str]:
    """Page through the whole listing; every page but the last is full."""
    ids: list[str] = []
    page = 1
    while True:
        listing = list_images(catalog, ListRequest(page=page, page_size=page_size, **request))
        ids += [item.content_id for item in listing.items]
        if page >= listing.pages:
            assert listing.items or listing.matching == 0
            return ids
        assert len(listing.items) == page_size
        page += 1


@pytest.fixture
def generated(tmp_path: Path) -> tuple[Catalog, list[Generated]]:
    images = make_catalog(tmp_path / "catalog.sqlite3")
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    yield catalog, images
    catalog.close()


# Sorts


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", [k for k in SortKey if k is not SortKey.random])
def test_each_sort_matches_the_reference(generated, sort: SortKey, descending: bool) -> None:
    catalog, images = generated
    expected = reference_order(images, sort, descending)
    assert everything(catalog, sort=sort, descending=descending) == expected


@pytest.mark.parametrize("sort", [SortKey.size, SortKey.proportion, SortKey.rating])
def test_sorts_under_a_filter_match_the_reference(generated, sort: SortKey) -> None:
    catalog, images = generated
    flt = Filter(min_width=640, formats=("JPEG", "PNG"), max_bytes=5_000_000)
    kept = {i.content_id for i in images if reference_keeps(i, flt)}
    expected = [cid for cid in reference_order(images, sort, True) if cid in kept]
    assert everything(catalog, sort=sort, descending=True, filter=flt) == expected


@pytest.mark.parametrize("sort", list(SortKey))
def test_sorting_the_filtered_rows_gives_the_same_pages(generated, sort, monkeypatch) -> None:
    """The other plan (sort the filtered rows, used for narrow filters or a slow walk)."""
    catalog, _ = generated
    flt = Filter(min_width=640, max_bytes=5_000_000)
    walked = everything(catalog, sort=sort, descending=True, filter=flt, seed=3)
    monkeypatch.setattr(listing, "SELECTIVE", 10**9)
    assert everything(catalog, sort=sort, descending=True, filter=flt, seed=3) == walked
    monkeypatch.setattr(listing, "SELECTIVE", 0)
    monkeypatch.setattr(listing, "WALK_BUDGET_S", -1.0)  # every walk runs out of time
    assert everything(catalog, sort=sort, descending=True, filter=flt, seed=3) == walked


def test_counts_say_how_many_match_of_how_many(generated) -> None:
    catalog, images = generated
    flt = Filter(min_width=1920)
    listing = list_images(catalog, ListRequest(filter=flt, page_size=10))
    shown = [i for i in images if i.present]
    matching = sum(reference_keeps(i, flt) for i in images)
    assert (listing.matching, listing.total) == (matching, len(shown))
    assert listing.count_line == f"{matching:,} of {len(shown):,} images"
    assert 0 < matching < len(shown)


# Filters


FILTERS = {
    "min width": Filter(min_width=1920),
    "max width": Filter(max_width=640),
    "width range": Filter(min_width=640, max_width=1920),
    "min height": Filter(min_height=1080),
    "max height": Filter(max_height=480),
    "min pixels": Filter(min_pixels=2_000_000),
    "max pixels": Filter(max_pixels=307_200),
    "wide": Filter(min_aspect=1.5),
    "tall": Filter(max_aspect=0.8),
    "square-ish": Filter(min_aspect=0.9, max_aspect=1.4),
    "big files": Filter(min_bytes=2_000_000),
    "small files": Filter(max_bytes=250_000),
    "date range": Filter(taken_from=date(2020, 3, 1), taken_to=date(2020, 6, 30)),
    "from a day": Filter(taken_from=date(2020, 12, 25)),
    "format": Filter(formats=("PNG",)),
    "formats": Filter(formats="webp, jpg"),
    "folder": Filter(folder=f"{ROOT}/trip"),
    "subfolder": Filter(folder=f"{ROOT}/trip/day 2"),
    "rated": Filter(rated=True),
    "unrated": Filter(rated=False),
    "rating range": Filter(min_rating=4, max_rating=7.5),
    "high rating": Filter(min_rating=8),
    "combined": Filter(
        min_width=640, max_aspect=2.5, min_bytes=1000, formats=("JPEG", "WEBP"), min_rating=2
    ),
    "nothing": Filter(min_width=4000, max_height=30),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_matches_the_reference(generated, name: str) -> None:
    catalog, images = generated
    flt = FILTERS[name]
    kept = {i.content_id for i in images if reference_keeps(i, flt)}
    expected = [cid for cid in reference_order(images, SortKey.taken, False) if cid in kept]
    assert everything(catalog, filter=flt) == expected
    assert list_images(catalog, ListRequest(filter=flt)).matching == len(expected)
    if name != "nothing":
        assert expected, f"the generated catalog should have images for {name!r}"


def test_folder_filter_is_not_fooled_by_a_sibling_with_the_same_prefix(generated) -> None:
    catalog, images = generated
    listed = set(everything(catalog, filter=Filter(folder=f"{ROOT}/trip")))
    only_in_sibling = {
        i.content_id
        for i in images
        if i.present
        and any("/trip-other/" in p for p in i.present)
        and not any(p.startswith(f"{ROOT}/trip/") for p in i.present)
    }
    assert only_in_sibling and listed
    assert not only_in_sibling & listed


def test_missing_files_never_show(generated) -> None:
    catalog, images = generated
    gone = {i.content_id for i in images if not i.present}
    assert gone
    assert not gone & set(everything(catalog, page_size=50, sort=SortKey.name))


# Random


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("page_size", [1, 7, 60, 500])
def test_random_paging_shows_every_image_exactly_once(
    generated, page_size: int, descending: bool
) -> None:
    catalog, images = generated
    shown = sorted(i.content_id for i in images if i.present)
    for seed in (0, 1, 99):
        ids = everything(
            catalog, page_size=page_size, sort=SortKey.random, seed=seed, descending=descending
        )
        assert sorted(ids) == shown  # every image, none twice


def test_random_paging_under_a_filter_shows_every_match_once(generated) -> None:
    catalog, images = generated
    flt = Filter(min_width=640, rated=False)
    ids = everything(catalog, page_size=6, sort=SortKey.random, seed=5, filter=flt)
    assert sorted(ids) == sorted(i.content_id for i in images if reference_keeps(i, flt))


def test_a_seed_repeats_its_order_and_reshuffling_changes_it(generated) -> None:
    catalog, _ = generated
    first = everything(catalog, page_size=20, sort=SortKey.random, seed=1)
    assert everything(catalog, page_size=20, sort=SortKey.random, seed=1) == first
    other = everything(catalog, page_size=20, sort=SortKey.random, seed=2)
    assert other[:20] != first[:20]
    by_id = sorted(first)
    assert first != by_id and other != by_id


# Rating: yours, else predicted, else last


def test_rating_uses_yours_then_the_prediction_and_puts_neither_last(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    Catalog(path).close()
    plan = {  # name: (your rating, prediction)
        "yours-7.5": (7.5, None),
        "yours-3-predicted-9": (3.0, 9.0),
        "predicted-6.8": (None, 6.8),
        "predicted-9.5": (None, 9.5),
        "neither-a": (None, None),
        "neither-b": (None, None),
    }
    names = {}
    with Catalog(path) as catalog, catalog.transaction() as conn:
        for n, (name, (user, predicted)) in enumerate(plan.items()):
            image = Generated(
                hashlib.blake2b(name.encode(), digest_size=16).hexdigest(),
                100, 100, 1000, "JPEG", 1e9 + n, 1e9, [f"/p/{name}.jpg"],
                user=user, predicted=predicted,
            )  # fmt: skip
            write(conn, image)
            names[image.content_id] = name
    with Catalog(path) as catalog:
        down = list_images(catalog, ListRequest(sort=SortKey.rating, descending=True)).items
        up = list_images(catalog, ListRequest(sort=SortKey.rating)).items
    neither = sorted(n for n in names.values() if n.startswith("neither"))
    assert [names[i.content_id] for i in down][:4] == [
        "predicted-9.5", "yours-7.5", "predicted-6.8", "yours-3-predicted-9",
    ]  # fmt: skip
    assert [names[i.content_id] for i in up][:4] == [
        "yours-3-predicted-9", "predicted-6.8", "yours-7.5", "predicted-9.5",
    ]  # fmt: skip
    assert sorted(names[i.content_id] for i in down[4:]) == neither
    assert sorted(names[i.content_id] for i in up[4:]) == neither
    labels = {names[i.content_id]: i.rating_label for i in down}
    assert labels["yours-7.5"] == "7.5 ★ yours"
    assert labels["yours-3-predicted-9"] == "3 ★ yours"
    assert labels["predicted-6.8"] == "6.8 predicted"
    assert labels["neither-a"] == "unrated"
    sources = {names[i.content_id]: (i.rating, i.rating_source) for i in down}
    assert sources["yours-3-predicted-9"] == (3.0, "user")
    assert sources["predicted-9.5"] == (9.5, "predicted")
    assert sources["neither-b"] == (None, None)


def test_a_new_rating_moves_an_image_at_once(generated) -> None:
    catalog, images = generated
    unrated = next(i for i in images if i.present and i.rating is None)
    catalog.conn.execute(
        "INSERT INTO ratings(content_id, rating, rated_at) VALUES (?, 10, 0)", (unrated.content_id,)
    )
    top = list_images(catalog, ListRequest(sort=SortKey.rating, descending=True, page_size=60))
    tens = [i.content_id for i in top.items if i.rating == 10]
    assert unrated.content_id in tens


# The query plans: sorts walk an index, counts scan a covering index


@pytest.mark.parametrize("sort", list(SortKey))
def test_first_pages_walk_an_index_without_sorting(generated, sort: SortKey, monkeypatch) -> None:
    catalog, _ = generated
    plans: list[str] = []
    real = catalog.conn

    class Explaining:
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, params=()):
            if sql.lstrip().startswith("SELECT"):
                plans.extend(row[3] for row in real.execute("EXPLAIN QUERY PLAN " + sql, params))
            return real.execute(sql, params)

    monkeypatch.setattr(catalog, "conn", Explaining())
    list_images(catalog, ListRequest(sort=sort, descending=True))
    assert plans
    assert not [p for p in plans if "TEMP B-TREE" in p], plans
    assert not [p for p in plans if p.startswith("SCAN i") and "INDEX" not in p], plans


def test_a_v3_catalog_upgrades_and_keeps_listing(tmp_path: Path) -> None:
    """Migration 4 on a catalog that has data: same listing, embeddings counted."""
    import sqlite3

    path = tmp_path / "catalog.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:3]:
        migration.apply(conn)
        conn.execute(f"PRAGMA user_version = {migration.number}")
    images = [i for i in make_catalog(tmp_path / "source.sqlite3", count=30) if i.present]
    for image in images:
        write(conn, image)
        conn.execute(
            "INSERT INTO embeddings VALUES ('m@1', ?, 'done', NULL, 0)", (image.content_id,)
        )
    conn.close()
    with Catalog(path) as catalog:
        assert catalog.schema_version == len(MIGRATIONS)
        listed = list_images(catalog, ListRequest(sort=SortKey.size, page_size=100)).items
        changes = catalog.conn.execute("SELECT changes FROM embedding_changes").fetchall()
    assert [i.content_id for i in listed] == reference_order(images, SortKey.size, False)
    assert [tuple(row) for row in changes] == [(len(images),)]


def test_counts_are_right_whichever_plan_finds_the_page(generated, monkeypatch) -> None:
    catalog, images = generated
    flt = Filter(max_width=1920, min_bytes=1000)
    matching = sum(reference_keeps(i, flt) for i in images)
    monkeypatch.setattr(listing, "WALK_BUDGET_S", -1.0)  # sort and count in one scan
    for page in (1, 3, 999):
        request = ListRequest(filter=flt, sort=SortKey.size, page=page, page_size=10)
        assert list_images(catalog, request).matching == matching
