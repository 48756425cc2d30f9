"""Bad files are rows with a one-line reason, never a crash, and never stop the others."""

from __future__ import annotations

import builtins
import errno
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile, PngImagePlugin

import indexing.ingest.analyse
import indexing.ingest.scan
from tests.conftest import Pictor
from tests.library_builder import encode, noise_image


def png_header_only_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height, all black: tiny on disk, huge once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def spy_on_pixel_loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Sizes of every image whose pixels Pillow decodes from now on."""
    sizes: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        sizes.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return sizes


def corrupt_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(range(256)) * 2 + data[middle + 512 :]


def test_bad_files_are_reported_and_good_files_indexed(pictor, library, monkeypatch) -> None:
    good = [library.noise(f"good/{i}.jpg", seed=i) for i in range(3)]
    jpeg = encode(noise_image((200, 200), seed=10), "JPEG", quality=90)
    png = encode(noise_image((120, 120), seed=11), "PNG")
    bad = {
        library.write("empty.jpg", b""): "empty",
        library.write("truncated.jpg", jpeg[: len(jpeg) // 2]): "truncated",
        library.write("corrupt.png", corrupt_middle(png)): "corrupt",
        library.write("notes.jpg", b"shopping list: eggs, milk\n"): "not an image",
        library.write("bomb.png", png_header_only_bomb(20000, 10000)): "bomb",
    }
    assert (library.root / "bomb.png").stat().st_size < 100_000
    loads = spy_on_pixel_loads(monkeypatch)

    summary = pictor.index(library.root)

    assert summary.new == len(good)
    assert summary.files_seen == len(good) + len(bad)
    reported = {e.path: e.reason for e in summary.errors}
    assert set(reported) == {str(p) for p in bad}
    for path, word in bad.items():
        reason = reported[str(path)]
        assert word in reason.lower(), reason
        assert "\n" not in reason and len(reason) < 200
    assert pictor.errors() == reported  # the same rows are in the catalog
    assert loads and (20000, 10000) not in loads  # refused from the header, never decoded
    for path in good:
        assert pictor.file_row(path)["status"] == "present"


def test_pixel_limit_setting_refuses_from_the_header(
    pictor_env, tmp_path, library, monkeypatch
) -> None:
    monkeypatch.setenv("PICTOR_MAX_IMAGE_PIXELS", "50000")
    small = library.noise("small.png", (200, 200), seed=1)  # 40,000 pixels
    large = library.noise("large.png", (300, 200), seed=2)  # 60,000 pixels
    loads = spy_on_pixel_loads(monkeypatch)

    summary = Pictor(tmp_path / "data").index(library.root)

    assert summary.new == 1
    assert [e.path for e in summary.errors] == [str(large)]
    assert "50,000" in summary.errors[0].reason and "300x200" in summary.errors[0].reason
    assert (300, 200) not in loads and (200, 200) in loads
    assert small.exists()


def make_unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000; where that does not stop reads (root), make opening it fail the same way."""
    path.chmod(0)
    if not os.access(path, os.R_OK):
        return
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)


def test_unreadable_file_is_reported(pictor, library, monkeypatch) -> None:
    library.noise("fine.jpg", seed=1)
    locked = library.noise("locked.jpg", seed=2)
    make_unreadable(locked, monkeypatch)

    summary = pictor.index(library.root)

    assert summary.new == 1
    assert [(e.path, "permission denied" in e.reason.lower()) for e in summary.errors] == [
        (str(locked), True)
    ]


# Root reads any file whatever its mode. Dropping these two capabilities makes the kernel
# apply the file mode to root too, so chmod 000 really refuses the read.
WITHOUT_ROOT_READ_OVERRIDE = [
    "setpriv",
    "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search",
    "--",
]


def setpriv_stops_reading(path: Path) -> bool:
    if shutil.which("setpriv") is None:
        return False
    works = subprocess.run([*WITHOUT_ROOT_READ_OVERRIDE, "true"], capture_output=True)
    reads = subprocess.run([*WITHOUT_ROOT_READ_OVERRIDE, "cat", str(path)], capture_output=True)
    return works.returncode == 0 and reads.returncode != 0


