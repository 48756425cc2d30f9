"""Probe the file and data edges: trash path escapes, crafted ratings files, odd PNG text.

    .venv/bin/python bench/probe_files.py [--keep]

Builds a small library in a temporary folder, indexes it (no CLIP), and makes each attempt
of issue 29's file-side findings through the code a user or a script reaches:

- trash: paths that name no image the library holds (a folder link to a place never
  indexed, a text file, a hidden file, `..`, a file link, the root itself, an indexed
  folder's text file), through the API's /trash (PictorApi) and through `launch.py trash`;
  a failure is a file moved or an error other than a refusal. Also a restore into a
  folder that became a file, which must leave the file in the trash and say `--to`.
- ratings: crafted `ratings import` files, run as `launch.py ratings import` in this
  process; a failure is an exit other than 2, or a message without the entry's position.
- png text: PNGs with text chunks of every kind past the limits; a failure is a stored
  row over the per-file text limit, an image not indexed, a drop without a warning, or a
  viewer prompt box longer than its excerpt.

Prints the attempts and failures per category, then each failure. Run it before and after
a fix (on the old commit's tree) to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PICTOR_CLIP_PRETRAINED", "random")


import launch
from indexing.errors import PictorError
from indexing.library import Library
from indexing.settings import Settings
from tests.library_builder import noise_image

MIB = 1 << 20
ROW_LIMIT = 2 * MIB + 64 * 1024  # the per-file text limit, plus JSON quoting and keys


@dataclass
class Category:
    name: str
    attempts: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, what: str, attempt: Callable[[], str | None]) -> None:
        """Run one attempt; it returns None when the edge held, or what went wrong."""
        self.attempts += 1
        try:
            wrong = attempt()
        except Exception as exc:  # an attempt that crashes the code under test is a failure
            wrong = f"unexpected {type(exc).__name__}: {str(exc)[:120]}"
        if wrong:
            self.failures.append(f"{what}: {wrong}")


def run_cli(*argv: str) -> tuple[int, str]:
    """(exit code, stderr) of `launch.py argv` in this process."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = launch.main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, err.getvalue()


# Trash


def probe_trash(base: Path, category: Category) -> None:
    from app.api import PictorApi
    from app.context import AppContext

    library = base / "library"
    outside = base / "elsewhere"
    for folder in (library / "sub", outside, base / "other"):
        folder.mkdir(parents=True)
    noise_image((48, 48), 1).save(library / "photo.jpg")
    noise_image((48, 48), 2).save(library / "sub" / "kept.jpg")
    noise_image((48, 48), 3).save(outside / "secret.jpg")
    noise_image((48, 48), 4).save(base / "other" / "indexed.jpg")
    (base / "other" / "notes.txt").write_text("notes in a folder indexed through the API")
    settings = Settings(data_dir=base / "data", embed=False, threads=2)
    api = PictorApi(AppContext.create(settings))
    api.ctx.library.index([str(library), str(base / "other")])
    # Planted after indexing: never catalogued.
    (library / "evil_link").symlink_to(outside)
    (library / "notes.txt").write_text("my notes")
    (library / ".hidden").mkdir()
    (library / ".hidden" / "private.txt").write_text("private")
    (library / "link.jpg").symlink_to(outside / "secret.jpg")
    escapes = {
        "folder link, never indexed": library / "evil_link" / "secret.jpg",
        "text file": library / "notes.txt",
        "hidden file": library / ".hidden" / "private.txt",
        "dot-dot through the link": Path(f"{library}/sub/../evil_link/secret.jpg"),
        "file link, never indexed": library / "link.jpg",
        "the root folder": library,
        "outside every root": outside / "secret.jpg",
        "text file of a folder indexed over the API": base / "other" / "notes.txt",
    }
    data = ["--data-dir", str(base / "data")]
    for what, path in escapes.items():
        real = Path(os.path.realpath(path))
        category.check(f"api /trash {what}", lambda p=path, r=real: _api_trash(api, p, r))
        category.check(f"cli trash {what}", lambda p=path, r=real: _cli_trash(data, p, r))
    category.check("restore into a folder that became a file", lambda: _restore(base, data))


def _api_trash(api, path: Path, real: Path) -> str | None:
    try:
        report = api.trash([str(path)])
    except PictorError:
        return None if real.exists() else "refused, but the file is gone"
    return f"moved {len(report['moved'])} file(s)" if report["moved"] else "not refused"


