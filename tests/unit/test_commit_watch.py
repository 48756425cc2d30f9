"""The Library tab's counts never outlive a catalog file put in place of the old one (a commit
from this process or another: tests/integration/test_commit_watch.py)."""

from __future__ import annotations

import shutil

from indexing.store.commit_watch import CommitWatch
from tests.integration.test_commit_watch import _add, _image_count


def test_a_catalog_file_put_in_place_is_read_afresh(tmp_path) -> None:
    path, other = tmp_path / "catalog.sqlite3", tmp_path / "other.sqlite3"
    _add(path, 1)
    for n in range(5):
        _add(other, 10 + n)
    watch = CommitWatch(path)
    assert watch.cached("images", lambda: _image_count(path)) == 1
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"catalog.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(other, tmp_path / "new.sqlite3")
    (tmp_path / "new.sqlite3").replace(path)
    assert watch.cached("images", lambda: _image_count(path)) == 5
