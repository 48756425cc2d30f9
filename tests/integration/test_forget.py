"""Forgetting a library folder: the catalog lets go of its files, the disk and the ratings
do not, and adding the folder back brings everything back."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import fails
from tests.library_builder import LibraryBuilder


def test_forget_asks_first_then_forgets_only_that_folder(cli, run_cli, tmp_path: Path) -> None:
    trips = LibraryBuilder(tmp_path / "trips")
    kept = LibraryBuilder(tmp_path / "kept")
    trip_files = trips.many(3) + trips.many(2, size=(44, 44), folder="inner")
    kept_files = kept.many(2, size=(40, 40))
    cli("index", str(trips.root), "--no-embed")
    cli("index", str(kept.root), "--no-embed")
    cli("index", str(trips.root / "inner"), "--no-embed")  # a root inside another root
    cli("rate", str(trip_files[0]), "7")
    only_in_trips = trip_files[2]  # img0002: the other folders stop at img0001
    assert [i["path"] for i in cli("find", only_in_trips.stem)["items"]] == [str(only_in_trips)]

    # Without --yes: what it would do, in one line, and nothing done.
    line = fails(run_cli, tmp_path, "forget", str(trips.root))
    assert line == (
        f"error: Forgetting {trips.root} takes 3 images (3 files) out of the library. The "
        "files stay on disk, untouched, and their ratings are kept for when the folder is "
        "added again. Add --yes to confirm"
    )
    assert cli("status")["images"] == 7

    report = cli("forget", str(trips.root), "--yes")
    assert report == {"folder": str(trips.root), "images": 3, "files": 3, "errors": 0}
    status = cli("status")
    assert status["images"] == 4  # the kept folder's, and the inner root's
    assert [root["path"] for root in status["roots"]] == sorted(
        [str(kept.root), str(trips.root / "inner")]
    )
    assert all(path.exists() for path in trip_files + kept_files)
    listed = {item["path"] for item in cli("list", "--page-size", "100")["items"]}
    assert listed == {str(path) for path in trip_files[3:] + kept_files}
    assert cli("find", only_in_trips.stem)["items"] == []  # the names index follows

    # Added back: the same images, with the rating.
    cli("index", str(trips.root), "--no-embed")
    items = {item["path"]: item for item in cli("list", "--page-size", "100")["items"]}
    assert set(items) == {str(path) for path in trip_files + kept_files}
    assert (items[str(trip_files[0])]["rating"], items[str(trip_files[0])]["rating_source"]) == (
        7.0,
        "user",
    )


def test_forgetting_a_folder_that_is_not_one_says_which_are(cli, run_cli, tmp_path) -> None:
    photos = LibraryBuilder(tmp_path / "photos")
    photos.many(1)
    cli("index", str(photos.root), "--no-embed")
    line = fails(run_cli, tmp_path, "forget", str(tmp_path / "elsewhere"), "--yes")
    assert line == (
        f"error: {tmp_path / 'elsewhere'} is not a library folder; the folders are: {photos.root}"
    )
    assert cli("status")["images"] == 1