def _cli_trash(data: list[str], path: Path, real: Path) -> str | None:
    code, err = run_cli(*data, "trash", str(path))
    if code != 2:
        return f"exit {code}: {err.strip()[:120]}"
    return None if real.exists() else "refused, but the file is gone"


def _restore(base: Path, data: list[str]) -> str | None:
    photo = base / "library" / "sub" / "kept.jpg"
    code, err = run_cli(*data, "trash", str(photo))
    if code != 0:
        return f"could not trash the control image: {err.strip()[:120]}"
    shutil.rmtree(photo.parent)
    photo.parent.write_text("a file took the folder's name")
    code, err = run_cli(*data, "trash", "restore", str(photo))
    trashed = base / "library" / ".pictor-trash" / "sub" / "kept.jpg"
    if not trashed.exists():
        return "the file left the trash"
    if "--to" not in err or str(photo.parent) not in err:
        return f"exit {code}, no way out given: {err.strip()[:160]}"
    return None


# Ratings files

CID = "a" * 32
ENTRY = {"content_id": CID, "score": 5, "time": 1.0, "source": "user", "paths": []}
PREFERENCE = {"choice_id": "c", "winner": "b" * 32, "loser": CID, "time": 1.0,
              "outcome": "win", "source": "user"}  # fmt: skip


def crafted_files() -> dict[str, str]:
    """name -> file text; each has one bad entry at index 1 of its section."""

    def document(section: str, good: dict, bad: str) -> str:
        head = '{"format": "pictor-ratings", "version": 1,\n'
        return head + f'"{section}": [{json.dumps(good)},\n{bad}]}}'

    def rating(**change) -> str:
        return document("ratings", ENTRY, json.dumps({**ENTRY, **change}))

    def raw_rating(key: str, literal: str) -> str:
        entry = json.dumps({**ENTRY, key: 0}).replace(f'"{key}": 0', f'"{key}": {literal}')
        return document("ratings", ENTRY, entry)

    return {
        "time 2**63": raw_rating("time", str(2**63)),
        "time 10**400": raw_rating("time", "1" + "0" * 400),
        "score of 5,001 digits": raw_rating("score", "7" * 5001),
        "time 1e400 (infinity)": raw_rating("time", "1e400"),
        "score NaN": raw_rating("score", "NaN"),
        "nesting 100,000 deep": document(
            "ratings", ENTRY, '{"paths": ' + "[" * 100_000 + "]" * 100_000 + "}"
        ),
        "content id with a trailing newline": rating(content_id=CID + "\n"),
        "time before 1970": rating(time=-1.0),
        "time in 2100": rating(time=4_102_444_800.0),
        "winner is its loser": document(
            "preferences", PREFERENCE, json.dumps({**PREFERENCE, "winner": CID})
        ),
        "preference in 2100": document(
            "preferences", PREFERENCE, json.dumps({**PREFERENCE, "time": 4_102_444_800.0})
        ),
        "history before 1970": document(
            "history", {k: ENTRY[k] for k in ("content_id", "score", "time", "source")},
            json.dumps({"content_id": CID, "score": 5, "time": -86_400.0, "source": "user"}),
        ),
        "choice id of 1 MB": document(
            "preferences", PREFERENCE, json.dumps({**PREFERENCE, "choice_id": "x" * MIB})
        ),
    }  # fmt: skip


def probe_ratings(base: Path, category: Category) -> None:
    folder = base / "files"
    folder.mkdir(parents=True)
    data = ["--data-dir", str(base / "ratings-data")]
    for number, (what, text) in enumerate(crafted_files().items()):
        file = folder / f"crafted{number}.json"
        file.write_text(text)
        category.check(f"ratings import: {what}", lambda f=file: _import(data, f))


def _import(data: list[str], file: Path) -> str | None:
    code, err = run_cli(*data, "ratings", "import", str(file))
    said = err.strip()
    if code != 2:
        return f"exit {code}: {said[:160]}"
    if len(said.splitlines()) != 1 or len(said) > 400:
        return f"not one short line ({len(said):,} characters)"
    if "[1]" not in said and "line 3" not in said:
        return f"no position: {said[:160]}"
    return None


# PNG text


