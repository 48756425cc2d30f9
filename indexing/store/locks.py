"""Advisory file locks: one indexing run per data directory, one first open of Chroma.

flock(2) locks belong to the open file and vanish with the process, so a run killed with
SIGKILL never leaves a stale lock behind. The holder writes its pid into the file for
the "already running (pid N)" message; the pid is read only while the lock is held.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from indexing.errors import PictorError

INDEX_LOCK = "indexing.lock"


class IndexingBusy(PictorError):
    """Another process (or this one) is indexing the same data directory."""

    def __init__(self, pid: int | None):
        self.pid = pid
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"indexing is already running{who}; wait for it to finish")


def holder_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


@contextmanager
def index_lock(
    data_dir: Path, *, wait: bool = True, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[None]:
    """Hold the data directory's indexing lock for the duration of the block.

    wait=False raises IndexingBusy at once when another run holds it; wait=True calls
    on_wait(pid) once and then blocks until the other run ends.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / INDEX_LOCK
    with open(path, "a+") as handle:
        if not _try_lock(handle):
            pid = holder_pid(path)
            if not wait:
                raise IndexingBusy(pid)
            if on_wait is not None:
                on_wait(pid)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def indexing_running(data_dir: Path) -> int | None:
    """The pid of the run holding the lock, or None when nobody is indexing."""
    path = data_dir / INDEX_LOCK
    if not path.exists():
        return None
    with open(path, "a+") as handle:
        if _try_lock(handle):
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None
    return holder_pid(path) or -1


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """A plain blocking lock on path, for short critical sections across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
