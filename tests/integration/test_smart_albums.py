"""Smart albums end to end: a saved query that stays live as the library changes, run by
`album show` and by `--album` on list/find/facets, marked in `album list`, refused a hand-
added image, kept through a backup into a fresh data folder, and one clear error for a
smart album that reaches itself again. Also: an old saved query whose filter no longer
exists still opens and says what no longer applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexing.curate.smart_albums import load_query
from indexing.errors import PictorError
from indexing.query.metadata_search import find
from indexing.store.catalog import Catalog
from tests.conftest import fails


def names(items: list[dict]) -> set[str]:
    return {Path(item["path"]).name for item in items}


def test_a_smart_album_stays_live_and_works_as_a_filter(cli, run_cli, library, tmp_path):
    a, b, c, d = (library.noise(f"{n}.jpg", seed=i) for i, n in enumerate("abcd", start=1))
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(a), "8")
    cli("rate", str(b), "9")
    cli("rate", str(c), "3")
    cli("tag", "add", "Places/Lisbon", str(a), str(b), str(c))
    made = cli(
        "album", "create", "Best/Lisbon best", "--smart",
        "--min-rating", "7", "--tag", "Places/Lisbon", "--sort", "rating", "--desc",
    )  # fmt: skip
    assert made["smart"] is True and made["count"] == 2
    shown = cli("album", "show", "Lisbon best")
    assert [Path(i["path"]).name for i in shown["items"]] == ["b.jpg", "a.jpg"]  # by rating
    # live: a new match appears, a lost one goes, nothing was stored as members
    cli("rate", str(c), "10")
    cli("rate", str(b), "2")
    assert [Path(i["path"]).name for i in cli("album", "show", "Lisbon best")["items"]] == [
        "c.jpg", "a.jpg",
    ]  # fmt: skip
    assert names(cli("list", "--album", "Lisbon best")["items"]) == {"a.jpg", "c.jpg"}
    assert names(cli("find", "--album", "Best/Lisbon best", "a")["items"]) == {"a.jpg"}
    assert cli("facets", "--album", "Lisbon best")["matching"] == 2
    assert cli("timeline", "--album", "Lisbon best")["images"] == 2
    assert names(cli("find", 'album:"Lisbon best"')["items"]) == {"a.jpg", "c.jpg"}
    assert names(cli("find", 'a album:"Lisbon best"')["items"]) == {"a.jpg"}
    catalog_path = next((tmp_path / "data").rglob("*.sqlite3"))
    unresolved = pytest.raises(PictorError, match="is a smart album")  # not an empty page
    with Catalog(catalog_path) as catalog, unresolved:
        find(catalog, 'album:"Lisbon best"')
    exported = cli("album", "export", "Lisbon best", str(tmp_path / "out"))
    assert exported["images"] == 2 and sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a.jpg", "c.jpg",
    ]  # fmt: skip
    listed = {x["path"]: (x["smart"], x["count"]) for x in cli("album", "list")["albums"]}
    assert listed == {"Best/Lisbon best": (True, 2)}  # counted live
    # a smart album inside another's filter: resolved; one that loops: one clear error
    cli("album", "create", "Wide", "--smart", "--album", "Lisbon best", "--min-rating", "9")
    assert names(cli("album", "show", "Wide")["items"]) == {"c.jpg"}
    assert "refers back to itself" in fails(
        run_cli, tmp_path, "album", "create", "Loop", "--smart", "--album", "Loop"
    )
    assert "Loop" not in {x["path"] for x in cli("album", "list")["albums"]}
    refused = fails(run_cli, tmp_path, "album", "add", "Lisbon best", str(d))
    assert "smart album" in refused and "by hand" in refused
    assert "needs a query" in fails(run_cli, tmp_path, "album", "create", "Empty", "--smart")
    assert "--smart" in fails(run_cli, tmp_path, "album", "create", "X", "--min-rating", "3")
    # the metadata query of find, saved as it is
    cli("album", "create", "Named b", "--smart", "--query", "b")
    assert names(cli("album", "show", "Named b")["items"]) == {"b.jpg"}
    # backup: the smart album comes back, still a query, into a fresh data folder
    backup = tmp_path / "backup.json"
    cli("ratings", "export", str(backup))
    fresh = ["--data-dir", str(tmp_path / "fresh")]
    code, _, err = run_cli([*fresh, "index", str(library.root), "--no-embed"])
    assert code == 0, err
    code, _, err = run_cli([*fresh, "ratings", "import", str(backup)])
    assert code == 0, err
    code, out, err = run_cli([*fresh, "album", "show", "Lisbon best", "--json"])
    assert code == 0, err
    assert names(json.loads(out)["items"]) == {"a.jpg", "c.jpg"}


def test_an_old_saved_query_keeps_working_and_says_what_no_longer_applies():
    saved = json.dumps({"version": 1, "filter": {"min_rating": 7, "colour": "red"}, "sort": "hue"})
    query, notes = load_query(saved)
    assert query.filter.min_rating == 7
    assert query.sort.value == "taken"
    assert any("'colour'" in note and "no longer exists" in note for note in notes)
    assert any("'hue'" in note for note in notes)


def test_the_save_as_smart_album_row_saves_the_filters_and_sort(cli, library, tmp_path):
    """The row the Filters tab shows: its callback saves the tab's request as a smart album."""
    from app.context import AppContext
    from app.tabs.smart_album_row import save_smart_album
    from indexing.query.filters import Filter, SortKey
    from indexing.query.listing import ListRequest
    from indexing.settings import Settings

    a, b = library.noise("a.jpg", seed=1), library.noise("b.jpg", seed=2)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(a), "9")
    ctx = AppContext.create(Settings(data_dir=tmp_path / "data"))
    request = ListRequest(filter=Filter(min_rating=8), sort=SortKey.rating, descending=True)
    said = save_smart_album(ctx, "Top", request)
    assert "Saved the smart album Top: 1 image now" in said
    shown = cli("album", "show", "Top")
    assert names(shown["items"]) == {"a.jpg"} and shown["query"]["sort"] == "rating"
    cli("rate", str(b), "10")
    assert [Path(i["path"]).name for i in cli("album", "show", "Top")["items"]] == [
        "b.jpg", "a.jpg",
    ]  # fmt: skip
    assert "already an album" in save_smart_album(ctx, "Top", request)


def test_search_inside_a_smart_album_and_a_smart_album_of_a_text_query(cli, library):
    paths = [library.noise(f"s{n}.jpg", seed=n) for n in range(5)]
    cli("index", str(library.root))  # with the tiny CLIP's embeddings
    for path in paths[:2]:
        cli("rate", str(path), "9")
    cli("album", "create", "Good", "--smart", "--min-rating", "8")
    found = cli("search", "a cat", "--album", "Good", "--top", "10")["results"]
    assert names(found) == {"s0.jpg", "s1.jpg"}
    made = cli("album", "create", "Cats", "--smart", "--text", "a cat", "--album", "Good")
    assert made["count"] == 2 and made["query"]["text"] == "a cat"
    cli("rate", str(paths[4]), "10")  # live: a third good image joins the text query's album
    assert names(cli("album", "show", "Cats")["items"]) == {"s0.jpg", "s1.jpg", "s4.jpg"}
