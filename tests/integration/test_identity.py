"""Content identity: an image is its bytes, not its path."""

from __future__ import annotations

import shutil

import pytest

import indexing.ingest.analyse


def forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("a known image was decoded again")

    monkeypatch.setattr(indexing.ingest.analyse, "decode", fail)


@pytest.mark.parametrize("new_name", ["renamed.jpg", "elsewhere/deeper/photo.jpg"])
def test_moved_file_is_relinked_and_nothing_is_recomputed(
    pictor, library, monkeypatch, new_name
) -> None:
    original = library.noise("photo.jpg", (120, 80), seed=1)
    library.noise("other.jpg", seed=2)
    pictor.index(library.root)
    before = dict(pictor.image_for(original))
    content_id = before["content_id"]
    first_seen = pictor.file_row(original)["first_seen"]
    thumb = pictor.library.thumbs.path_for(content_id)
    thumb_stat = thumb.stat()
    pictor.execute(
        "INSERT INTO ratings(content_id, rating, rated_at) VALUES (?, 8.5, 1)", content_id
    )

    moved = library.path(new_name)
    shutil.move(original, moved)
    forbid_decoding(monkeypatch)
    summary = pictor.index(library.root)

    assert (summary.moved, summary.new, summary.changed, summary.deleted) == (1, 0, 0, 0)
    assert summary.errors == []
    after = dict(pictor.image_for(moved))
    assert without_derived(after) == without_derived(before)  # same row, same added_at
    assert after["name_key"] == moved.name.lower()
    assert (after["rating_key"], after["rating_source"]) == (8.5, "user")
    row = pictor.file_row(moved)
    assert row["status"] == "present"
    assert row["first_seen"] == first_seen
    assert pictor.rows("SELECT * FROM files WHERE path = ?", str(original)) == []
    assert pictor.one("SELECT COUNT(*) AS n FROM images")["n"] == 2
    after = thumb.stat()
    assert (after.st_mtime_ns, after.st_ino) == (thumb_stat.st_mtime_ns, thumb_stat.st_ino)
    assert pictor.one("SELECT rating FROM ratings WHERE content_id = ?", content_id)[0] == 8.5


def test_two_identical_copies_are_one_image_with_two_paths(pictor, library) -> None:
    first = library.noise("a/copy.png", seed=3, format="PNG")
    second = library.write("b/same bytes.png", first.read_bytes())
    library.noise("c/different.png", seed=4, format="PNG")

    summary = pictor.index(library.root)

    assert summary.new == 3 and summary.errors == []
    assert pictor.one("SELECT COUNT(*) AS n FROM images")["n"] == 2
    first_cid = pictor.file_row(first)["content_id"]
    assert pictor.file_row(second)["content_id"] == first_cid
    paths = {
        r["path"] for r in pictor.rows("SELECT path FROM files WHERE content_id = ?", first_cid)
    }
    assert paths == {str(first), str(second)}


def test_copy_added_later_reuses_the_known_image(pictor, library, monkeypatch) -> None:
    first = library.noise("first.jpg", seed=5)
    pictor.index(library.root)
    before = dict(pictor.image_for(first))

    copy = library.write("later/copy.jpg", first.read_bytes())
    forbid_decoding(monkeypatch)
    summary = pictor.index(library.root)

    assert (summary.new, summary.moved, summary.unchanged) == (1, 0, 1)
    after = dict(pictor.image_for(copy))
    assert without_derived(after) == without_derived(before)
    assert after["present_files"] == 2
    assert after["name_key"] == "copy.jpg"  # the smaller of the two names
    assert pictor.one("SELECT COUNT(*) AS n FROM images")["n"] == 1


def without_derived(row: dict) -> dict:
    """An images row less the columns that follow its files' names and its rating."""
    derived = {"name_key", "rating_key", "rating_source", "present_files"}
    return {key: value for key, value in row.items() if key not in derived}
