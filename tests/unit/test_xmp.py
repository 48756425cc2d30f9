"""Star ratings from and to XMP sidecars, embedded XMP packets and EXIF (read by
indexing.ingest.xmp_read, written by indexing.curate.xmp).

Every file is made in tmp_path; the sidecars imitate what digiKam, darktable and Lightroom
write, so merging is checked byte for byte against other apps' data.
"""

from __future__ import annotations

import io
import math
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from indexing.curate import xmp
from indexing.curate.xmp import stars_from_score, write_sidecar_rating
from indexing.ingest import xmp_read
from indexing.ingest.decode import decode
from indexing.ingest.xmp_read import (
    STARS_TO_SCORE,
    FoundRating,
    SidecarError,
    find_rating,
    rating_from_exif,
    rating_from_packet,
    read_sidecar_rating,
    score_from_stars,
    sidecar_candidates,
)

XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ALL_STARS = [1, 2, 3, 4, 5, -1, 0]
EXPECTED_SCORE = {1: 2.0, 2: 4.0, 3: 6.0, 4: 8.0, 5: 10.0, -1: 0.0, 0: None}
NAMINGS = [".jpg.xmp", ".xmp"]  # photo.jpg.xmp (digiKam, darktable), photo.xmp (Lightroom)
OLD_MTIME_NS = 1_500_000_000 * 10**9


def packet(stars: int | str | None, form: str = "attribute", *, xpacket: bool = True) -> str:
    """An XMP packet as the apps write them, with the rating in the given form."""
    rating = {
        "attribute": f'\n    xmp:Rating="{stars}"',
        "element": "",
        "other-prefix": f'\n    xap:Rating="{stars}"',
        "element-other-prefix": "",
    }[form]
    child = {
        "element": f"\n   <xmp:Rating>{stars}</xmp:Rating>",
        "element-other-prefix": f"\n   <xap:Rating>{stars}</xap:Rating>",
    }.get(form, "")
    if stars is None:
        rating = child = ""
    prefix = "xap" if "other-prefix" in form else "xmp"
    body = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 5.6.0">
 <rdf:RDF xmlns:rdf="{RDF}">
  <rdf:Description rdf:about=""
    xmlns:{prefix}="{XMP_NS}"
    xmlns:dc="http://purl.org/dc/elements/1.1/"{rating}
    {prefix}:CreatorTool="Test">{child}
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday</rdf:li>
    </rdf:Bag>
   </dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""
    if not xpacket:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{body}<?xpacket end="w"?>'


# What digiKam (tags), Lightroom (hierarchical keywords) and darktable (history) leave in one
# sidecar: an xpacket wrapper, a comment, entities, a struct with its own nested rating, and
# namespaces declared at several levels.
DIGIKAM_SIDECAR = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <!-- written by digiKam 8.2, then darktable 4.6 -->
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stRef="http://ns.adobe.com/xap/1.0/sType/ResourceRef#"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
   xmp:Rating='2'
   xmp:Label="Red"
   darktable:xmp_version="5"
   darktable:history_end="2"
   digiKam:ColorLabel="1">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday</rdf:li>
     <rdf:li>beach &amp; sea</rdf:li>
     <rdf:li>café</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>Places/Brittany</rdf:li>
     <rdf:li>People/Ana</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>Places|Brittany</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
   <xmpMM:DerivedFrom rdf:parseType="Resource">
    <stRef:filePath>IMG_0042.CR2</stRef:filePath>
    <xmp:Rating>5</xmp:Rating>
   </xmpMM:DerivedFrom>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:params="0000000000000000cdcc4c3e0000803f"
      darktable:multi_name=""/>
     <rdf:li
      darktable:num="1"
      darktable:operation="colorin"
      darktable:enabled="1"
      darktable:params="gz48eJxjZBgFo2AUDCQAAAWcAAk="
      darktable:multi_name="a &gt; b"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}"><rdf:Description
 xmlns:xmp="{XMP_NS}" xmp:Rating="3" xmp:Label="&lol4;"/></rdf:RDF></x:xmpmeta>
