"""What a module keeps in memory for each catalog file between calls (a built queue, pairs
read from the face rows), for the last few catalogs: a server holds one library, a test run
opens many. Each keeper checks its own stamp before using what it gets back."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class PerCatalog(Generic[T]):
    """One value per catalog path, the oldest dropped beyond `size`. `lock` (re-entrant) is
    held by get and put; hold it around a read-modify-write."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.lock = threading.RLock()
        self._kept: dict[Path, T] = {}

    def get(self, path: Path) -> T | None:
        with self.lock:
            return self._kept.get(path)

    def put(self, path: Path, value: T) -> None:
        with self.lock:
            if path not in self._kept and len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))
            self._kept[path] = value

    def clear(self) -> None:
        with self.lock:
            self._kept.clear()
