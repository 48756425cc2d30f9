"""Whether anything has been committed to the catalog since a value was computed.

The Library tab shows counts (images, bytes, formats, embeddings, problems) that scan the
catalog: about 0.15 s at 100,000 images and ten times that at a million, on every page
load. They change only when something is committed, so they are kept until then.

SQLite's `PRAGMA data_version`, read on one connection, changes whenever any other
connection (this process's or another's: a CLI run indexing, a rating from the Rate tab)
has committed. The watch keeps such a connection, read-only, which never writes itself.
If the catalog file is replaced, the watch opens the new one and counts that as a change.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class CommitWatch:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None
        self._opened = 0
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[tuple[int, int], Any]] = {}
        self._turns: dict[Hashable, threading.Lock] = {}

    def stamp(self) -> tuple[int, int] | None:
        """Differs from the previous stamp if anything was committed in between; None when
        the catalog cannot be watched (then nothing is kept)."""
        with self._lock:
            try:
                info = os.stat(self.path)
                file = (info.st_dev, info.st_ino)
                if self._conn is None or file != self._file:
                    if self._conn is not None:
                        self._conn.close()
                    uri = f"{self.path.absolute().as_uri()}?mode=ro"
                    self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
                    self._file, self._opened = file, self._opened + 1
                return self._opened, self._conn.execute("PRAGMA data_version").fetchone()[0]
            except (OSError, sqlite3.Error):
                self._conn = None
                return None

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute()'s value, computed again only after a commit. The stamp is read before
        computing, so a commit that lands meanwhile makes the next call compute again. Calls
        for one key that come together after a commit compute it once: the others wait for
        that value (a page's thumbnails asking for a shared smart album at once)."""
        stamp = self.stamp()
        kept = self._values.get(key)
        if stamp is not None and kept is not None and kept[0] == stamp:
            return kept[1]
        with self._lock:
            turn = self._turns.setdefault(key, threading.Lock())
        with turn:
            kept = self._values.get(key)
            if stamp is not None and kept is not None and kept[0] == stamp:
                return kept[1]  # computed by the call this one waited for
            value = compute()
            if stamp is not None:
                self._values[key] = (stamp, value)
        return value
