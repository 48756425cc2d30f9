"""The Library tab's counts never outlive a catalog file put in place of the old one (a commit
from this process or another: tests/integration/test_commit_watch.py)."""

from __future__ import annotations

import shutil
import threading

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


def test_calls_that_come_together_after_a_commit_compute_once(tmp_path) -> None:
    """A page's thumbnails asking for one shared smart album at once: its query runs once;
    the calls that arrive while it runs wait for its value."""
    path = tmp_path / "catalog.sqlite3"
    add_image_row(path, 1)
    watch = CommitWatch(path)
    stamp, arrived = watch.stamp, threading.Semaphore(0)

    def stamped():  # a call has read the stamp and is about to look for a kept value
        found = stamp()
        arrived.release()
        return found

    watch.stamp = stamped  # type: ignore[method-assign]
    runs: list[int] = []
    others: list[threading.Thread] = []
    answers: list[int] = []

    def compute() -> int:
        runs.append(1)
        if len(runs) == 1:  # the first run: the others come while it computes
            assert arrived.acquire(timeout=10)  # its own call's stamp
            for _ in range(4):
                others.append(threading.Thread(target=lambda: answers.append(ask())))
                others[-1].start()
            for _ in range(4):
                assert arrived.acquire(timeout=10)
        return image_count(path)

    def ask() -> int:
        return watch.cached("count", compute)

    assert ask() == 1
    for thread in others:
        thread.join(timeout=10)
    assert answers == [1, 1, 1, 1] and len(runs) == 1
    add_image_row(path, 2)
    assert ask() == 2 and len(runs) == 2  # after a commit: computed again
