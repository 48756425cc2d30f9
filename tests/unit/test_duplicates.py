"""Duplicate grouping and keep-all, indexed without the model: each shows its progress and
a cancel stops it between groups, keeping what is done (the tiers end to end:
tests/integration/test_duplicates.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from indexing.library import Library
from indexing.settings import Settings
from tests.planted_duplicates import planted


def test_grouping_shows_progress_and_a_cancel_stops_it_keeping_what_is_done(
    library, tmp_path, pictor_env, monkeypatch
) -> None:
    from indexing.dedup import backfill
    from indexing.progress import Cancelled
    from indexing.query.duplicates import find_groups

    planted(library)
    pictor = Library(Settings(data_dir=tmp_path / "data", embed=False))
    pictor.index([str(library.root)])
    with pictor.open_catalog() as catalog, catalog.transaction() as conn:
        conn.execute("UPDATE images SET near_hashes = NULL")  # as an old catalog has them
    monkeypatch.setattr(backfill, "BATCH", 5)
    asked = iter([False, True])  # cancel pressed during the first batch
    seen = []
    try:
        find_groups(pictor, "near", progress=seen.append, cancel=lambda: next(asked))
    except Cancelled as stopped:
        assert "cancelled" in str(stopped)
    else:
        raise AssertionError("a cancelled grouping went on")
    with pictor.open_catalog() as catalog:
        kept = catalog.conn.execute("SELECT COUNT(near_hashes) FROM images").fetchone()[0]
    assert kept == 5  # the first batch's hashes stay for next time
    seen.clear()
    found = find_groups(pictor, "near", progress=seen.append, cancel=lambda: False)
    assert len(found.groups) == 1 and len(found.groups[0].members) == 6
    hashed = [p for p in seen if p.stage == "hashes"]
    assert hashed[-1].done == hashed[-1].total == 12 - 5  # only the rest was hashed
    assert "Comparing the images' hashes" in seen[-1].describe()


def test_keeping_every_group_stops_between_groups_when_cancelled(
    library, tmp_path, pictor_env
) -> None:
    from indexing.curate.keep_best import keep_all
    from indexing.query.duplicates import all_groups

    files = planted(library)
    library.write("sub/copy1.jpg", files["other1"].read_bytes())
    pictor = Library(Settings(data_dir=tmp_path / "data", embed=False))
    pictor.index([str(library.root)])
    groups = all_groups(pictor, "exact")
    assert len(groups) == 2
    asked = iter([False, True])
    seen = []
    with pictor.open_catalog() as catalog:
        report = keep_all(catalog, groups, seen.append, lambda: next(asked))
    assert report.cancelled and len(report.moved) == 1
    assert report.as_dict()["cancelled"] is True
    assert len(all_groups(pictor, "exact")) == 1  # the other group is as it was
    assert seen[-1].stage == "trash" and (seen[-1].done, seen[-1].total) == (1, 2)


def test_the_keeper_takes_the_albums_tags_and_caption_of_the_copies_and_undo_gives_them_back(
    library, tmp_path, pictor_env
) -> None:
    """Keeping the best of a group must not empty an album, drop a tag or lose a caption the
    user gave a copy that goes to the trash; Undo puts every row back as it was."""
    from indexing.curate.albums import Albums
    from indexing.curate.keep_best import keep_one, undo_keep
    from indexing.curate.tags import Tags
    from indexing.query.duplicates import find_groups
    from indexing.query.filters import Filter
    from indexing.query.listing import ListRequest, list_images

    files = planted(library)
    pictor = Library(Settings(data_dir=tmp_path / "data", embed=False))
    pictor.index([str(library.root)])
    [group] = find_groups(pictor, "near").groups
    ids = {Path(m.path).name: m.content_id for m in group.members}
    keeper = next(n for n, m in enumerate(group.members) if m.path == str(files["original"]))
    original, mirror, small = ids["original.jpg"], ids["mirror.webp"], ids["small.jpg"]

    def organisation() -> tuple:
        conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
        try:
            return tuple(
                conn.execute(sql).fetchall()
                for sql in (
                    "SELECT * FROM album_items ORDER BY album, content_id",
                    "SELECT * FROM image_tags ORDER BY tag, content_id",
                    "SELECT * FROM captions ORDER BY content_id",
                    "SELECT id, cover FROM albums ORDER BY id",
                )
            )
        finally:
            conn.close()

    def album_names(catalog, album: str) -> set[str]:
        request = ListRequest(filter=Filter(album=album), page_size=100)
        return {Path(item.path).name for item in list_images(catalog, request).items}

    with pictor.open_catalog() as catalog:
        albums, tags = Albums(catalog), Tags(catalog)
        albums.create("Lisbon trip", order="manual")
        albums.add("Lisbon trip", [mirror])
        albums.set_cover("Lisbon trip", mirror)
        albums.create("Best")
        albums.add("Best", [original, small])
        tags.add("Places/Portugal/Lisbon", [mirror])
        tags.add("Family", [small, original])
        tags.set_caption(small, "The castle from the tram")
        tags.set_caption(mirror, "Tram 28 at dusk")  # the newest caption of the copies
        before = organisation()

        report = keep_one(catalog, group, keeper)
        assert len(report.moved) == 5 and not files["mirror"].exists()
        assert album_names(catalog, "Lisbon trip") == {"original.jpg"}
        assert albums.get("Lisbon trip").cover == original
        assert album_names(catalog, "Best") == {"original.jpg"}
        assert sorted(tags.of(original)) == ["Family", "Places/Portugal/Lisbon"]
        assert tags.caption(original) == "Tram 28 at dusk"
        assert tags.of(mirror) == ["Places/Portugal/Lisbon"]  # the copy keeps its own

        undo_keep(catalog, report)
        assert files["mirror"].exists()
        assert organisation() == before
        assert album_names(catalog, "Lisbon trip") == {"mirror.webp"}
        assert tags.of(original) == ["Family"] and tags.caption(original) is None
