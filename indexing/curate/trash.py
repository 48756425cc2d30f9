"""Delete means "move to the trash, with undo". Nothing is removed but by emptying the trash.

Only what the library holds moves: an image or video the catalog lists as present, by
its path or its real path (symlinks resolved); any other path refuses the whole request,
one line each, before anything moves. A catalogued file that is a symlink moves as the
link itself, and is restored as that link: the file it points to is never touched.

A trashed file moves into `.pictor-trash/` inside its own library root, keeping its path
relative to the root (the walk skips hidden folders, so the trash is never indexed). Every
move is written to `trash_log` before it happens (state 'moving') and marked done after,
so a crash (kill -9) mid-batch leaves each file either in place or in the trash, and the
next trash operation finishes or undoes whatever was caught half-way. A file whose folder
became a file stays in the trash, and the reason says how to restore it elsewhere.

One trash operation runs at a time per catalog (an advisory lock beside it, held for the
whole batch), so the recovery of one never mistakes another's move in progress for a crash.

Moves never overwrite: a name already taken in the trash (or, on restore, at the original
place) gets " (2)", " (3)", ... before its extension. Within one filesystem a move is a
hard link plus an unlink (atomic, and refuses to replace an existing file); across
filesystems (a trash on another mount) the bytes are copied, synced and compared before
the original is removed (those filesystem steps are file_moves.py's).
"""

from __future__ import annotations

import errno
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from indexing.curate.file_moves import (
    free_name,
    move_no_overwrite,
    not_a_folder,
    reason_of,
    remove_if_same,
    stat_as_indexed,
)
from indexing.errors import PictorError
from indexing.store.catalog import Catalog, path_range
from indexing.store.files import file_row
from indexing.store.locks import exclusive
from indexing.store.trash_log import TrashLog

TRASH = ".pictor-trash"
TRASH_LOCK = "trash.lock"


@dataclass(frozen=True, slots=True)
class TrashEntry:
    id: int
    original_path: str
    trash_path: str
    content_id: str | None
    size: int | None
    moved_at: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class TrashReport:
    moved: list[TrashEntry] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}
    cancelled: bool = False  # stopped part way, when asked to: what moved stays moved

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"moved": [e.as_dict() for e in self.moved]}
        data["problems"] = self.problems
        if self.cancelled:
            data["cancelled"] = True
        return data


