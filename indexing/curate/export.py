"""Export: an album or a selection copied out of the library, to a folder or a zip, as the
originals with what belongs to them: their XMP sidecars (photo.jpg.xmp, photo.xmp) and the
RAW file beside a JPEG of the same name (a RAW+JPEG pair, with its own sidecar).

All or nothing. Every check (the destination is writable, is not inside a library root,
every file can be read) runs first; the files are then copied into a hidden folder inside
the destination (or a `.part` file beside the zip) and only moved into place, each by a
rename on the same disk, once every copy has succeeded. A failure removes what was copied,
so the destination never holds half an export. Copies keep the files' times (shutil.copy2;
a zip entry carries its file's time). A name taken already (in the destination, or by
another exported image) becomes 'name (2).jpg', its sidecars and pair renamed with it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from indexing.errors import PictorError
from indexing.ingest.xmp_read import sidecar_candidates
from indexing.names.wording import plural
from indexing.store.catalog import Catalog
from indexing.store.files import present_paths_of

RAW_EXTENSIONS = (
    ".arw", ".cr2", ".cr3", ".dng", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw",
    ".rw2", ".srw", ".x3f",
)  # fmt: skip
STORED = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".heif", ".mp4", ".mov")
Progress = Callable[[int, int], None]  # (images done, images in all)


@dataclass(frozen=True, slots=True)
class Exported:
    destination: str  # the folder, or the zip file
    images: int
    files: int  # originals, sidecars and pairs
    bytes: int
    renamed: int  # images given a 'name (2)' because their name was taken

    def as_dict(self) -> dict[str, Any]:
        return {
            "destination": self.destination,
            "images": self.images,
            "files": self.files,
            "bytes": self.bytes,
            "renamed": self.renamed,
        }

    def line(self) -> str:
        renamed = f"; {plural(self.renamed, 'name')} taken, numbered" if self.renamed else ""
        return (
            f"Exported {plural(self.images, 'image')} ({plural(self.files, 'file')}) "
            f"to {self.destination}{renamed}."
        )


def companions(original: str) -> list[str]:
    """The files that belong with an original: its sidecars, a RAW of the same name beside
    it, and that RAW's sidecars; those that exist, each once."""
    folder, name = os.path.split(original)
    stem = os.path.splitext(name)[0]
    found = [path for path in sidecar_candidates(original) if os.path.isfile(path)]
    try:
        beside = os.listdir(folder or ".")
    except OSError:
        beside = []
    for other in sorted(beside):
        other_stem, ext = os.path.splitext(other)
        if other_stem == stem and ext.lower() in RAW_EXTENSIONS and other != name:
            raw = os.path.join(folder, other)
            found.append(raw)
            found += [path for path in sidecar_candidates(raw) if os.path.isfile(path)]
    return [path for path in dict.fromkeys(found) if path != original]


def _groups(catalog: Catalog, content_ids: Sequence[str]) -> list[list[str]]:
    """For each content, [its original (first present file), companions...]."""
    groups = []
    for cid in dict.fromkeys(content_ids):
        paths = present_paths_of(catalog, cid)
        if not paths:
            raise PictorError(f"image {cid} is in the trash or missing; nothing was exported")
        groups.append([paths[0], *companions(paths[0])])
    unreadable = next(
        (p for group in groups for p in group if not os.access(p, os.R_OK)), None
    )  # fmt: skip
    if unreadable:
        raise PictorError(f"cannot read {unreadable}; nothing was exported")
    return groups


def _inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_destination(catalog: Catalog, folder: str) -> None:
    """One sentence when the export cannot go to this folder."""
    for root in catalog.roots():
        if _inside(folder, root):
            raise PictorError(
                f"{folder} is inside the library folder {root}: export outside the library"
            )
    probe = folder
    while not os.path.exists(probe):
        probe = os.path.dirname(probe) or "."
    if not os.path.isdir(probe):
        raise PictorError(f"{probe} is not a folder; nothing was exported")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PictorError(f"{probe} is not writable; nothing was exported")


