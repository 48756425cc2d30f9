"""Moving a file without ever replacing one: a free name (" (2)" before the extension), a
hard link plus unlink within a filesystem, a synced and compared copy across filesystems,
a symlink moved as itself, and the one-line reason an OSError gives the user.

Split from trash.py, which decides what moves where and logs each move for crash recovery;
these are the filesystem steps, shared by trashing and restoring, and know nothing of the
trash or the catalog.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil


def not_a_folder(folder: str) -> str | None:
    """The part of folder's path that exists and is not a folder (a file took a folder's
    name), or None where the path is, or can be made, a folder."""
    existing = folder
    while not os.path.lexists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            return None
        existing = parent
    return None if os.path.isdir(existing) else existing


def free_name(path: str) -> str:
    """path, or 'name (2).ext', 'name (3).ext', ... whichever does not exist yet."""
    if not os.path.lexists(path) and not os.path.lexists(path + ".part"):
        return path
    stem, extension = os.path.splitext(path)
    number = 2
    while os.path.lexists(f"{stem} ({number}){extension}"):
        number += 1
    return f"{stem} ({number}){extension}"


def move_no_overwrite(source: str, target: str) -> None:
    """Move a file without ever replacing one, within or across filesystems. A symlink
    moves as itself (the library's entry), never as the file it points to: no hard link to
    a file outside the library is made, and a restore puts the link back."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)  # fails with EEXIST, never overwrites
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)  # the same link; EEXIST if taken
        else:
            _copy_verify(source, target)
    try:
        os.unlink(source)
    except FileNotFoundError:
        return  # the original went meanwhile: the copy in its new place is the file now
    except OSError:
        os.unlink(target)  # the original stays where it was (e.g. a read-only folder)
        raise


def stat_as_indexed(path: str) -> os.stat_result:
    """The file's stat, as the index reads it (through a link), or the link's own where
    it points nowhere now."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return os.lstat(path)


def _copy_verify(source: str, target: str) -> None:
    """Across filesystems: copy beside, sync, compare the bytes, then take the name."""
    partial = target + ".part"
    with open(source, "rb") as src, open(partial, "xb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    shutil.copystat(source, partial)
    if _digest(source) != _digest(partial):
        os.unlink(partial)
        raise OSError(errno.EIO, "the copy in the trash did not match the original")
    if os.path.lexists(target):
        os.unlink(partial)
        raise FileExistsError(errno.EEXIST, "a file took that name in the trash meanwhile")
    os.rename(partial, target)


def _digest(path: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def remove_if_same(original: str, target: str) -> None:
    """Both copies exist (a crash after the copy): drop the original only if identical."""
    try:
        same = os.path.samefile(original, target) or _digest(original) == _digest(target)
    except OSError:
        return
    if same:
        os.unlink(original)


def reason_of(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the file is no longer there"
    if isinstance(exc, PermissionError):
        return "permission denied (is its folder read-only?)"
    return exc.strerror or str(exc)
