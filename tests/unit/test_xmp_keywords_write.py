"""Tags and captions into XMP sidecars, in the file: a sidecar Pictor made for a rating (a
self-closing description) gains them and keeps the rating, and a later rating keeps them;
a sidecar with a DTD is refused and left as it was; with nothing to write and no sidecar,
none is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexing.curate.xmp import write_sidecar_rating
from indexing.curate.xmp_keywords import SidecarError, write_sidecar_keywords
from indexing.ingest.xmp_keywords import sidecar_keywords
from indexing.ingest.xmp_read import read_sidecar_rating


def test_keywords_and_a_rating_share_one_sidecar(tmp_path: Path):
    image = tmp_path / "r.jpg"
    image.write_bytes(b"not read")
    write_sidecar_rating(str(image), 8)  # <rdf:Description … xmp:Rating="4"/>
    write_sidecar_keywords(str(image), ["Places/Porto", "tram"], "At the river")
    found = sidecar_keywords(str(image))
    assert found is not None
    assert (found.tags, found.caption) == (("Places/Porto", "tram"), "At the river")
    rating = read_sidecar_rating(str(image))
    assert rating is not None and rating.stars == 4
    write_sidecar_rating(str(image), 2)
    assert sidecar_keywords(str(image)) == found  # a new rating keeps the keywords
    rating = read_sidecar_rating(str(image))
    assert rating is not None and rating.stars == 1


def test_a_sidecar_with_a_dtd_is_refused_and_none_is_made_for_nothing(tmp_path: Path):
    image = tmp_path / "d.jpg"
    image.write_bytes(b"x")
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    )
    (tmp_path / "d.jpg.xmp").write_text(bomb)
    with pytest.raises(SidecarError):
        write_sidecar_keywords(str(image), ["X"], None)
    assert (tmp_path / "d.jpg.xmp").read_text() == bomb
    other = tmp_path / "n.jpg"
    other.write_bytes(b"x")
    assert write_sidecar_keywords(str(other), [], None) is None
    assert not (tmp_path / "n.jpg.xmp").exists()


def test_clearing_the_caption_keeps_the_other_languages_captions(tmp_path: Path):
    """The user clears the caption: its x-default goes, the German one another app wrote
    stays (and is what a reader then shows); the tags go as asked."""
    image = tmp_path / "c.jpg"
    image.write_bytes(b"x")
    (tmp_path / "c.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        ' <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        '  <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Sunset</rdf:li>'
        '<rdf:li xml:lang="de">Sonnenuntergang</rdf:li></rdf:Alt></dc:description>\n'
        "  <dc:subject><rdf:Bag><rdf:li>sea</rdf:li></rdf:Bag></dc:subject>\n"
        " </rdf:Description>\n</rdf:RDF></x:xmpmeta>\n"
    )
    write_sidecar_keywords(str(image), [], None)
    text = (tmp_path / "c.jpg.xmp").read_text()
    assert "Sonnenuntergang" in text and "Sunset" not in text and "sea" not in text
    found = sidecar_keywords(str(image))
    assert found is not None and (found.tags, found.caption) == ((), "Sonnenuntergang")
