"""`launch.py list`: the same listing as the Filters tab, as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from indexing.query.filters import Filter, SortKey
from indexing.query.listing import ListRequest, list_images
from indexing.store.catalog import Catalog
from tests.conftest import without_random_warning
from tests.unit.test_listing import make_catalog, reference_keeps, reference_order


def test_list_json_pages_match_the_reference(run_cli, pictor_env: Path) -> None:
    images = make_catalog(pictor_env / "catalog.sqlite3", count=150, seed=11)
    flt = Filter(min_width=640, formats=("JPEG", "PNG"))
    kept = {i.content_id for i in images if reference_keeps(i, flt)}
    expected = [c for c in reference_order(images, SortKey.size, True) if c in kept]
    by_id = {i.content_id: i for i in images}
    args = ["list", "--sort", "size", "--desc", "--min-width", "640", "--format", "jpeg,png"]
    code, out, err = run_cli([*args, "--page", "2", "--page-size", "10", "--json"])
    assert code == 0, err
    assert without_random_warning(err) == ""
    data = json.loads(out)
    assert data["matching"] == len(kept)
    assert data["total"] == sum(1 for i in images if i.present)
    assert [item["content_id"] for item in data["items"]] == expected[10:20]
    for item in data["items"]:
        image = by_id[item["content_id"]]
        assert item["path"] == min(image.present)
        assert (item["width"], item["height"], item["bytes"]) == (
            image.width,
            image.height,
            image.bytes,
        )
        assert item["taken_at"][:10] == image_date(image)
        assert item["rating"] == image.rating
        assert item["rating_source"] == (
            "user"
            if image.user is not None
            else "predicted"
            if image.predicted is not None
            else None
        )


def image_date(image) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(image.date_key).date().isoformat()


def test_list_text_shows_the_count_line_and_ratings(run_cli, pictor_env: Path) -> None:
    make_catalog(pictor_env / "catalog.sqlite3", count=60, seed=2)
    code, out, err = run_cli(["list", "--sort", "rating", "--desc", "--rated"])
    assert code == 0, err
    with Catalog(pictor_env / "catalog.sqlite3") as catalog:
        listing = list_images(
            catalog,
            ListRequest(filter=Filter(rated=True), sort=SortKey.rating, descending=True),
        )
    lines = out.strip().splitlines()
    assert lines[-1] == f"{listing.count_line} · page 1 of 1"
    assert len(lines) == len(listing.items) + 1
    assert all("★ yours" in line for line in lines[:-1])
    assert listing.items[0].path in lines[0]


def test_list_random_with_a_seed_repeats(run_cli, pictor_env: Path) -> None:
    make_catalog(pictor_env / "catalog.sqlite3", count=40, seed=4)

    def ids(seed: str) -> list[str]:
        code, out, err = run_cli(["list", "--sort", "random", "--seed", seed, "--json"])
        assert code == 0, err
        return [item["content_id"] for item in json.loads(out)["items"]]

    assert ids("5") == ids("5")
    assert ids("5") != ids("6")
    assert sorted(ids("5")) == sorted(ids("6"))


def test_list_errors_are_one_line_and_exit_2(run_cli, pictor_env: Path) -> None:
    make_catalog(pictor_env / "catalog.sqlite3", count=5)
    for args, message in (
        (["--min-width", "900", "--max-width", "10"], "min_width (900) is greater than max_width"),
        (["--sort", "prettiest"], "unknown sort key 'prettiest'"),
        (["--from", "2024-13-40"], "taken_from: '2024-13-40' is not a date"),
        (["--min-size", "-5"], "min_bytes: -5 is too small (at least 0)"),
        (["--page-size", "0"], "page_size: 0 is too small (at least 1)"),
        (["--exclude-text", "nsfw"], "needs CLIP vectors and no image has one"),
    ):
        code, out, err = run_cli(["list", *args])
        err = without_random_warning(err)
        assert code == 2, (args, err)
        assert out == ""
        assert err.startswith("error: ") and message in err, err
        assert err.count("\n") == 1, err


def test_list_and_find_all_return_every_page_in_one_document(run_cli, pictor_env: Path) -> None:
    images = make_catalog(pictor_env / "catalog.sqlite3", count=2300, seed=5)  # 3 pages of 1000
    expected = reference_order(images, SortKey.size, True)
    code, out, err = run_cli(["list", "--sort", "size", "--desc", "--all", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert [item["content_id"] for item in data["items"]] == expected
    assert data["matching"] == len(expected) and "page" not in data
    code, out, _ = run_cli(["list", "--sort", "size", "--desc", "--all"])
    assert len(out.strip().splitlines()) == len(expected) + 1  # a line each, and the count
    one_page = json.loads(run_cli(["find", "trip", "--json"])[1])
    code, out, err = run_cli(["find", "trip", "--all", "--json"])
    assert code == 0, err
    found = json.loads(out)
    ids = [item["content_id"] for item in found["items"]]
    assert len(ids) == len(set(ids)) == one_page["matching"] > 1000
