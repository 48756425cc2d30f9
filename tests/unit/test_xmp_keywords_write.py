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
