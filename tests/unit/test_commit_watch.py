"""The Library tab's counts never outlive a catalog file put in place of the old one (a commit
from this process or another: tests/integration/test_commit_watch.py)."""

from __future__ import annotations

import shutil

from indexing.store.commit_watch import CommitWatch
from tests.catalog_rows import add_image_row, image_count


def test_a_catalog_file_put_in_place_is_read_afresh(tmp_path) -> None:
    path, other = tmp_path / "catalog.sqlite3", tmp_path / "other.sqlite3"
    add_image_row(path, 1)
    for n in range(5):
        add_image_row(other, 10 + n)
    watch = CommitWatch(path)
    assert watch.cached("images", lambda: image_count(path)) == 1
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"catalog.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(other, tmp_path / "new.sqlite3")
    (tmp_path / "new.sqlite3").replace(path)
    assert watch.cached("images", lambda: image_count(path)) == 5
