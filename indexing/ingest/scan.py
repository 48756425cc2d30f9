"""Walking folders: one stat per file, symlinks followed with loop detection."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexing.errors import PictorError
from indexing.ingest.decode import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from indexing.records import FileStat, IndexErrorRecord

MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS


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


def outside_home_and_roots(folder: str, roots: list[str]) -> str | None:
    """folder's real path (links followed, so a link in the home that leads out counts as
    out) if it lies outside the user's home and outside every one of roots; None if it is
    inside one of them. Such a folder is added only by the CLI or after the Library tab's
    question, never by the API."""
    real = Path(os.path.realpath(folder))
    inside = [Path(os.path.realpath(Path.home())), *(Path(os.path.realpath(r)) for r in roots)]
    if any(real == base or base in real.parents for base in inside):
        return None
    return str(real)


def printable(path: str) -> str:
    """A path that can be stored and printed even if the file name is not valid UTF-8."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_image_name(name: str) -> bool:
    """An image or a video, by its extension: what the walk catalogues."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in MEDIA_EXTENSIONS


def is_video_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in VIDEO_EXTENSIONS


@dataclass(slots=True)
class Folder:
    """One folder's worth of a walk: its image files as FileStats, and its problems."""

    path: str
    files: list[FileStat]
    errors: list[IndexErrorRecord]
    unreadable: bool = False  # could not be listed: what it held is unknown, not gone
    sidecars: list[FileStat] = field(default_factory=list)  # photo.jpg.xmp, photo.xmp


def is_sidecar_name(name: str) -> bool:
    return len(name) > 4 and name[-4:].lower() == ".xmp"


def walk(
    root: str,
    *,
    skip: Callable[[str], bool] = lambda _: False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Folder]:
    """Yield each folder under root (root first) with its image files and problems.

    One stat per image file and nothing more: this loop is the whole cost of re-indexing an
    unchanged library. Hidden files and folders (names starting with '.') are skipped.
    Directory symlinks are followed once; a link back to a folder already walked is
    reported, not followed.
    """
    root_stat = os.stat(root)
    visited: set[tuple[int, int]] = {(root_stat.st_dev, root_stat.st_ino)}
    stack = [root]
    while stack:
        if should_stop():
            return
        folder = stack.pop()
        listing = Folder(folder, [], [])
        try:
            with os.scandir(folder) as entries:
                ordered = sorted(entries, key=_entry_name)
        except OSError as exc:
            listing.errors.append(_record(folder, f"cannot list folder: {exc.strerror or exc}"))
            listing.unreadable = True
            yield listing
            continue
        subfolders: list[str] = []
        for entry in ordered:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                _enter(entry, visited, skip, subfolders, listing.errors)
            elif is_image_name(name):
                _stat_file(entry, listing)
            elif is_sidecar_name(name):
                _stat_sidecar(entry, listing)
        stack.extend(reversed(subfolders))
        yield listing


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _enter(
    entry: os.DirEntry[str],
    visited: set[tuple[int, int]],
    skip: Callable[[str], bool],
    subfolders: list[str],
    errors: list[IndexErrorRecord],
) -> None:
    path = entry.path
    if skip(path):
        return
    try:
        info = entry.stat()
    except OSError as exc:
        errors.append(_record(path, f"cannot open folder: {exc.strerror or exc}"))
        return
    key = (info.st_dev, info.st_ino)
    if key in visited:
        errors.append(_record(path, "symbolic link loop: this folder is already being indexed"))
        return
    visited.add(key)
    subfolders.append(path)


def _stat_file(entry: os.DirEntry[str], listing: Folder) -> None:
    path = entry.path
    try:
        info = entry.stat()
    except OSError as exc:
        listing.errors.append(_record(path, _stat_reason(entry, exc)))
        return
    if not entry.is_file():
        return
    if not path.isascii() and printable(path) != path:
        listing.errors.append(
            _record(path, "file name is not valid UTF-8; rename the file to index it")
        )
        return
    listing.files.append(FileStat(path, info.st_size, info.st_mtime_ns))


def _stat_sidecar(entry: os.DirEntry[str], listing: Folder) -> None:
    """XMP sidecars carry star ratings from other apps; only their stat is taken here."""
    try:
        info = entry.stat()
    except OSError:
        return
    if entry.is_file() and (entry.path.isascii() or printable(entry.path) == entry.path):
        listing.sidecars.append(FileStat(entry.path, info.st_size, info.st_mtime_ns))


def _stat_reason(entry: os.DirEntry[str], exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if entry.is_symlink() and exc.errno == errno.ENOENT:
        target = os.readlink(entry.path)
        return f"broken symbolic link (points to {printable(target)}, which does not exist)"
    return f"cannot stat file: {exc.strerror or exc}"


def _record(path: str, reason: str) -> IndexErrorRecord:
    return IndexErrorRecord(printable(path), reason)


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


def hash_stable(path: str, attempts: int = 2) -> tuple[str, int, int]:
    """(content id, size, mtime_ns) of a file read in chunks, for files too large to hold
    in memory (videos): the same id read_stable's bytes would give. Raises OSError."""
    for _ in range(attempts):
        with open(path, "rb") as handle:
            before = os.fstat(handle.fileno())
            digest = hashlib.blake2b(digest_size=16)
            read = 0
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                read += len(chunk)
            after = os.fstat(handle.fileno())
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and (
            read == after.st_size
        ):
            return digest.hexdigest(), after.st_size, after.st_mtime_ns
    raise OSError(errno.EAGAIN, "file kept changing while it was read")