def test_unreadable_file_refused_by_the_kernel(run_cli, library, tmp_path) -> None:
    library.noise("fine.jpg", seed=1)
    locked = library.noise("locked.jpg", seed=2)
    locked.chmod(0)
    prefix: list[str] = []
    if os.access(locked, os.R_OK):
        if not setpriv_stops_reading(locked):
            pytest.skip("root, and setpriv cannot drop its read override: see the test above")
        prefix = WITHOUT_ROOT_READ_OVERRIDE
    args = ["--data-dir", str(tmp_path / "data"), "index", str(library.root), "--json"]

    rc, out, err = run_cli(args, prefix=prefix)

    assert rc == 0, err
    summary = json.loads(out)
    assert summary["new"] == 1
    assert [e["path"] for e in summary["errors"]] == [str(locked)]
    assert "permission denied" in summary["errors"][0]["reason"].lower()


def test_symlinks_broken_and_looping(pictor, library) -> None:
    real = library.noise("real.jpg", seed=1)
    (library.root / "alias.jpg").symlink_to("real.jpg")
    (library.root / "broken.jpg").symlink_to("nowhere.jpg")
    (library.root / "self.jpg").symlink_to("self.jpg")
    library.noise("sub/inside.jpg", seed=2)
    (library.root / "sub" / "up").symlink_to("..")

    summary = pictor.index(library.root)

    reasons = {Path(e.path).name: e.reason for e in summary.errors}
    assert set(reasons) == {"broken.jpg", "self.jpg", "up"}
    assert "broken" in reasons["broken.jpg"] and "nowhere.jpg" in reasons["broken.jpg"]
    assert "loop" in reasons["self.jpg"]
    assert "loop" in reasons["up"]
    assert summary.new == 3  # real.jpg, its alias, and sub/inside.jpg: each once
    assert (
        pictor.file_row(library.root / "alias.jpg")["content_id"]
        == (pictor.file_row(real)["content_id"])
    )
    assert pictor.rows("SELECT path FROM files WHERE path LIKE '%/up/%'") == []


def test_odd_file_names_are_indexed(pictor, library) -> None:
    names = ["with space.jpg", "ünïcødé 写真.png", "new\nline.jpg", "emoji 📷.webp", "UPPER.JPG"]
    for seed, name in enumerate(names):
        fmt = {".png": "PNG", ".webp": "WEBP"}.get(Path(name).suffix, "JPEG")
        library.write(name, encode(noise_image((32, 32), seed=seed), fmt))
    os.close(os.open(os.fsencode(library.root) + b"/latin1-\xe9.jpg", os.O_CREAT | os.O_WRONLY))

    summary = pictor.index(library.root)

    assert summary.new == len(names)
    for name in names:
        assert pictor.file_row(library.root / name)["status"] == "present"
    assert len(summary.errors) == 1  # only the name that is not valid UTF-8
    assert "UTF-8" in summary.errors[0].reason


def test_file_deleted_while_indexing(pictor, library, monkeypatch) -> None:
    library.many(4)
    victim = library.noise("victim.jpg", seed=99)
    real_read = indexing.ingest.analyse.read_stable

    def delete_first(path: str, *args, **kwargs):
        if path == str(victim):
            victim.unlink()
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(indexing.ingest.analyse, "read_stable", delete_first)
    summary = pictor.index(library.root)

    assert summary.new == 4
    assert [e.path for e in summary.errors] == [str(victim)]
    assert "disappeared" in summary.errors[0].reason

    monkeypatch.undo()
    again = pictor.index(library.root)
    assert again.errors == [] and pictor.errors() == {}  # gone for good: nothing to report


def test_file_rewritten_before_it_is_read(pictor, library, monkeypatch) -> None:
    library.many(3)
    victim = library.noise("victim.jpg", (40, 40), seed=99)
    real_read = indexing.ingest.analyse.read_stable

    def rewrite_first(path: str, *args, **kwargs):
        if path == str(victim):
            victim.write_bytes(encode(noise_image((70, 20), seed=100), "JPEG"))
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(indexing.ingest.analyse, "read_stable", rewrite_first)
    summary = pictor.index(library.root)
    monkeypatch.undo()

    assert summary.new == 4 and summary.errors == []
    row = pictor.image_for(victim)
    assert (row["width"], row["height"]) == (70, 20)  # what is on disk now
    again = pictor.index(library.root)
    assert again.unchanged == again.files_seen == 4  # stored size and mtime match the disk