class Trash:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.log = TrashLog(catalog)
        self._depth = 0

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the trash lock (re-entrant within this object) for one whole operation."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with exclusive(self.catalog.path.parent / TRASH_LOCK):
            self._depth = 1
            try:
                self._recover()
                yield
            finally:
                self._depth = 0

    # Moving in

    def trash(self, paths: list[str], now: float | None = None) -> TrashReport:
        """Move each file to its root's trash; a file that cannot move is one problem line."""
        with self._locked():
            return self._trash_all(paths, now)

    def _trash_all(self, paths: list[str], now: float | None) -> TrashReport:
        roots = self.catalog.roots()
        checked = [self._library_file(path, roots) for path in paths]
        refused = [f"{why}: {path}" for path, (_, _, why) in zip(paths, checked, strict=True)
                   if why]  # fmt: skip
        if refused:  # checked for all before anything moves: one line for each refused path
            if len(refused) < len(paths):
                refused[0] += " (nothing was moved)"
            raise PictorError("\n".join(refused))
        report = TrashReport()
        batch = uuid.uuid4().hex
        for full, root, _ in checked:
            try:
                report.moved.append(self._trash_one(full, root, batch, now))  # type: ignore[arg-type]
            except OSError as exc:
                report.problems.append({"path": full, "reason": reason_of(exc)})
        return report

    def _library_file(self, path: str, roots: list[str]) -> tuple[str, str | None, str | None]:
        """(the catalogued path, its root, None) for a file the library holds, or (path, None,
        why not). Only the images and videos the catalog lists as present move: the path as
        given, or its real path (symlinks resolved), must be one of theirs. A file reached
        through a folder link that was never indexed, a text file, a hidden file: refused."""
        full = os.path.abspath(os.path.expanduser(path))
        real = os.path.realpath(full)
        if TRASH in full.split(os.sep) or TRASH in real.split(os.sep):
            return full, None, "already in the trash (restore it, or empty the trash)"
        known = [p for p in dict.fromkeys((full, real)) if self._status_of(p) == "present"]
        if not known:
            if _root_of(full, roots) is None and _root_of(real, roots) is None:
                return full, None, "not inside any library folder"
            if self._status_of(full) == "missing":
                return full, None, "no longer in the library (missing since the last index)"
            return full, None, "not an image or video of the library (index its folder first)"
        catalogued = known[0]
        root = _root_of(catalogued, roots)
        if root is None:
            return full, None, "not inside any library folder"
        if os.path.lexists(real) and not os.path.isfile(real):
            return full, None, "not a file (a folder or a device took its place)"
        if not self._as_indexed(catalogued):  # e.g. its folder became a link to elsewhere
            return full, None, "changed on disk since it was indexed (index its folder again)"
        return catalogued, root, None

    def _as_indexed(self, path: str) -> bool:
        """Whether the file at path (links followed) has the size and time the catalog
        recorded for it: the file the library holds, not another one put in its place."""
        row = file_row(self.catalog, path)
        try:
            info = os.stat(path)
        except OSError:
            return True  # gone: _trash_one says so, as for any file that vanished
        return row is not None and (info.st_size, info.st_mtime_ns) == (row[2], row[3])

    def _status_of(self, path: str) -> str | None:
        row = file_row(self.catalog, path)
        return row[1] if row else None

    def _trash_one(self, path: str, root: str, batch: str, now: float | None) -> TrashEntry:
        info = os.stat(path)  # a file that vanished since grouping: FileNotFoundError
        if not os.path.isfile(path):
            raise IsADirectoryError(errno.EISDIR, "not a file")
        relative = os.path.relpath(path, root)
        target = free_name(os.path.join(root, TRASH, relative))
        content_id = self._content_of(path)
        moved_at = time.time() if now is None else now
        row_id = self.log.start(batch, path, target, root, content_id, info.st_size, moved_at)
        try:
            move_no_overwrite(path, target)
        except OSError as exc:
            self._finish(row_id, "failed", note=reason_of(exc))
            raise
        self._finish(row_id, "trashed", missing=path)
        return TrashEntry(row_id, path, target, content_id, info.st_size, moved_at)

    def _content_of(self, path: str) -> str | None:
        row = file_row(self.catalog, path)
        return row[0] if row else None

    def _finish(
        self, row_id: int, state: str, *, note: str | None = None, missing: str | None = None
    ) -> None:
        self.log.finish(row_id, state, note=note, missing=missing)

    # Reading

    def entries(self) -> list[TrashEntry]:
        with self._locked():
            return self._entries()

    def _entries(self) -> list[TrashEntry]:
        return [TrashEntry(*row) for row in self.log.trashed()]

    # Moving out

    def restore(self, selectors: list[str] | None = None, to: str | None = None) -> TrashReport:
        """Put trashed files back (all of them with selectors None), with their ratings;
        with `to`, into that folder instead of where they were."""
        folder = _restore_folder(to) if to is not None else None
        with self._locked():
            wanted = self._select(selectors)
            report = TrashReport()
            for entry in wanted:
                try:
                    report.moved.append(self._restore_one(entry, folder))
                except OSError as exc:
                    report.problems.append({"path": entry.original_path, "reason": reason_of(exc)})
            return report

    def _select(self, selectors: list[str] | None) -> list[TrashEntry]:
        entries = self._entries()
        if selectors is None:
            return entries
        wanted = []
        for selector in selectors:
            full = os.path.abspath(os.path.expanduser(selector))
            found = [
                e
                for e in entries
                if full in (e.original_path, e.trash_path) or str(e.id) == selector
            ]
            if not found:
                raise PictorError(f"not in the trash: {selector}")
            wanted.append(found[0])
        return wanted

    def _restore_one(self, entry: TrashEntry, folder: str | None = None) -> TrashEntry:
        wanted = entry.original_path
        if folder is not None:
            wanted = os.path.join(folder, os.path.basename(entry.original_path))
        blocker = not_a_folder(os.path.dirname(wanted))
        if blocker is not None:  # its folder was replaced by a file: it stays in the trash
            raise NotADirectoryError(
                errno.ENOTDIR,
                f"cannot put it back: {blocker} is now a file, not a folder. It stays in the "
                f"trash at {entry.trash_path}; put it elsewhere with: "
                f"trash restore {entry.original_path} --to FOLDER",
            )
        target = wanted
        if os.path.lexists(target):  # something new took its place meanwhile: keep both
            target = free_name(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)  # folders removed since
        move_no_overwrite(entry.trash_path, target)
        info = stat_as_indexed(target)
        now = time.time()
        in_library = _root_of(target, self.catalog.roots()) is not None
        listed = None
        if entry.content_id is not None and in_library:
            listed = (target, entry.content_id, info.st_size, info.st_mtime_ns)
        note = None if target == entry.original_path else f"restored as {target}"
        self.log.restored(entry.id, now, note, listed)
        return TrashEntry(entry.id, target, entry.trash_path, entry.content_id, entry.size, now)

    def empty(self) -> TrashReport:
        """The only permanent delete: remove every trashed file's bytes."""
        with self._locked():
            return self._empty()

    def _empty(self) -> TrashReport:
        report = TrashReport()
        for entry in self._entries():
            try:
                os.unlink(entry.trash_path)
            except FileNotFoundError:
                if not os.path.isdir(_trash_folder(entry.trash_path)):  # an unmounted trash
                    report.problems.append(
                        {"path": entry.trash_path, "reason": "the trash folder is not reachable"}
                    )
                    continue
                # the file alone is gone (removed by hand): nothing left to delete
            except OSError as exc:
                report.problems.append({"path": entry.trash_path, "reason": reason_of(exc)})
                continue
            self.log.emptied(entry.id)
            _prune_empty_folders(os.path.dirname(entry.trash_path))
            report.moved.append(entry)
        return report

    # After a crash

    def _recover(self) -> None:
        """Finish or undo the moves a crash interrupted. It runs under the lock, at the start
        of every operation, so each 'moving' row was left by a process that died mid-move."""
        for row_id, original, target in self.log.interrupted():
            partial = target + ".part"
            if os.path.lexists(partial):
                os.unlink(partial)  # an unfinished cross-device copy; the original is intact
            if not os.path.lexists(target):
                self._finish(row_id, "failed", note="interrupted before the move; left in place")
                continue
            if os.path.lexists(original):
                remove_if_same(original, target)
            if not os.path.lexists(original):
                self._finish(row_id, "trashed", missing=original, note="finished after a crash")
            else:  # the move finished, and a different file has taken the name since
                self._finish(
                    row_id, "trashed", note="finished after a crash; a new file took its name"
                )


def _root_of(path: str, roots: list[str]) -> str | None:
    inside = [root for root in roots if path_range(root)[0] <= path < path_range(root)[1]]
    return max(inside, key=len) if inside else None


def _restore_folder(to: str) -> str:
    """The folder `restore --to` puts files into: one that exists, outside every trash."""
    folder = os.path.abspath(os.path.expanduser(to))
    if not os.path.isdir(folder):
        raise PictorError(f"not a folder: {folder} (give an existing folder to restore into)")
    if TRASH in os.path.realpath(folder).split(os.sep):
        raise PictorError(f"that folder is inside the trash: {folder}")
    return folder


def _trash_folder(trash_path: str) -> str:
    """The .pictor-trash folder a trashed file sits in."""
    head, _, _ = trash_path.partition(os.sep + TRASH + os.sep)
    return head + os.sep + TRASH


def _prune_empty_folders(folder: str) -> None:
    while os.path.basename(folder) != TRASH:
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)
