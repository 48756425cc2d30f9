"""A flat on-disk copy of one model's vectors, for exact search over a filtered subset.

Why: reading vectors back from Chroma by id costs about 50 µs each (mostly Python
conversion), so exact search over the 10,000 images a 1% filter leaves in a million would
spend half a second just fetching them. The mirror is a memory-mapped float32 matrix plus
its content ids, read in microseconds per row. It is derived data like Chroma itself: it is
rebuilt from the collection whenever it looks wrong, and deleting it costs only a rebuild.

Files: `ids.txt` (one content id per line) and `vectors.f32` (rows of `dim` float32), both
append-only. Vectors are appended before their ids, so a crash leaves at worst rows without
ids, which the next load ignores and the next append drops (into a new file: a file that
is memory-mapped is never shortened).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexing.store.locks import exclusive
from indexing.store.vectors import VectorStore

Vectors = np.ndarray
RESYNC_SECONDS = 5.0  # a long-running process (the UI) checks Chroma for new vectors this often


class VectorMirror:
    def __init__(self, folder: Path, model_id: str):
        self.folder = folder
        self.model_id = model_id
        self.ids: list[str] = []
        # (content id -> row, matrix), replaced whole so readers never mix two loads.
        self._snapshot: tuple[dict[str, int], np.ndarray] = ({}, np.zeros((0, 0), np.float32))
        self._synced_at = 0.0
        self._stamp: int | None = None  # the catalog's embedding stamp at the last sync
        self._loaded_size = -1  # bytes of ids.txt last loaded
        self._lock = threading.Lock()

    def sync(
        self, store: VectorStore, *, force: bool = False, stamp: int | None = None
    ) -> VectorMirror:
        """Catch up with the Chroma collection (new vectors are appended).

        stamp is the catalog's count of embedding changes for this model
        (Catalog.embedding_stamp): when it is the one of the last sync, nothing was
        embedded since, and the check is skipped. Without it the mirror asks Chroma for its
        count at most every RESYNC_SECONDS, and that costs 100 to 150 ms at a million
        vectors, holding the GIL. A stale mirror is never wrong, only slower: callers read
        the ids it lacks from Chroma.
        """
        with self._lock:
            unchanged = stamp is not None and stamp == self._stamp
            if not force and (unchanged or time.monotonic() - self._synced_at < RESYNC_SECONDS):
                return self
            self.folder.mkdir(parents=True, exist_ok=True)
            with exclusive(self.folder / "lock"):
                if self._loaded_size != self._ids_size():  # another process appended
                    self._load()
                total = store.count(self.model_id)
                if len(self.ids) != total:
                    self._catch_up(store, total)
            self._synced_at = time.monotonic()
            self._stamp = stamp
        return self

    def everything(self) -> tuple[list[str], Vectors]:
        """Every content id in the mirror and its (memory-mapped) rows, in the same order."""
        index, matrix = self._snapshot
        ids = sorted(index, key=index.__getitem__)
        return ids, matrix

    def vectors_for(self, ids: Sequence[str]) -> tuple[list[str], Vectors, list[str]]:
        """(ids found, their rows, ids not in the mirror yet)."""
        index, matrix = self._snapshot  # one consistent pair, even while a sync reloads
        found, rows, missing = [], [], []
        for content_id in ids:
            row = index.get(content_id)
            if row is None:
                missing.append(content_id)
            else:
                found.append(content_id)
                rows.append(row)
        if not rows:
            return [], np.zeros((0, matrix.shape[1] if matrix.size else 0)), missing
        order = np.argsort(rows)  # sequential reads from the memory map
        picked = matrix[np.asarray(rows)[order]]
        return [found[i] for i in order], np.asarray(picked, dtype=np.float32), missing

    def _catch_up(self, store: VectorStore, total: int) -> None:
        """Append what Chroma has beyond our rows; rebuild if rows went missing.

        More rows than counted is fine: vectors landed while we were appending.
        """
        if len(self.ids) > total:
            self._rebuild(store)
            return
        self._drop_rows_without_ids()
        self._write(store, start=len(self.ids), fresh=False)
        self._load()
        if len(self.ids) < total:
            self._rebuild(store)

    def _rebuild(self, store: VectorStore) -> None:
        """Write a fresh copy beside the old one, then swap it in.

        Never truncate in place: a reader's memory map of the old file would fault (SIGBUS)
        on pages that vanished. Replaced files stay valid for whoever still maps them.
        """
        self._write(store, start=0, fresh=True)
        for name in ("vectors.f32", "ids.txt"):
            os.replace(self.folder / f"{name}.new", self.folder / name)
        self._load()

    def _drop_rows_without_ids(self) -> None:
        """Rows beyond the ids (a crash between the two appends, or a damaged ids.txt) go
        before appending: the rows kept are copied to a new file, which is swapped in.

        Never truncated in place: a reader's memory map of the old file (a search's
        snapshot, the warm-up thread) would fault (SIGBUS) on the pages cut off, and the
        process would die.
        """
        vectors_file = self.folder / "vectors.f32"
        keep = len(self.ids) * self._dim() * 4
        if not vectors_file.exists() or vectors_file.stat().st_size <= keep:
            return
        fresh = self.folder / "vectors.f32.new"
        shutil.copyfile(vectors_file, fresh)  # the new file is nobody's map: cut it
        os.truncate(fresh, keep)
        os.replace(fresh, vectors_file)

    def _write(self, store: VectorStore, *, start: int, fresh: bool) -> None:
        mode = "wb" if fresh else "ab"
        known = set() if fresh else set(self.ids)
        suffix = ".new" if fresh else ""
        with (
            open(self.folder / f"vectors.f32{suffix}", mode) as vectors,
            open(self.folder / f"ids.txt{suffix}", mode.replace("b", "")) as ids,
        ):
            for page_ids, page_vectors in store.pages(self.model_id, start=start):
                keep = [i for i, cid in enumerate(page_ids) if cid not in known]
                if not keep:
                    continue
                self._set_dim(page_vectors.shape[1])
                vectors.write(np.ascontiguousarray(page_vectors[keep], dtype=np.float32).tobytes())
                vectors.flush()
                ids.write("".join(page_ids[i] + "\n" for i in keep))
                ids.flush()
                known.update(page_ids[i] for i in keep)

    def _dim(self) -> int:
        meta = self.folder / "meta.json"
        return json.loads(meta.read_text())["dim"] if meta.exists() else 0

    def _set_dim(self, dim: int) -> None:
        if self._dim() != dim:
            (self.folder / "meta.json").write_text(json.dumps({"dim": dim}))

    def _ids_size(self) -> int:
        try:
            return (self.folder / "ids.txt").stat().st_size
        except FileNotFoundError:
            return 0

    def _load(self) -> None:
        self._loaded_size = self._ids_size()
        dim = self._dim()
        ids_file, vectors_file = self.folder / "ids.txt", self.folder / "vectors.f32"
        if not dim or not ids_file.exists() or not vectors_file.exists():
            self.ids = []
            self._snapshot = ({}, np.zeros((0, dim), dtype=np.float32))
            return
        ids = ids_file.read_text().split()
        count = min(len(ids), vectors_file.stat().st_size // (dim * 4))
        self.ids = ids[:count]
        matrix = (
            np.memmap(vectors_file, dtype=np.float32, mode="r", shape=(count, dim))
            if count
            else np.zeros((0, dim), dtype=np.float32)
        )
        self._snapshot = ({cid: row for row, cid in enumerate(self.ids)}, matrix)
        if count:
            threading.Thread(target=_fault_in, args=(matrix,), daemon=True).start()


def _fault_in(matrix: np.ndarray) -> None:
    """Touch one byte of every page of a fresh memory map, off the query path.

    The first exact searches would otherwise fault in each page they read: at a million
    vectors, 66 to 170 ms for a 1% filter's 10,000 rows instead of 7 ms. numpy lets go of
    the GIL while it reads, so searches go on meanwhile.
    """
    with contextlib.suppress(OSError, ValueError):  # replaced meanwhile: the next load warms it
        int(matrix.reshape(-1).view(np.uint8)[:: mmap.PAGESIZE].sum())


_MIRRORS: dict[tuple[Path, str], VectorMirror] = {}
_MIRRORS_LOCK = threading.Lock()


def shared_mirror(folder: Path, model_id: str) -> VectorMirror:
    """One mirror object per folder and model per process, so the UI loads it once."""
    with _MIRRORS_LOCK:
        return _MIRRORS.setdefault((folder, model_id), VectorMirror(folder, model_id))