def _chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def png_with_chunks(path: Path, chunks: list[tuple[bytes, bytes]], seed: int) -> None:
    """A PNG with the given raw text chunks inserted before IEND (written by hand, as
    Pillow's writer would refuse nothing but takes its time)."""
    buffer = io.BytesIO()
    noise_image((48, 32), seed).save(buffer, format="PNG")
    data = buffer.getvalue()
    end = data.rindex(b"IEND") - 4
    path.write_bytes(data[:end] + b"".join(_chunk(k, b) for k, b in chunks) + data[end:])


def odd_pngs() -> dict[str, list[tuple[bytes, bytes]]]:
    words = b"a red fox in fresh snow, "
    big = (words * (8 * MIB // len(words)))[: 8 * MIB]
    near = words * (MIB * 9 // 10 // len(words))
    tail = b"\nSteps: 20, Seed: 7"
    return {
        "8 MB tEXt prompt": [(b"tEXt", b"parameters\0" + big + tail)],
        "8 MB plain iTXt prompt": [(b"iTXt", b"parameters\0\0\0\0\0" + big + tail)],
        "8 MB zTXt prompt": [(b"zTXt", b"parameters\0\0" + zlib.compress(big + tail))],
        "8 MB zipped iTXt prompt": [(b"iTXt", b"parameters\0\1\0\0\0" + zlib.compress(big + tail))],
        "100 tEXt chunks of 0.9 MB": [(b"tEXt", b"c%d\0" % n + near) for n in range(100)],
        "3 iTXt chunks of 0.9 MB": [(b"iTXt", b"i%d\0\0\0\0\0" % n + near) for n in range(3)],
        "3 MB XMP": [(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + b"<x>" + big[: 3 * MIB])],
        "prompt of 0.9 MB (kept)": [(b"tEXt", b"parameters\0" + near + tail)],
    }


def probe_png_text(base: Path, category: Category) -> None:
    folder = base / "pngs"
    folder.mkdir(parents=True)
    pngs = odd_pngs()
    paths = {}
    for seed, (what, chunks) in enumerate(pngs.items(), start=10):
        paths[what] = folder / f"odd{seed}.png"
        png_with_chunks(paths[what], chunks, seed)
    settings = Settings(data_dir=base / "png-data", embed=False, threads=2)
    summary = Library(settings).index([str(folder)])
    warned = {warning.path for warning in summary.warnings}
    for what, path in paths.items():
        category.check(f"png text: {what}", lambda p=path: _stored(settings, p, warned))


def _stored(settings: Settings, path: Path, warned: set[str]) -> str | None:
    from app import detail_generation
    from indexing.query import details
    from indexing.store.catalog import Catalog

    conn = sqlite3.connect(settings.catalog_path)
    try:
        row = conn.execute(
            "SELECT i.content_id, length(i.text_json), length(i.prompt) FROM images i "
            "JOIN files f USING (content_id) WHERE f.path = ?",
            (str(path),),
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        return "not indexed"
    content_id, stored, prompt = row
    if stored > ROW_LIMIT:
        return f"stored {stored / MIB:.1f} MiB of text in its row"
    if path.stat().st_size > 2 * MIB and str(path) not in warned:
        return "text dropped without a warning"
    with Catalog(settings.catalog_path) as catalog:
        generation = details.image_detail(catalog, content_id).get("generation")
    box = detail_generation.values(generation)[2]  # the prompt's box as the viewer gets it
    shown = len(box.value or "") if hasattr(box, "value") else 0
    if shown > 10_000:
        return f"the viewer's prompt box gets {shown:,} characters (prompt {prompt or 0:,})"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="pictor-probe-"))
    categories = [Category("trash path escapes"), Category("crafted ratings files"),
                  Category("odd PNG text")]  # fmt: skip
    try:
        probe_trash(base / "trash", categories[0])
        probe_ratings(base / "ratings", categories[1])
        probe_png_text(base / "png", categories[2])
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{'category':<24} {'attempts':>8} {'failures':>8}")
    for category in categories:
        print(f"{category.name:<24} {category.attempts:>8} {len(category.failures):>8}")
    for category in categories:
        for failure in category.failures:
            print(f"  FAIL {category.name}: {failure}")
    return 1 if any(category.failures for category in categories) else 0


if __name__ == "__main__":
    sys.exit(main())
