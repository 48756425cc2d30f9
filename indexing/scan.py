"""Walking folders: one stat per file, symlinks followed with loop detection."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from indexing.decode import IMAGE_EXTENSIONS
from indexing.errors import PictorError
from indexing.records import FileStat, IndexErrorRecord


@dataclass(frozen=True, slots=True)
class WalkError:
    record: IndexErrorRecord


def resolve_root(folder: str | os.PathLike[str]) -> str:
    """The absolute folder path to index, or a PictorError saying what is wrong."""
    path = os.path.abspath(os.path.expanduser(os.fspath(folder)))
    if not os.path.exists(path):
        raise PictorError(f"folder not found: {path}")
    if not os.path.isdir(path):
        raise PictorError(f"not a folder: {path} (give the folder that contains it)")
    if not os.access(path, os.R_OK | os.X_OK):
        raise PictorError(f"permission denied: cannot read folder {path}")
    return path


def printable(path: str) -> str:
    """A path that can be stored and printed even if the file name is not valid UTF-8."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def walk(
    root: str,
    *,
    skip: Callable[[str], bool] = lambda _: False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[FileStat | WalkError]:
    """Yield a FileStat for each image file under root, or a WalkError for each problem.

    Hidden files and folders (names starting with '.') are skipped. Directory symlinks are
    followed once; a link back to a folder already walked is reported, not followed.
    """
    visited: set[tuple[int, int]] = set()
    root_stat = os.stat(root)
    visited.add((root_stat.st_dev, root_stat.st_ino))
    stack = [root]
    while stack:
        if should_stop():
            return
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            yield _error(folder, f"cannot list folder: {exc.strerror or exc}")
            continue
        subfolders: list[str] = []
        for entry in listing:
            if entry.name.startswith("."):
                continue
            result = _visit(entry, visited, skip, subfolders)
            if result is not None:
                yield result
        stack.extend(reversed(subfolders))


def _visit(
    entry: os.DirEntry[str],
    visited: set[tuple[int, int]],
    skip: Callable[[str], bool],
    subfolders: list[str],
) -> FileStat | WalkError | None:
    path = entry.path
    try:
        is_dir = entry.is_dir()
    except OSError:
        is_dir = False
    if is_dir:
        if skip(path):
            return None
        try:
            info = entry.stat()
        except OSError as exc:
            return _error(path, f"cannot open folder: {exc.strerror or exc}")
        key = (info.st_dev, info.st_ino)
        if key in visited:
            return _error(path, "symbolic link loop: this folder is already being indexed")
        visited.add(key)
        subfolders.append(path)
        return None
    if not is_image_name(entry.name):
        return None
    try:
        info = entry.stat()
    except OSError as exc:
        return _error(path, _stat_reason(entry, exc))
    if not entry.is_file():
        return None
    if printable(path) != path:
        return _error(path, "file name is not valid UTF-8; rename the file to index it")
    return FileStat(path, info.st_size, info.st_mtime_ns)


def _stat_reason(entry: os.DirEntry[str], exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if entry.is_symlink() and exc.errno == errno.ENOENT:
        target = os.readlink(entry.path)
        return f"broken symbolic link (points to {printable(target)}, which does not exist)"
    return f"cannot stat file: {exc.strerror or exc}"


def _error(path: str, reason: str) -> WalkError:
    return WalkError(IndexErrorRecord(printable(path), reason))


@dataclass(frozen=True, slots=True)
class FileBytes:
    data: bytes
    size: int
    mtime_ns: int


def read_stable(path: str, attempts: int = 2) -> FileBytes:
    """Read a whole file, making sure it did not change while it was read.

    Raises OSError (with a one-line strerror) when the file cannot be read or keeps changing.
    """
    for _ in range(attempts):
        with open(path, "rb") as handle:
            before = os.fstat(handle.fileno())
            data = handle.read()
            after = os.fstat(handle.fileno())
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and len(
            data
        ) == after.st_size:
            return FileBytes(data, after.st_size, after.st_mtime_ns)
    raise OSError(errno.EAGAIN, "file kept changing while it was read")