""".replace("{RDF}", RDF).replace("{XMP_NS}", XMP_NS)

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}"><rdf:Description
 xmlns:xmp="{XMP_NS}" xmp:Rating="3" xmp:Label="&secret;"/></rdf:RDF></x:xmpmeta>
""".replace("{RDF}", RDF).replace("{XMP_NS}", XMP_NS)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A real JPEG with no rating anywhere, its mtime set in the past."""
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (16, 12), (200, 80, 40)).save(path, "JPEG")
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return path


def sidecar_for(photo: Path, naming: str = ".jpg.xmp") -> Path:
    return photo.with_name(photo.stem + naming)


def ratings_in(path: Path) -> list[str]:
    """xmp:Rating values of the top-level descriptions, by a plain ElementTree parse."""
    root = ET.fromstring(path.read_bytes())
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f"{{{RDF}}}RDF")
    assert rdf is not None
    found = []
    for description in rdf.findall(f"{{{RDF}}}Description"):
        if f"{{{XMP_NS}}}Rating" in description.attrib:
            found.append(description.attrib[f"{{{XMP_NS}}}Rating"])
        found += [e.text or "" for e in description.findall(f"{{{XMP_NS}}}Rating")]
    return found


def files_in(folder: Path) -> set[str]:
    return {entry.name for entry in folder.iterdir()}


# --- conversions ---------------------------------------------------------------------------


@pytest.mark.parametrize("stars", ALL_STARS)
def test_score_from_stars_for_every_star_value(stars: int) -> None:
    assert score_from_stars(stars) == EXPECTED_SCORE[stars]
    assert score_from_stars(str(stars)) == EXPECTED_SCORE[stars]
    assert score_from_stars(float(stars)) == EXPECTED_SCORE[stars]


@pytest.mark.parametrize(
    ("stars", "score"),
    [(" 4 ", 8.0), ("3.5", 7.0), (0.5, 1.0), ("6", None), (-2, None), ("banana", None),
     ("", None), (math.nan, None), (math.inf, None), (True, None), ((3,), 6.0)],
)  # fmt: skip
def test_score_from_stars_is_robust(stars: object, score: float | None) -> None:
    assert score_from_stars(stars) == score  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "stars"),
    [(0, 0), (0.5, 0), (0.99, 0), (1, 1), (2, 1), (2.9, 1), (3, 2), (4, 2), (5, 3), (6, 3),
     (7, 4), (8, 4), (9, 5), (10, 5), (-3, 0), (12, 5)],
)  # fmt: skip
def test_stars_from_score_rounds_half_up_and_never_rejects(score: float, stars: int) -> None:
    assert stars_from_score(score) == stars


def test_stars_and_scores_round_trip() -> None:
    for stars, score in STARS_TO_SCORE.items():
        assert stars_from_score(score) == stars
        assert score_from_stars(stars_from_score(score)) == score


def test_stars_from_score_refuses_nan() -> None:
    with pytest.raises(ValueError, match="finite"):
        stars_from_score(math.nan)


# --- sidecar naming ------------------------------------------------------------------------


def test_sidecar_candidates_put_the_exact_name_first(tmp_path: Path) -> None:
    image = str(tmp_path / "IMG_0042.JPG")
    assert sidecar_candidates(image) == [image + ".xmp", str(tmp_path / "IMG_0042.xmp")]


def test_sidecar_candidates_add_upper_case_variants_only_when_on_disk(tmp_path: Path) -> None:
    image = tmp_path / "photo.jpg"
    (tmp_path / "photo.XMP").write_text(packet(3))
    assert sidecar_candidates(str(image)) == [
        str(tmp_path / "photo.jpg.xmp"),
        str(tmp_path / "photo.xmp"),
        str(tmp_path / "photo.XMP"),
    ]
    assert read_sidecar_rating(str(image)) == FoundRating(6.0, 3.0, f"sidecar:{tmp_path}/photo.XMP")


def test_sidecar_candidates_of_a_name_without_extension(tmp_path: Path) -> None:
    image = str(tmp_path / "scan")
    assert sidecar_candidates(image) == [image + ".xmp"]


# --- reading sidecars ----------------------------------------------------------------------


@pytest.mark.parametrize("form", ["attribute", "element", "other-prefix", "element-other-prefix"])
@pytest.mark.parametrize("naming", NAMINGS)
@pytest.mark.parametrize("stars", ALL_STARS)
def test_sidecar_rating_for_every_star_value(
    photo: Path, stars: int, naming: str, form: str
) -> None:
    sidecar = sidecar_for(photo, naming)
    sidecar.write_text(packet(stars, form, xpacket=naming == ".xmp"), encoding="utf-8")
    found = read_sidecar_rating(str(photo))
    if stars == 0:
        assert found is None
    else:
        assert found == FoundRating(EXPECTED_SCORE[stars], float(stars), f"sidecar:{sidecar}")
    assert rating_from_packet(sidecar.read_text(encoding="utf-8")) == stars


def test_no_sidecar_is_no_rating(photo: Path) -> None:
    assert read_sidecar_rating(str(photo)) is None


def test_photo_jpg_xmp_wins_over_photo_xmp(photo: Path) -> None:
    sidecar_for(photo, ".xmp").write_text(packet(1))
    sidecar_for(photo, ".jpg.xmp").write_text(packet(5))
    found = read_sidecar_rating(str(photo))
    assert found is not None and found.stars == 5 and found.origin.endswith("photo.jpg.xmp")


def test_default_namespace_and_rdf_without_xmpmeta(photo: Path) -> None:
    sidecar_for(photo).write_text(
        f'<rdf:RDF xmlns:rdf="{RDF}"><rdf:Description rdf:about="">'
        f'<Rating xmlns="{XMP_NS}">4</Rating></rdf:Description></rdf:RDF>'
    )
    assert read_sidecar_rating(str(photo)) == FoundRating(8.0, 4.0, f"sidecar:{sidecar_for(photo)}")


def test_only_top_level_ratings_count(photo: Path) -> None:
    """The rating inside xmpMM:DerivedFrom is the raw file's, not this image's."""
    sidecar_for(photo).write_text(DIGIKAM_SIDECAR.replace("   xmp:Rating='2'\n", ""))
    assert read_sidecar_rating(str(photo)) is None
    assert rating_from_packet(DIGIKAM_SIDECAR) == 2


def test_packet_oddities() -> None:
    assert rating_from_packet(packet(3).encode() + b"\x00" * 10 + b" " * 2000) == 3
    assert rating_from_packet("  \n" + packet(3, xpacket=False)) == 3
    assert rating_from_packet(packet("&#52;", "element")) == 4  # a character reference
    assert rating_from_packet(packet("4.0")) == 4
    assert rating_from_packet(packet("banana")) is None
    assert rating_from_packet(packet(9)) is None
    assert rating_from_packet(packet(None)) is None
    assert rating_from_packet("") is None
    assert rating_from_packet("<x:xmpmeta xmlns:x='adobe:ns:meta/'>") is None  # truncated
    assert rating_from_packet(BILLION_LAUGHS) is None


# --- corrupt sidecars ----------------------------------------------------------------------

CORRUPT = {
    "not xml": (b"this is not XML at all\n", "not well-formed XML"),
    "binary garbage": (bytes(range(256)) * 8, "not well-formed XML"),
    "truncated": (packet(3).encode()[:200], "not well-formed XML"),
    "billion laughs": (BILLION_LAUGHS.encode(), "DTD"),
    "external entity": (EXTERNAL_ENTITY.encode(), "DTD"),
    "empty": (b"", "empty file"),
    "blank": (b"  \n\n", "empty file"),
    "unknown encoding": (b'<?xml version="1.0" encoding="klingon"?><a/>', "klingon"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_sidecar_raises_a_one_line_reason(photo: Path, case: str) -> None:
    content, reason = CORRUPT[case]
    sidecar = sidecar_for(photo, ".xmp")
    sidecar.write_bytes(content)
    with pytest.raises(SidecarError) as raised:
        read_sidecar_rating(str(photo))
    message = str(raised.value)
    assert "\n" not in message and message.startswith("corrupt XMP sidecar photo.xmp: ")
    assert reason in message
    with pytest.raises(SidecarError):
        find_rating(str(photo), packet(4), {"Rating": 5})
    with pytest.raises(SidecarError):
        write_sidecar_rating(str(photo), 6.0)
    assert sidecar.read_bytes() == content
    assert files_in(photo.parent) == {"photo.jpg", "photo.xmp"}


def test_corrupt_sidecar_message_names_the_line(photo: Path) -> None:
    sidecar_for(photo).write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'>\n<a>\n<b></a>\n")
    with pytest.raises(SidecarError, match=r"not well-formed XML \(mismatched tag, line 3\)"):
        read_sidecar_rating(str(photo))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_sidecar(photo: Path) -> None:
    sidecar = sidecar_for(photo)
    sidecar.write_text(packet(3))
    sidecar.chmod(0)
    try:
        with pytest.raises(SidecarError, match=r"^cannot read XMP sidecar photo\.jpg\.xmp: "):
            read_sidecar_rating(str(photo))
    finally:
        sidecar.chmod(0o644)


def test_sidecar_that_is_a_folder(photo: Path) -> None:
    sidecar_for(photo).mkdir()
    with pytest.raises(SidecarError, match=r"^cannot read XMP sidecar photo\.jpg\.xmp: "):
        read_sidecar_rating(str(photo))


def test_oversized_sidecar_is_not_read(photo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmp_read, "MAX_SIDECAR_BYTES", 2 * 2**20)
    sidecar_for(photo).write_bytes(packet(3).encode() + b" " * (2 * 2**20))
    with pytest.raises(SidecarError, match=r"^XMP sidecar photo\.jpg\.xmp is over 2 MB; not read$"):
        read_sidecar_rating(str(photo))


# --- embedded XMP and EXIF, through Pillow and Pictor's own decoder -------------------------


def image_bytes(
    fmt: str, *, xmp_packet: str | None = None, exif: Image.Exif | None = None
) -> bytes:
    """An image written by Pillow with the given packet and EXIF (PNG: an iTXt chunk)."""
    options: dict[str, object] = {}
    if xmp_packet is not None and fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp_packet)
        options["pnginfo"] = info
    elif xmp_packet is not None:
        options["xmp"] = xmp_packet.encode("utf-8")
    if exif is not None:
        options["exif"] = exif
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(out, fmt, **options)
    return out.getvalue()


def rating_exif(stars: int | None = None, percent: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    if stars is not None:
        exif[0x4746] = stars
    if percent is not None:
        exif[0x4749] = percent
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("stars", ALL_STARS)
def test_embedded_packet_rating(tmp_path: Path, fmt: str, stars: int) -> None:
    path = tmp_path / f"photo.{fmt.lower()}"
    path.write_bytes(image_bytes(fmt, xmp_packet=packet(stars)))
    with Image.open(path) as image:
        image.load()
        embedded = image.info["xmp"]
    assert rating_from_packet(embedded) == stars
    texts = decode(path.read_bytes(), min_side=8, max_pixels=10**6).metadata.texts
    found = find_rating(str(path), texts["XMP"], {})
    expected = None if stars == 0 else FoundRating(EXPECTED_SCORE[stars], stars, "embedded-xmp")
    assert found == expected


@pytest.mark.parametrize("stars", [0, 1, 2, 3, 4, 5])
def test_exif_rating_tag(tmp_path: Path, stars: int) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(image_bytes("JPEG", exif=rating_exif(stars)))
    with Image.open(path) as image:
        assert rating_from_exif(image.getexif()) == stars
    metadata = decode(path.read_bytes(), min_side=8, max_pixels=10**6).metadata
    assert metadata.exif["Rating"] == stars
    expected = None if stars == 0 else FoundRating(EXPECTED_SCORE[stars], stars, "exif")
    assert find_rating(str(path), metadata.texts.get("XMP"), metadata.exif) == expected


@pytest.mark.parametrize(
    ("percent", "stars"),
    [(0, 0), (1, 1), (12, 1), (13, 2), (25, 2), (50, 3), (75, 4), (99, 5), (100, 5)],
)
def test_exif_rating_percent_when_no_rating_tag(tmp_path: Path, percent: int, stars: int) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(image_bytes("JPEG", exif=rating_exif(percent=percent)))
    with Image.open(path) as image:
        assert rating_from_exif(image.getexif()) == stars
    assert rating_from_exif({"RatingPercent": percent}) == stars
    assert rating_from_exif({"Rating": 4, "RatingPercent": percent}) == 4


def test_exif_oddities() -> None:
    assert rating_from_exif({}) is None
    assert rating_from_exif({"Rating": "3"}) == 3
    assert rating_from_exif({"Rating": [2]}) == 2
    assert rating_from_exif({"Rating": 7, "RatingPercent": 50}) == 3  # bad Rating: percent
    assert rating_from_exif({"Rating": "n/a"}) is None
    assert rating_from_exif({"RatingPercent": 250}) is None
    assert rating_from_exif({"Make": "Canon"}) is None


# --- precedence ----------------------------------------------------------------------------


def test_precedence_sidecar_then_embedded_then_exif(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(image_bytes("JPEG", xmp_packet=packet(4), exif=rating_exif(5)))
    metadata = decode(path.read_bytes(), min_side=8, max_pixels=10**6).metadata
    embedded, exif = metadata.texts["XMP"], metadata.exif
    assert find_rating(str(path), embedded, exif) == FoundRating(8.0, 4, "embedded-xmp")
    assert find_rating(str(path), None, exif) == FoundRating(10.0, 5, "exif")
    assert find_rating(str(path), packet(None), exif) == FoundRating(10.0, 5, "exif")
    sidecar_for(path, ".xmp").write_text(packet(2))
    assert find_rating(str(path), embedded, exif) == FoundRating(
        4.0, 2, f"sidecar:{tmp_path}/photo.xmp"
    )
    sidecar_for(path).write_text(packet(-1))
    found = find_rating(str(path), embedded, exif)
    assert found == FoundRating(0.0, -1, f"sidecar:{tmp_path}/photo.jpg.xmp")


def test_a_stated_zero_ends_the_search(photo: Path) -> None:
    """Stars removed in darktable (xmp:Rating="0") hide the in-camera rating."""
    sidecar_for(photo).write_text(packet(0))
    assert find_rating(str(photo), packet(4), {"Rating": 5}) is None
    sidecar_for(photo).unlink()
    assert find_rating(str(photo), packet(0), {"Rating": 5}) is None


def test_a_sidecar_without_a_rating_falls_through(photo: Path) -> None:
    sidecar_for(photo).write_text(packet(None))
    assert find_rating(str(photo), packet(4), {}) == FoundRating(8.0, 4, "embedded-xmp")
    sidecar_for(photo).write_text(packet("banana"))
    assert find_rating(str(photo), None, {"Rating": 1}) == FoundRating(2.0, 1, "exif")
    assert find_rating(str(photo), "not xml", {"Rating": 1}) == FoundRating(2.0, 1, "exif")


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9.5, 10])
def test_write_creates_photo_jpg_xmp(photo: Path, score: float) -> None:
    image = photo.read_bytes()
    written = write_sidecar_rating(str(photo), score)
    stars = stars_from_score(score)
    assert written == str(sidecar_for(photo))
    assert ratings_in(Path(written)) == [str(stars)]
    found = read_sidecar_rating(str(photo))
    assert (found.stars if found else 0) == stars
    assert files_in(photo.parent) == {"photo.jpg", "photo.jpg.xmp"}
    assert photo.read_bytes() == image
    assert photo.stat().st_mtime_ns == OLD_MTIME_NS


def test_new_sidecar_mode_follows_the_umask(photo: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_sidecar_rating(str(photo), 6.0)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(sidecar_for(photo).stat().st_mode) == 0o644


def test_clearing_without_a_sidecar_creates_nothing(photo: Path) -> None:
    assert write_sidecar_rating(str(photo), None) == str(sidecar_for(photo))
    assert files_in(photo.parent) == {"photo.jpg"}


@pytest.mark.parametrize("naming", NAMINGS)
def test_merge_into_a_digikam_darktable_sidecar_changes_only_the_rating(
    photo: Path, naming: str
) -> None:
    sidecar = sidecar_for(photo, naming)
    sidecar.write_bytes(DIGIKAM_SIDECAR.encode())
    sidecar.chmod(0o640)
    image = photo.read_bytes()

    assert write_sidecar_rating(str(photo), 8.0) == str(sidecar)
    assert sidecar.read_text(encoding="utf-8") == DIGIKAM_SIDECAR.replace("'2'", "'4'")
    assert ratings_in(sidecar) == ["4"]
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o640

    assert write_sidecar_rating(str(photo), None) == str(sidecar)
    assert sidecar.read_text(encoding="utf-8") == DIGIKAM_SIDECAR.replace("\n   xmp:Rating='2'", "")
    assert ratings_in(sidecar) == []
    assert read_sidecar_rating(str(photo)) is None
    assert rating_from_packet(sidecar.read_text(encoding="utf-8")) is None

    assert write_sidecar_rating(str(photo), 4.0) == str(sidecar)
    expected = DIGIKAM_SIDECAR.replace("\n   xmp:Rating='2'", "").replace(
        '   digiKam:ColorLabel="1">', '   digiKam:ColorLabel="1"\n   xmp:Rating="2">'
    )
    assert sidecar.read_text(encoding="utf-8") == expected
    root = ET.fromstring(sidecar.read_bytes())  # every other field is still there
    assert [li.text for li in root.iter(f"{{{RDF}}}li")][:5] == [
        "holiday", "beach & sea", "café", "Places/Brittany", "People/Ana"
    ]  # fmt: skip
    assert len(root.findall(".//{http://darktable.sf.net/}history/*/*")) == 2

    assert files_in(photo.parent) == {"photo.jpg", sidecar.name}
    assert photo.read_bytes() == image
    assert photo.stat().st_mtime_ns == OLD_MTIME_NS


@pytest.mark.parametrize("form", ["element", "element-other-prefix"])
def test_merge_element_form(photo: Path, form: str) -> None:
    original = packet(3, form)
    prefix = "xap" if "other" in form else "xmp"
    sidecar_for(photo).write_text(original, encoding="utf-8")
    write_sidecar_rating(str(photo), 10.0)
    assert sidecar_for(photo).read_text(encoding="utf-8") == original.replace(">3<", ">5<")
    write_sidecar_rating(str(photo), None)
    cleared = original.replace(f"\n   <{prefix}:Rating>3</{prefix}:Rating>", "")
    assert sidecar_for(photo).read_text(encoding="utf-8") == cleared
    assert ratings_in(sidecar_for(photo)) == []


def test_merge_keeps_another_prefix_bound_to_the_namespace(photo: Path) -> None:
    original = packet(1, "other-prefix")
    sidecar_for(photo, ".xmp").write_text(original, encoding="utf-8")
    write_sidecar_rating(str(photo), 6.0)
    assert sidecar_for(photo, ".xmp").read_text(encoding="utf-8") == original.replace(
        'xap:Rating="1"', 'xap:Rating="3"'
    )
    assert files_in(photo.parent) == {"photo.jpg", "photo.xmp"}


def test_add_a_rating_to_a_lightroom_sidecar_without_one(photo: Path) -> None:
    original = packet(None)
    sidecar_for(photo, ".xmp").write_text(original, encoding="utf-8")
    write_sidecar_rating(str(photo), 3.0)
    changed = sidecar_for(photo, ".xmp").read_text(encoding="utf-8")
    assert changed == original.replace(
        'xmp:CreatorTool="Test">', 'xmp:CreatorTool="Test"\n    xmp:Rating="2">'
    )


def test_add_a_rating_declares_the_namespace_when_missing(photo: Path) -> None:
    original = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        '<rdf:Description rdf:about="" xmlns:xmp="urn:not-xmp" xmp:Thing="1"/>'
        "</rdf:RDF></x:xmpmeta>"
    )
    sidecar_for(photo).write_text(original)
    write_sidecar_rating(str(photo), 10.0)
    assert sidecar_for(photo).read_text() == original.replace(
        'xmp:Thing="1"', f'xmp:Thing="1" xmlns:xmp1="{XMP_NS}" xmp1:Rating="5"'
    )
    assert ratings_in(sidecar_for(photo)) == ["5"]


def test_add_a_description_to_an_empty_rdf(photo: Path) -> None:
    original = f'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n <rdf:RDF xmlns:rdf="{RDF}">\n </rdf:RDF>\n'
    sidecar_for(photo).write_text(original + "</x:xmpmeta>\n")
    write_sidecar_rating(str(photo), 2.0)
    new_description = f'  <rdf:Description rdf:about="" xmlns:xmp="{XMP_NS}" xmp:Rating="1"/>\n'
    assert (
        sidecar_for(photo).read_text()
        == original.replace(" </rdf:RDF>", new_description + " </rdf:RDF>") + "</x:xmpmeta>\n"
    )
    assert ratings_in(sidecar_for(photo)) == ["1"]
    assert read_sidecar_rating(str(photo)) == FoundRating(2.0, 1, f"sidecar:{sidecar_for(photo)}")


def test_writing_zero_writes_zero_stars_never_rejected(photo: Path) -> None:
    sidecar_for(photo).write_text(packet(-1))
    write_sidecar_rating(str(photo), 0.0)
    assert ratings_in(sidecar_for(photo)) == ["0"]
    assert read_sidecar_rating(str(photo)) is None


def test_writes_where_the_reader_reads(photo: Path) -> None:
    sidecar_for(photo, ".xmp").write_text(packet(1))
    sidecar_for(photo).write_text(packet(2))
    write_sidecar_rating(str(photo), 10.0)
    assert ratings_in(sidecar_for(photo)) == ["5"]
    assert ratings_in(sidecar_for(photo, ".xmp")) == ["1"]


def test_an_unchanged_rating_does_not_touch_the_file(photo: Path) -> None:
    sidecar = sidecar_for(photo)
    sidecar.write_text(packet(3))
    os.utime(sidecar, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    before = sidecar.stat()
    write_sidecar_rating(str(photo), 6.4)
    after = sidecar.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_write_through_a_symlinked_sidecar(photo: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.xmp"
    real.write_text(packet(1))
    sidecar_for(photo).symlink_to(real)
    write_sidecar_rating(str(photo), 8.0)
    assert sidecar_for(photo).is_symlink()
    assert ratings_in(real) == ["4"]


def test_failed_write_leaves_the_sidecar_and_no_temp_file(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sidecar_for(photo).write_text(DIGIKAM_SIDECAR, encoding="utf-8")

    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xmp.os, "replace", fail)
    with pytest.raises(SidecarError, match=r"^cannot write XMP sidecar photo\.jpg\.xmp: No space"):
        write_sidecar_rating(str(photo), 10.0)
    assert sidecar_for(photo).read_text(encoding="utf-8") == DIGIKAM_SIDECAR
    assert files_in(photo.parent) == {"photo.jpg", "photo.jpg.xmp"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'<?xml version="1.0"?><notes>just notes</notes>', "has no rdf:RDF element"),
        (packet(2).encode("utf-16"), "not UTF-8"),
        (f'<rdf:RDF xmlns:rdf="{RDF}"/>'.encode(), "could not change"),
    ],
)
def test_sidecars_we_will_not_change(photo: Path, content: bytes, reason: str) -> None:
    sidecar_for(photo).write_bytes(content)
    with pytest.raises(SidecarError, match=reason):
        write_sidecar_rating(str(photo), 6.0)
    assert sidecar_for(photo).read_bytes() == content
    assert files_in(photo.parent) == {"photo.jpg", "photo.jpg.xmp"}


def test_utf16_sidecar_is_still_read(photo: Path) -> None:
    sidecar_for(photo).write_bytes(packet(2).encode("utf-16"))
    assert read_sidecar_rating(str(photo)) == FoundRating(4.0, 2, f"sidecar:{sidecar_for(photo)}")


def test_merge_odd_but_valid_layouts(photo: Path) -> None:
    """CRLF line ends, spaces around '=', a '>' inside a value, an empty rating element."""
    crlf = packet(3).replace('xmp:Rating="3"', 'xmp:Rating = "3"').replace("\n", "\r\n")
    crlf = crlf.replace('CreatorTool="Test"', 'CreatorTool="a > b"')
    sidecar_for(photo).write_bytes(crlf.encode())
    write_sidecar_rating(str(photo), 2.0)
    assert sidecar_for(photo).read_bytes() == crlf.replace('= "3"', '= "1"').encode()
    write_sidecar_rating(str(photo), None)
    assert sidecar_for(photo).read_bytes() == crlf.replace('\r\n    xmp:Rating = "3"', "").encode()

    empty = packet("", "element").replace("<xmp:Rating></xmp:Rating>", "<xmp:Rating />")
    sidecar_for(photo).write_text(empty)
    assert read_sidecar_rating(str(photo)) is None
    write_sidecar_rating(str(photo), 6.0)
    assert sidecar_for(photo).read_text() == empty.replace(
        "<xmp:Rating />", "<xmp:Rating>3</xmp:Rating>"
    )
