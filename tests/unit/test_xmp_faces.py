"""People written back as XMP face regions (indexing.curate.xmp_faces): a new sidecar names
the faces; a digiKam sidecar keeps every other byte (its rating, keywords, a pet region and
a face Pictor does not know), its named face on a face Pictor knows is renamed or dropped;
what is written reads back (indexing.ingest.xmp_regions) with the same names and boxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexing.curate.xmp_faces import NamedFace, with_regions, write_sidecar_regions
from indexing.ingest.xmp_read import SidecarError
from indexing.ingest.xmp_regions import parse_regions
from tests.unit.test_xmp_regions import region

DIGIKAM = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about=""\n'
    '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
    '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
    '    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"\n'
    '    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"\n'
    '   xmp:Rating="4">\n'
    "   <dc:subject>\n    <rdf:Bag>\n     <rdf:li>Holidays</rdf:li>\n    </rdf:Bag>\n"
    "   </dc:subject>\n"
    '   <mwg-rs:Regions rdf:parseType="Resource">\n'
    '    <mwg-rs:AppliedToDimensions xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"'
    ' stDim:w="4000" stDim:h="3000" stDim:unit="pixel"/>\n'
    "    <mwg-rs:RegionList>\n     <rdf:Bag>\n"
    f"      {region('Ana', x=0.3, y=0.3, w=0.2, h=0.2)}\n"
    f"      {region('Rex', x=0.8, y=0.8, w=0.1, h=0.1, kind='Pet')}\n"
    f"      {region('Eva', x=0.7, y=0.2, w=0.1, h=0.1)}\n"
    "     </rdf:Bag>\n    </mwg-rs:RegionList>\n   </mwg-rs:Regions>\n"
    "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
)
ANA_FACE = (0.21, 0.2, 0.2, 0.2)  # where digiKam's Ana region is, as Pictor found it


def names(data: bytes | str) -> list[str]:
    return sorted(r.name for r in parse_regions(data))


def test_a_new_sidecar_names_the_faces_and_reads_back(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"jpeg")
    faces = [NamedFace("Ana Silva", (0.1, 0.2, 0.3, 0.4)), NamedFace(None, (0.6, 0.2, 0.2, 0.2))]
    path = write_sidecar_regions(str(photo), faces)
    assert path == f"{photo}.xmp"
    found = parse_regions(Path(path).read_bytes())
    assert [r.name for r in found] == ["Ana Silva"]  # the unnamed face is not written
    ana = found[0]
    assert (ana.left, ana.top, ana.width, ana.height) == pytest.approx((0.1, 0.2, 0.3, 0.4))
    other = tmp_path / "nobody.jpg"
    assert write_sidecar_regions(str(other), [NamedFace(None, (0.1, 0.1, 0.2, 0.2))]) is None
    assert not Path(f"{other}.xmp").exists()  # no file made to say nothing


def test_a_digikam_sidecar_keeps_everything_else() -> None:
    data = DIGIKAM.encode()
    new = with_regions(data, [NamedFace("Ana Silva", ANA_FACE)], "photo.jpg.xmp")
    assert names(new) == ["Ana Silva", "Eva"]  # renamed; Eva lies on no face Pictor knows
    text = new.decode()
    assert 'xmp:Rating="4"' in text and "<rdf:li>Holidays</rdf:li>" in text
    assert 'mwg-rs:Name="Rex" mwg-rs:Type="Pet"' in text  # the pet, as digiKam wrote it
    assert 'stDim:w="4000" stDim:h="3000"' in text  # the dimensions the regions apply to
    before_regions = DIGIKAM.index("   <mwg-rs:Regions")
    assert text[:before_regions] == DIGIKAM[:before_regions]  # every byte before, unchanged
    assert text.endswith("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n")
    again = with_regions(new, [NamedFace("Ana Silva", ANA_FACE)], "photo.jpg.xmp")
    assert again == new  # the same names: the same bytes


def test_a_face_with_no_name_now_leaves_the_sidecar() -> None:
    new = with_regions(DIGIKAM.encode(), [NamedFace(None, ANA_FACE)], "photo.jpg.xmp")
    assert names(new) == ["Eva"]  # "not this person" on Ana: the region no longer names her
    assert "Rex" in new.decode()


def test_a_sidecar_without_regions_gains_them_and_a_broken_one_is_left_alone(tmp_path) -> None:
    plain = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmp:Rating="2"/>\n</rdf:RDF></x:xmpmeta>'
    )
    new = with_regions(plain.encode(), [NamedFace("Rui", (0.4, 0.4, 0.2, 0.2))], "a.xmp")
    assert names(new) == ["Rui"] and 'xmp:Rating="2"' in new.decode()
    photo = tmp_path / "b.jpg"
    broken = b"<x:xmpmeta><unclosed>"
    Path(f"{photo}.xmp").write_bytes(broken)
    with pytest.raises(SidecarError):
        write_sidecar_regions(str(photo), [NamedFace("Rui", (0.4, 0.4, 0.2, 0.2))])
    assert Path(f"{photo}.xmp").read_bytes() == broken
