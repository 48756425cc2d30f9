"""Star ratings from other apps arrive on index; Pictor's own ratings can go out to sidecars."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from tests.library_builder import noise_image

SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="{stars}">
   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def ratings_of(data: Path) -> dict[str, tuple[float, str]]:
    """path -> (rating, source), read straight from the catalog file."""
    conn = sqlite3.connect(data / "catalog.sqlite3")
    try:
        rows = conn.execute(
            "SELECT f.path, r.rating, r.source FROM ratings r JOIN files f USING (content_id)"
        ).fetchall()
    finally:
        conn.close()
    return {Path(path).name: (rating, source) for path, rating, source in rows}


@pytest.fixture
def index(run_cli, tmp_path: Path):
    def run(folder: Path, env: dict[str, str] | None = None) -> dict:
        code, out, err = run_cli(
            ["--data-dir", str(tmp_path / "data"), "index", str(folder), "--no-embed", "--json"],
            env=env,
        )
        assert code == 0, err
        return json.loads(out)

    return run


def test_stars_from_sidecars_embedded_xmp_and_exif_become_ratings(library, index, tmp_path):
    expected = {}
    for stars, score in ((1, 2.0), (2, 4.0), (3, 6.0), (4, 8.0), (5, 10.0), (-1, 0.0)):
        name = f"side{stars}.jpg"
        library.noise(name, seed=stars + 10)
        library.write(f"{name}.xmp", SIDECAR.format(stars=stars).encode())  # digiKam naming
        expected[name] = (score, "xmp")
    library.noise("lightroom.jpg", seed=30)
    library.write("lightroom.xmp", SIDECAR.format(stars=4).encode())  # Lightroom naming
    expected["lightroom.jpg"] = (8.0, "xmp")
    packet = SIDECAR.format(stars=3).encode()
    library.save("embedded.jpg", noise_image(seed=31), xmp=packet)
    expected["embedded.jpg"] = (6.0, "xmp")
    exif = Image.Exif()
    exif[0x4746] = 2
    library.save("exif.jpg", noise_image(seed=32), exif=exif)
    expected["exif.jpg"] = (4.0, "xmp")
    library.noise("none.jpg", seed=33)
    library.write("none.jpg.xmp", SIDECAR.format(stars=0).encode())  # 0 stars: no rating

    summary = index(library.root)
    assert summary["errors"] == []
    assert ratings_of(tmp_path / "data") == expected


def test_a_sidecar_changed_later_is_read_again_but_never_beats_pictor(
    run_cli, library, index, tmp_path
):
    library.noise("a.jpg", seed=1)
    library.noise("b.jpg", seed=2)
    index(library.root)
    assert ratings_of(tmp_path / "data") == {}
    library.write("a.jpg.xmp", SIDECAR.format(stars=5).encode())
    library.write("b.jpg.xmp", SIDECAR.format(stars=5).encode())
    data = ["--data-dir", str(tmp_path / "data")]
    assert run_cli([*data, "rate", str(library.root / "b.jpg"), "3"])[0] == 0
    summary = index(library.root)
    assert summary["unchanged"] == 2  # the images were not re-read, only their sidecars
    assert ratings_of(tmp_path / "data") == {"a.jpg": (10.0, "xmp"), "b.jpg": (3.0, "user")}
    library.write("a.jpg.xmp", SIDECAR.format(stars=2).encode())  # changed in digiKam
    index(library.root)
    assert ratings_of(tmp_path / "data")["a.jpg"] == (4.0, "xmp")


def test_a_corrupt_sidecar_is_an_index_error_and_the_rest_is_indexed(library, index, tmp_path):
    library.noise("good.jpg", seed=1)
    library.noise("bad.jpg", seed=2)
    broken = library.write("bad.jpg.xmp", b"<x:xmpmeta><rdf:RDF></x:xmpmeta>")
    summary = index(library.root)
    assert summary["new"] == 2
    [error] = summary["errors"]
    assert error["path"] == str(broken) and "corrupt XMP sidecar bad.jpg.xmp" in error["reason"]
    again = index(library.root)  # unchanged: not read again, still reported as known
    assert again["errors"] == []
    conn = sqlite3.connect(tmp_path / "data" / "catalog.sqlite3")
    assert conn.execute("SELECT path FROM index_errors").fetchall() == [(str(broken),)]
    conn.close()
    broken.write_bytes(SIDECAR.format(stars=4).encode())  # fixed
    index(library.root)
    assert ratings_of(tmp_path / "data") == {"bad.jpg": (8.0, "xmp")}


def test_ratings_go_out_to_sidecars_when_asked(run_cli, library, index, tmp_path):
    photo = library.noise("photo.jpg", seed=1)
    before = photo.read_bytes(), photo.stat().st_mtime_ns
    existing = library.write("photo.jpg.xmp", SIDECAR.format(stars=1).encode())
    other = library.noise("other.jpg", seed=2)
    index(library.root)
    data = ["--data-dir", str(tmp_path / "data")]
    env = {"PICTOR_WRITE_XMP": "1"}
    assert run_cli([*data, "rate", str(photo), "7"], env=env)[0] == 0
    assert run_cli([*data, "rate", str(other), "10"], env=env)[0] == 0
    assert 'xmp:Rating="4"' in existing.read_text()  # 7 -> 4 stars, merged in place
    assert "<rdf:li>holiday</rdf:li>" in existing.read_text()  # other apps' fields kept
    assert 'xmp:Rating="5"' in (library.root / "other.jpg.xmp").read_text()  # created
    assert (photo.read_bytes(), photo.stat().st_mtime_ns) == before  # the image untouched
    index(library.root)  # reading its own sidecars back changes nothing
    assert ratings_of(tmp_path / "data") == {
        "photo.jpg": (7.0, "user"),
        "other.jpg": (10.0, "user"),
    }
    assert run_cli([*data, "rate", str(photo), "8"])[0] == 0  # off by default
    assert 'xmp:Rating="4"' in existing.read_text()
