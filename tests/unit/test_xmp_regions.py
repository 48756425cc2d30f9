"""Named face regions from XMP (mwg-rs:Regions), as digiKam, Lightroom and Picasa write
them: names arrive with their boxes, in attribute or element form; anything else is
ignored, and a hostile packet yields nothing rather than an error."""

from __future__ import annotations

import pytest

from indexing.ingest.xmp_regions import parse_regions, regions_for

HEAD = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
    'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" '
    'xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#">'
    '<mwg-rs:Regions rdf:parseType="Resource">'
    '<mwg-rs:AppliedToDimensions stDim:w="4000" stDim:h="3000" stDim:unit="pixel"/>'
    "<mwg-rs:RegionList><rdf:Bag>"
)
TAIL = "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"


def region(name: str, x=0.5, y=0.4, w=0.2, h=0.3, kind="Face") -> str:
    return (
        f'<rdf:li><rdf:Description mwg-rs:Name="{name}" mwg-rs:Type="{kind}">'
        f'<mwg-rs:Area stArea:x="{x}" stArea:y="{y}" stArea:w="{w}" stArea:h="{h}" '
        'stArea:unit="normalized"/></rdf:Description></rdf:li>'
    )


def test_digikam_regions_give_names_and_boxes():
    found = parse_regions(HEAD + region("Ana Silva") + region("Rui", x=0.1, y=0.1) + TAIL)
    assert [r.name for r in found] == ["Ana Silva", "Rui"]
    ana = found[0]
    assert (ana.left, ana.top, ana.width, ana.height) == pytest.approx((0.4, 0.25, 0.2, 0.3))
    assert found[1].left == 0.0  # a box past the edge is kept inside the image


def test_element_form_is_read_too():
    element = (
        "<rdf:li><rdf:Description><mwg-rs:Name>Ana Silva</mwg-rs:Name>"
        "<mwg-rs:Type>Face</mwg-rs:Type><mwg-rs:Area><rdf:Description>"
        "<stArea:x>0.5</stArea:x><stArea:y>0.5</stArea:y><stArea:w>0.1</stArea:w>"
        "<stArea:h>0.1</stArea:h></rdf:Description></mwg-rs:Area></rdf:Description></rdf:li>"
    )
    assert [r.name for r in parse_regions(HEAD + element + TAIL)] == ["Ana Silva"]


def test_unnamed_pet_and_pixel_regions_are_not_people():
    packet = HEAD + region("") + region("Rex", kind="Pet") + region("Ana", w=0) + TAIL
    assert parse_regions(packet) == []


@pytest.mark.parametrize(
    "packet",
    [
        "",
        "<not xml",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        HEAD + region("Ana"),  # cut short
    ],
)
def test_a_bad_packet_yields_no_region(packet):
    assert parse_regions(packet) == []


def test_a_sidecar_wins_over_the_embedded_packet(tmp_path):
    image = tmp_path / "photo.jpg"
    image.write_bytes(b"")
    (tmp_path / "photo.jpg.xmp").write_text(HEAD + region("From Sidecar") + TAIL)
    found, warning = regions_for(str(image), HEAD + region("Embedded") + TAIL)
    assert [r.name for r in found] == ["From Sidecar"] and warning is None
    (tmp_path / "photo.jpg.xmp").unlink()
    assert [r.name for r in regions_for(str(image), HEAD + region("Embedded") + TAIL)[0]] == [
        "Embedded"
    ]