def _named(groups: list[list[str]], taken: set[str]) -> tuple[list[list[tuple[str, str]]], int]:
    """(source, name) for each file of each group; a taken stem becomes 'stem (2)'."""
    out, renamed = [], 0
    for group in groups:
        stem = os.path.splitext(os.path.basename(group[0]))[0]
        number = 1
        while True:
            new_stem = stem if number == 1 else f"{stem} ({number})"
            names = [new_stem + os.path.basename(p)[len(stem) :] for p in group]
            if not any(n.lower() in taken for n in names) and len(set(names)) == len(names):
                break
            number += 1
        renamed += number > 1
        taken.update(n.lower() for n in names)
        out.append(list(zip(group, names, strict=True)))
    return out, renamed


def export_images(
    catalog: Catalog,
    content_ids: Sequence[str],
    destination: str,
    *,
    as_zip: bool = False,
    zip_name: str = "Pictor export",
    progress: Progress | None = None,
) -> Exported:
    """Copy these images, with their sidecars and RAW pairs, to a folder or into a zip."""
    if not content_ids:
        raise PictorError("nothing to export: no images")
    target = os.path.abspath(os.path.expanduser(destination))
    zip_path = None
    if as_zip:
        named_zip = target.lower().endswith(".zip")
        zip_path = target if named_zip else os.path.join(target, f"{_safe(zip_name)}.zip")
        target = os.path.dirname(zip_path)
    check_destination(catalog, target)
    groups = _groups(catalog, content_ids)
    if zip_path is not None:
        zip_path = _free_zip_name(zip_path)
        return _to_zip(groups, zip_path, progress)
    return _to_folder(groups, target, progress)


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' else c for c in name).strip() or "Pictor export"


def _free_zip_name(path: str) -> str:
    base, ext = os.path.splitext(path)
    number = 1
    while os.path.exists(path):
        number += 1
        path = f"{base} ({number}){ext}"
    return path


def _to_folder(groups: list[list[str]], folder: str, progress: Progress | None) -> Exported:
    made = not os.path.exists(folder)
    os.makedirs(folder, exist_ok=True)
    taken = {name.lower() for name in os.listdir(folder)}
    named, renamed = _named(groups, taken)
    staging = tempfile.mkdtemp(prefix=".pictor-export-", dir=folder)
    moved: list[str] = []
    try:
        size = 0
        for done, group in enumerate(named, start=1):
            for source, name in group:
                shutil.copy2(source, os.path.join(staging, name))
                size += os.path.getsize(source)
            if progress:
                progress(done, len(named))
        for group in named:
            for _, name in group:
                final = os.path.join(folder, name)
                if os.path.lexists(final):  # appeared meanwhile: never overwrite
                    raise PictorError(f"{final} appeared during the export")
                os.rename(os.path.join(staging, name), final)
                moved.append(final)
    except (OSError, PictorError) as exc:
        for path in moved:
            with contextlib.suppress(OSError):
                os.unlink(path)
        shutil.rmtree(staging, ignore_errors=True)
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PictorError(f"the export failed ({reason}); nothing was exported") from None
    os.rmdir(staging)
    files = sum(len(group) for group in named)
    return Exported(folder, len(named), files, size, renamed)


def _to_zip(groups: list[list[str]], path: str, progress: Progress | None) -> Exported:
    named, renamed = _named(groups, set())
    folder = os.path.dirname(path)
    made = not os.path.exists(folder)
    part = f"{path}.part-{os.getpid()}"
    try:
        os.makedirs(folder, exist_ok=True)
        size = 0
        with zipfile.ZipFile(part, "x", allowZip64=True) as archive:
            for done, group in enumerate(named, start=1):
                for source, name in group:
                    info = zipfile.ZipInfo.from_file(source, arcname=name)
                    stored = os.path.splitext(name)[1].lower() in STORED
                    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                    with (
                        open(source, "rb") as src,
                        archive.open(info, "w", force_zip64=info.file_size >= 1 << 31) as out,
                    ):
                        shutil.copyfileobj(src, out, 1 << 20)
                    size += os.path.getsize(source)
                if progress:
                    progress(done, len(named))
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(part)
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        reason = exc.strerror or str(exc)
        raise PictorError(f"the export failed ({reason}); nothing was exported") from None
    files = sum(len(group) for group in named)
    return Exported(path, len(named), files, size, renamed)
