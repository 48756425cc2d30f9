"""The Library tab's counts are kept between page loads, and never outlive a commit: one
from this process, from another process (a CLI run), or a catalog file put in its place."""

from __future__ import annotations

import subprocess
import sys

from indexing.store.catalog import Catalog
from indexing.store.commit_watch import CommitWatch
from tests.catalog_rows import add_image_row, image_count


def test_a_kept_count_lasts_until_any_connection_commits(tmp_path) -> None:
    path = tmp_path / "catalog.sqlite3"
    add_image_row(path, 1)
    watch = CommitWatch(path)
    computed = []

    def count() -> int:
        computed.append(1)
        return image_count(path)

    assert watch.cached("images", count) == 1
    assert watch.cached("images", count) == 1
    assert len(computed) == 1  # nothing committed: the kept value, no scan

    add_image_row(path, 2)  # this process, another connection
    assert watch.cached("images", count) == 2

    script = (
        'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO images'
        "(content_id, bytes, width, height, format, date_key, phash, dhash, added_at) VALUES"
        " ('%032x', 1, 1, 1, 'PNG', 0, 0, 0, 0)\" % 3); c.commit()"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)  # another process
    assert watch.cached("images", count) == 3
    assert len(computed) == 3

    with Catalog(path) as catalog:  # a read is no commit
        catalog.conn.execute("SELECT COUNT(*) FROM files").fetchone()
    assert watch.cached("images", count) == 3 and len(computed) == 3


def test_library_status_shows_a_new_rating_and_a_new_image(pictor, library) -> None:
    from indexing.curate.rating_service import RatingService

    library.noise("a.jpg")
    pictor.index(library.root)
    with pictor.library.open_catalog() as catalog:
        before = pictor.library.status(catalog)
    content_id = pictor.one("SELECT content_id FROM images")["content_id"]
    RatingService(pictor.library).rate(content_id, 7)
    library.noise("b.jpg", seed=2)
    pictor.index(library.root)
    with pictor.library.open_catalog() as catalog:
        after = pictor.library.status(catalog)
    assert (before["images"], before["ratings"]) == (1, 0)
    assert (after["images"], after["ratings"]) == (2, 1)
    after["formats"]["JPEG"] = -1  # a caller changing its copy changes no one else's
    with pictor.library.open_catalog() as catalog:
        assert pictor.library.status(catalog)["formats"]["JPEG"] == 2
