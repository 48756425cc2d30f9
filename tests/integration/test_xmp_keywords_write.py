"""Tags and captions written back to XMP sidecars (opt-in: PICTOR_WRITE_XMP_KEYWORDS), from
digiKam-style and Lightroom-style sidecars, in and out again: the sidecar gets dc:subject,
lr:hierarchicalSubject, digiKam:TagsList and dc:description, keeps everything else (other
namespaces, the rating, a caption in another language), and a fresh catalog indexed over
the folder reads back the same tags and caption. Off (the default), nothing is written."""

from __future__ import annotations

import json

import pytest

from indexing.curate.xmp_keywords import SidecarError, write_sidecar_keywords
from indexing.ingest.xmp_keywords import sidecar_keywords
from tests.integration.test_albums_cli import DIGIKAM_SIDECAR, LIGHTROOM_SIDECAR

ON = {"PICTOR_WRITE_XMP_KEYWORDS": "1"}


def test_tags_and_captions_go_out_to_sidecars_and_come_back(cli, run_cli, library, tmp_path):
    dk = library.noise("dk.jpg", seed=1)
    library.write("dk.jpg.xmp", DIGIKAM_SIDECAR.replace(
        '<digiKam:TagsList>', '<darktable:history xmlns:darktable="http://darktable.sf.net/">'
        'crop</darktable:history>\n  <digiKam:TagsList>'
    ).encode())  # fmt: skip
    lr = library.noise("lr.jpg", seed=2)
    library.write("lr.xmp", LIGHTROOM_SIDECAR.encode())
    bare = library.noise("bare.jpg", seed=3)
    cli("index", str(library.root), "--no-embed")
    before = library.path("dk.jpg.xmp").read_bytes()
    cli("tag", "add", "Trips/2023", str(dk))  # off: the sidecar is not touched
    assert library.path("dk.jpg.xmp").read_bytes() == before

    added = cli("tag", "add", "Events/Tram ride", str(dk), str(lr), str(bare), env=ON)
    assert added["sidecars"] == 3
    cli("tag", "remove", "People/Ana", str(dk), env=ON)
    cli("caption", str(dk), "Tram 28 & the castle <at dusk>", env=ON)
    cli("caption", str(lr), "Dom Luís bridge, later", env=ON)

    dk_xmp = library.path("dk.jpg.xmp").read_text()
    assert 'xmp:Rating="4"' in dk_xmp and "darktable:history" in dk_xmp  # kept
    assert "<rdf:li>Places|Portugal|Lisbon</rdf:li>" in dk_xmp  # lr: added to digiKam's
    assert "People/Ana" not in dk_xmp
    lr_xmp = library.path("lr.xmp").read_text()
    assert "<digiKam:TagsList>" in lr_xmp and 'xml:lang="de">Brücke<' in lr_xmp
    assert library.path("bare.jpg.xmp").exists()  # made for an image that had none

    wanted = {
        "dk.jpg": (["Events/Tram ride", "Places/Portugal/Lisbon", "Trips/2023", "tram"],
                   "Tram 28 & the castle <at dusk>"),
        "lr.jpg": (["Events/Tram ride", "Places/Portugal/Porto"], "Dom Luís bridge, later"),
        "bare.jpg": (["Events/Tram ride"], None),
    }  # fmt: skip
    fresh = ["--data-dir", str(tmp_path / "fresh")]
    code, _, err = run_cli([*fresh, "index", str(library.root), "--no-embed"])
    assert code == 0, err
    for name, (tags, caption) in wanted.items():
        path = str(library.path(name))
        code, out, err = run_cli([*fresh, "tag", "list", path, "--json"])
        assert code == 0, err
        assert sorted(json.loads(out)["tags"]) == tags, name
        assert sorted(cli("tag", "list", path)["tags"]) == tags, name  # as in the first
        code, out, err = run_cli([*fresh, "caption", path, "--json"])
        assert json.loads(out)["caption"] == caption, name


def test_a_sidecar_that_cannot_be_changed_safely_is_left_as_it_was(library):
    image = library.noise("a.jpg", seed=1)
    odd = DIGIKAM_SIDECAR.replace('xmp:Rating="4"', 'xmp:Rating="4" dc:description="flat"')
    library.write("a.jpg.xmp", odd.encode())
    with pytest.raises(SidecarError, match="not changed"):
        write_sidecar_keywords(str(image), ["X"], "new")
    assert library.path("a.jpg.xmp").read_text() == odd
    library.write("a.jpg.xmp", DIGIKAM_SIDECAR.encode())
    write_sidecar_keywords(str(image), [], None)  # all removed, the rating kept
    assert sidecar_keywords(str(image)) is None
    assert 'xmp:Rating="4"' in library.path("a.jpg.xmp").read_text()


def test_the_viewer_writes_the_sidecar_when_the_setting_is_on(cli, library, tmp_path):
    from app.context import AppContext
    from app.detail_organise import to_sidecars
    from indexing.curate.tags import Tags
    from indexing.settings import Settings
    from indexing.store.files import content_id_for_path

    image = library.noise("v.jpg", seed=9)
    cli("index", str(library.root), "--no-embed")
    for on, said in ((False, ""), (True, " Written to its XMP sidecar.")):
        ctx = AppContext.create(Settings(data_dir=tmp_path / "data", write_xmp_keywords=on))
        with ctx.catalog() as catalog:
            cid = content_id_for_path(catalog, str(image))
            Tags(catalog).set_tags(cid, ["Places/Porto"])
            assert to_sidecars(ctx, catalog, cid) == said
        assert library.path("v.jpg.xmp").exists() == on
    assert sidecar_keywords(str(image)).tags == ("Places/Porto",)
