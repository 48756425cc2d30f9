"""Export end to end: an album and a selection to a folder and to a zip, the originals with
their XMP sidecars and RAW+JPEG pairs, file times kept, taken names numbered, progress on
stderr; and a destination inside the library, a file, an unwritable folder or a copy that
fails halfway: one clear error, and nothing half done in the destination."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from indexing.curate import export as export_module
from indexing.curate.export import export_images
from indexing.errors import PictorError
from indexing.store.catalog import Catalog
from indexing.store.files import content_id_for_path
from tests.conftest import fails

SIDECAR = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
OLD = 1_500_000_000  # 2017: the originals' time, which a copy must keep


@pytest.fixture
def indexed(cli, library):
    a = library.noise("trip/a.jpg", seed=1)
    library.write("trip/a.jpg.xmp", SIDECAR)
    b = library.noise("trip/b.jpg", seed=2)
    library.write("trip/b.CR2", b"raw bytes")  # a RAW+JPEG pair
    library.write("trip/b.CR2.xmp", SIDECAR)
    c1 = library.noise("x/c.jpg", seed=3)
    c2 = library.noise("y/c.jpg", seed=4)
    for path in library.root.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    cli("index", str(library.root), "--no-embed")
    cli("album", "create", "Trip")
    cli("album", "add", "Trip", str(a), str(b), str(c1), str(c2))
    return a, b, c1, c2


def test_an_album_to_a_folder_and_a_zip(cli, run_cli, indexed, tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "a.jpg").write_bytes(b"someone else's")  # taken: ours becomes 'a (2).jpg'
    code, _, err = run_cli(
        ["--data-dir", str(tmp_path / "data"), "album", "export", "Trip", str(dest), "--json"]
    )
    assert code == 0, err
    assert "exporting" in err and "4/4" in err  # progress on stderr
    got = sorted(p.name for p in dest.iterdir())
    assert got == [
        "a (2).jpg", "a (2).jpg.xmp", "a.jpg", "b.CR2", "b.CR2.xmp", "b.jpg",
        "c (2).jpg", "c.jpg",
    ]  # fmt: skip
    assert (dest / "a.jpg").read_bytes() == b"someone else's"
    assert (dest / "a (2).jpg").read_bytes() == indexed[0].read_bytes()
    assert all(int(p.stat().st_mtime) == OLD for p in dest.iterdir() if p.name != "a.jpg")
    zipped = cli("album", "export", "Trip", str(tmp_path / "zips"), "--zip")
    assert Path(zipped["destination"]) == tmp_path / "zips" / "Trip.zip"
    with zipfile.ZipFile(zipped["destination"]) as archive:
        names = sorted(archive.namelist())
        assert names == [
            "a.jpg", "a.jpg.xmp", "b.CR2", "b.CR2.xmp", "b.jpg", "c (2).jpg", "c.jpg",
        ]  # fmt: skip
        taken = datetime(*archive.getinfo("b.jpg").date_time).timestamp()
        assert abs(taken - OLD) <= 2  # zip times have a 2-second grain
    again = cli("album", "export", "Trip", str(tmp_path / "zips"), "--zip")
    assert Path(again["destination"]).name == "Trip (2).zip"  # never overwritten


def test_a_selection_and_the_refusals(cli, run_cli, indexed, library, tmp_path):
    done = cli("export", str(tmp_path / "sel"), str(indexed[1]))
    assert (done["images"], done["files"]) == (1, 3)
    assert sorted(p.name for p in (tmp_path / "sel").iterdir()) == [
        "b.CR2", "b.CR2.xmp", "b.jpg",
    ]  # fmt: skip
    inside = fails(run_cli, tmp_path, "album", "export", "Trip", str(library.root / "out"))
    assert "inside the library" in inside
    assert not (library.root / "out").exists()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    refused = fails(run_cli, tmp_path, "export", str(a_file / "out"), str(indexed[0]))
    assert "not a folder" in refused
    assert "no album" in fails(run_cli, tmp_path, "album", "export", "Nope", str(tmp_path / "n"))


def test_nothing_half_done_when_a_copy_fails_or_the_folder_is_not_writable(
    indexed, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    catalog_path = next(data.rglob("*.sqlite3"))
    dest = tmp_path / "half"
    dest.mkdir()
    (dest / "mine.txt").write_text("kept")
    real_copy, copies = shutil.copy2, []

    def failing_copy(source, target):
        if len(copies) == 3:
            raise OSError(28, "No space left on device")
        copies.append(target)
        return real_copy(source, target)

    with Catalog(catalog_path) as catalog:
        ids = [content_id_for_path(catalog, str(p)) for p in indexed]
        monkeypatch.setattr(export_module.shutil, "copy2", failing_copy)
        with pytest.raises(PictorError, match=r"No space left.*nothing was exported"):
            export_images(catalog, ids, str(dest))
        assert sorted(p.name for p in dest.iterdir()) == ["mine.txt"]  # no staging left
        monkeypatch.setattr(export_module.shutil, "copy2", real_copy)
        monkeypatch.setattr(export_module.os, "access", lambda path, mode: False)
        with pytest.raises(PictorError, match="not writable"):
            export_images(catalog, ids, str(dest / "new"))
    assert not (dest / "new").exists()