def test_file_that_keeps_changing_while_read(pictor, library, monkeypatch) -> None:
    library.many(3)
    victim = library.noise("growing.jpg", seed=99)
    real_open = builtins.open

    class GrowsWhileRead:
        """A handle on the victim; someone appends to the file during every read."""

        def __init__(self, handle):
            self.handle = handle

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, *args):
            data = self.handle.read(*args)
            with real_open(victim, "ab") as writer:
                writer.write(b"\0" * 16)
            return data

    def opening(file, *args, **kwargs):
        handle = real_open(file, *args, **kwargs)
        return GrowsWhileRead(handle) if os.fspath(file) == str(victim) else handle

    monkeypatch.setattr(indexing.ingest.scan, "open", opening, raising=False)
    summary = pictor.index(library.root)
    monkeypatch.undo()

    assert summary.new == 3
    assert [e.path for e in summary.errors] == [str(victim)]
    assert "changing" in summary.errors[0].reason

    settled = pictor.index(library.root)  # it has stopped growing: indexed now
    assert settled.new == 1 and settled.errors == [] and pictor.errors() == {}


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # as decode.py does
def test_pixel_limit_above_pillows_own_is_honoured(
    pictor_env, tmp_path, library, monkeypatch
) -> None:
    """Pillow refuses, at open, anything over twice its global MAX_IMAGE_PIXELS (179 MP by
    default). A user who raises PICTOR_MAX_IMAGE_PIXELS past that must get their images.
    Scaled down here: Pillow's global is made small instead of decoding 200 MP."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # Pillow refuses > 20,000 pixels
    monkeypatch.setenv("PICTOR_MAX_IMAGE_PIXELS", "100000")
    wide = library.noise("panorama.png", (300, 200), seed=1)  # 60,000 pixels
    library.noise("huge.png", (400, 300), seed=2)  # 120,000 pixels: over our limit

    pictor = Pictor(tmp_path / "data")
    summary = pictor.index(library.root)

    assert summary.new == 1
    assert [Path(e.path).name for e in summary.errors] == ["huge.png"]
    assert re.search(r"limit of 100,?000", summary.errors[0].reason)
    row = pictor.image_for(wide)
    assert (row["width"], row["height"]) == (300, 200)


def test_heic_claiming_an_absurd_size_is_an_error_not_a_crash(pictor, library) -> None:
    """libheif refuses it with a RuntimeError while decoding; that must not stop the run."""
    library.many(3)
    data = bytearray(encode(noise_image((64, 48), seed=7), "HEIF"))
    spatial_extents = data.find(b"ispe")  # box: type, version+flags, width, height
    assert spatial_extents > 0
    data[spatial_extents + 12 : spatial_extents + 16] = struct.pack(">I", 4_000_000_000)
    bad = library.write("absurd.heic", bytes(data))

    summary = pictor.index(library.root)

    assert summary.new == 3
    assert [e.path for e in summary.errors] == [str(bad)]
    assert "\n" not in summary.errors[0].reason


def test_png_with_an_8_mb_text_chunk_is_indexed_without_that_text(run_cli, library, tmp_path):
    """The image and its other text are kept; only the oversized chunk is dropped, and that
    is reported as a warning (in the summary, in `errors` and in the status), not an error."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a cyberpunk fox\nSteps: 20")
    info.add_text("notes", "x" * (8 << 20), zip=True)
    png = library.save("fox.png", noise_image((40, 30), seed=3), pnginfo=info)
    data = ["--data-dir", str(tmp_path / "data")]

    code, out, err = run_cli([*data, "index", str(library.root), "--no-embed", "--json"])
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["new"], summary["errors"]) == (1, [])
    [warning] = summary["warnings"]
    assert warning["path"] == str(png) and "'notes'" in warning["message"]
    code, out, _ = run_cli([*data, "errors", "--json"])
    assert json.loads(out) == {"errors": [], "warnings": [warning]}
    code, out, _ = run_cli([*data, "status", "--json"])
    assert (json.loads(out)["images"], json.loads(out)["warnings"]) == (1, 1)
    code, out, _ = run_cli([*data, "list", "--json"])
    assert [item["path"] for item in json.loads(out)["items"]] == [str(png)]
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    assert conn.execute("SELECT prompt FROM images").fetchone()[0] == "a cyberpunk fox"
    conn.close()
