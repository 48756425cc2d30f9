"""Bad metadata never breaks indexing: the image is catalogued, the bad part left out.

The EXIF blocks here are written byte by byte (a TIFF structure in a JPEG's APP1 segment),
since no well-behaved writer produces them.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from PIL import Image, PngImagePlugin
from PIL.PngImagePlugin import PngInfo

from tests.library_builder import noise_image, smooth_image

EXIF_IFD, GPS_IFD, INTEROP_IFD = 0x8769, 0x8825, 0xA005
MAKE, MODEL, DATETIME, DATETIME_ORIGINAL, USER_COMMENT = 0x010F, 0x0110, 0x0132, 0x9003, 0x9286
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SSHORT, DOUBLE = 1, 2, 3, 4, 5, 7, 8, 12
MTIME = datetime(2021, 5, 1, 12, 0, tzinfo=UTC).timestamp()
FOX = "一只狐狸在雪地里"  # "a fox in the snow"


# A little-endian TIFF block, written by hand


@dataclass
class Tag:
    tag: int
    type: int
    count: int
    value: bytes | int  # the value's bytes, or the index of the IFD it points to


@dataclass
class Ifd:
    tags: list[Tag] = field(default_factory=list)
    next: int | None = None  # the index of the IFD chained after this one


def ascii_tag(tag: int, text: bytes) -> Tag:
    return Tag(tag, ASCII, len(text) + 1, text + b"\0")


def rationals(tag: int, *pairs: tuple[int, int]) -> Tag:
    return Tag(tag, RATIONAL, len(pairs), b"".join(struct.pack("<II", *pair) for pair in pairs))


def points_to(tag: int, ifd_index: int) -> Tag:
    return Tag(tag, LONG, 1, ifd_index)


def tiff_block(*ifds: Ifd) -> bytes:
    """The header, then each IFD followed by its values that do not fit in 4 bytes."""

    def out_of_line(tag: Tag) -> bool:
        return isinstance(tag.value, bytes) and len(tag.value) > 4

    starts, at = [], 8
    for ifd in ifds:
        starts.append(at)
        at += 6 + 12 * len(ifd.tags)
        at += sum(len(t.value) + len(t.value) % 2 for t in ifd.tags if out_of_line(t))
    out = bytearray(b"II*\0" + struct.pack("<I", 8))
    for ifd, start in zip(ifds, starts, strict=True):
        values_at = start + 6 + 12 * len(ifd.tags)
        entries, values = bytearray(), bytearray()
        for tag in sorted(ifd.tags, key=lambda t: t.tag):
            if isinstance(tag.value, int):
                inline = struct.pack("<I", starts[tag.value])
            elif out_of_line(tag):
                inline = struct.pack("<I", values_at + len(values))
                values += tag.value + b"\0" * (len(tag.value) % 2)
            else:
                inline = tag.value.ljust(4, b"\0")
            entries += struct.pack("<HHI", tag.tag, tag.type, tag.count) + inline
        following = 0 if ifd.next is None else starts[ifd.next]
        out += struct.pack("<H", len(ifd.tags)) + entries + struct.pack("<I", following) + values
    return bytes(out)


def save_jpeg_with_exif(library, name: str, tiff: bytes, seed: int = 0):
    """A Pillow JPEG whose APP1 segment holds exactly these EXIF bytes."""
    path = library.save(name, smooth_image((64, 48), seed=seed), exif=b"Exif\0\0" + tiff)
    with Image.open(path) as image:
        assert image.info["exif"] == b"Exif\0\0" + tiff  # written as given, not re-encoded
    os.utime(path, (MTIME, MTIME))
    return path


def camera_ifd0(*tags: Tag, next: int | None = None) -> Ifd:
    return Ifd([ascii_tag(MAKE, b"Canon"), ascii_tag(MODEL, b"EOS R6"), *tags], next)


def assert_indexed(pictor, summary, path) -> dict:
    """The file is in the catalog, and not among the index errors."""
    assert summary.errors == [] and pictor.errors() == {}
    return dict(pictor.image_for(path))


# GPS


def gps_ifd(lat, lon, lat_ref=b"N", lon_ref=b"E", *extra: Tag) -> Ifd:
    return Ifd(
        [
            ascii_tag(1, lat_ref),
            rationals(2, *lat) if isinstance(lat, tuple) else lat,
            ascii_tag(3, lon_ref),
            rationals(4, *lon) if isinstance(lon, tuple) else lon,
            Tag(5, BYTE, 1, b"\0"),
            rationals(6, (120, 1)),  # 120 m above sea level
            *extra,
        ]
    )


ZERO = ((0, 1), (0, 1), (0, 1))
NAN = struct.pack("<d", float("nan"))


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        pytest.param(((999, 1), (0, 1), (0, 1)), ((10, 1), (0, 1), (0, 1)), id="latitude-999"),
        pytest.param(ZERO, ZERO, id="null-island-0-0"),
        pytest.param(((48, 0), (51, 1), (0, 1)), ((2, 1), (21, 1), (0, 1)), id="zero-denominator"),
        pytest.param(((48, 1), (0, 0), (0, 1)), ((2, 1), (21, 1), (0, 1)), id="nan-0-over-0"),
        pytest.param(Tag(2, DOUBLE, 3, NAN * 3), Tag(4, DOUBLE, 3, NAN * 3), id="nan-doubles"),
        pytest.param(ascii_tag(2, b"48.85"), ascii_tag(4, b"2.35"), id="text-instead-of-numbers"),
    ],
)
def test_implausible_gps_is_no_position(pictor, library, lat, lon) -> None:
    tiff = tiff_block(camera_ifd0(points_to(GPS_IFD, 1)), gps_ifd(lat, lon))
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["camera_make"] == "Canon"  # the rest of the EXIF is still read
    assert (row["gps_lat"], row["gps_lon"], row["gps_alt"]) == (None, None, None)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        pytest.param(
            ((48, 1), (51, 1), (0, 1)), ((2, 1), (21, 1), (0, 1)), (48.85, 2.35), id="paris"
        ),
        pytest.param(ZERO, ((9, 1), (30, 1), (0, 1)), (0.0, 9.5), id="on-the-equator"),
    ],
)
def test_plausible_gps_is_kept(pictor, library, lat, lon, expected) -> None:
    """The same writer as above, with coordinates that make sense (0 alone is a real place)."""
    tiff = tiff_block(camera_ifd0(points_to(GPS_IFD, 1)), gps_ifd(lat, lon))
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["gps_lat"] == pytest.approx(expected[0], abs=0.01)
    assert row["gps_lon"] == pytest.approx(expected[1], abs=0.01)
    assert row["gps_alt"] == pytest.approx(120)


@pytest.mark.parametrize(
    "pointer",
    [
        pytest.param(ascii_tag(GPS_IFD, b"abc"), id="text"),
        pytest.param(Tag(GPS_IFD, SSHORT, 1, struct.pack("<h", -5)), id="negative-offset"),
        pytest.param(Tag(GPS_IFD, LONG, 1, struct.pack("<I", 0xFFFFFF00)), id="past-the-end"),
        pytest.param(Tag(GPS_IFD, RATIONAL, 1, struct.pack("<II", 1, 0)), id="a-ratio"),
        pytest.param(points_to(GPS_IFD, 0), id="back-to-ifd0"),
    ],
)
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow, past the end
def test_gps_pointer_to_no_gps_directory(pictor, library, pointer) -> None:
    tiff = tiff_block(camera_ifd0(pointer))
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert (row["camera_make"], row["camera_model"]) == ("Canon", "EOS R6")
    assert (row["gps_lat"], row["gps_lon"]) == (None, None)
    assert not any(key.startswith("GPS") for key in json.loads(row["exif_json"]))


def test_exif_directory_at_a_negative_offset_is_a_warning_not_an_error(pictor, library):
    """The pointer Pillow cannot follow (it raises) costs that directory, not the photo."""
    pointer = Tag(EXIF_IFD, SSHORT, 1, struct.pack("<h", -1))
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff_block(camera_ifd0(pointer)))

    summary = pictor.index(library.root)

    row = assert_indexed(pictor, summary, photo)
    assert row["camera_make"] == "Canon"
    [warning] = summary.warnings
    assert warning.path == str(photo) and "Exif IFD" in warning.message


# Dates


def save_dated_jpeg(library, name: str, **dates: str):
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    if "datetime" in dates:
        exif[DATETIME] = dates["datetime"]
    if "original" in dates:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = dates["original"]
    path = library.save(name, smooth_image((64, 48)), exif=exif)
    os.utime(path, (MTIME, MTIME))
    return path


@pytest.mark.parametrize(
    "written",
    [
        "0000:00:00 00:00:00",
        "    :  :     :  :  ",
        "2023:02:30 10:00:00",
        "2999:01:01 00:00:00",
        f"{datetime.now().year + 2}:01:01 00:00:00",
        "1825:12:31 23:59:59",
    ],
)
def test_impossible_date_taken_falls_back_to_the_file_date(pictor, library, written) -> None:
    photo = save_dated_jpeg(library, "photo.jpg", original=written)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["camera_make"] == "Canon"
    assert row["taken_at"] is None
    assert row["date_key"] == pytest.approx(MTIME)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2023:07:14 18:03:22", "2023-07-14T18:03:22"),
        (f"{datetime.now().year + 1}:01:01 00:00:00", f"{datetime.now().year + 1}-01-01T00:00:00"),
        ("1826:06:01 12:00:00", "1826-06-01T12:00:00"),
    ],
)
def test_plausible_date_taken_is_kept(pictor, library, written, expected) -> None:
    photo = save_dated_jpeg(library, "photo.jpg", original=written)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["taken_at"] == expected
    assert row["date_key"] != pytest.approx(MTIME)


def test_zeroed_date_taken_falls_back_to_the_exif_datetime(pictor, library) -> None:
    photo = save_dated_jpeg(
        library, "photo.jpg", original="0000:00:00 00:00:00", datetime="2022:03:04 05:06:07"
    )

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["taken_at"] == "2022-03-04T05:06:07"


# Prompts of about a megabyte


def a1111_parameters(size: int, prompt_words: str = "a red fox in fresh snow, ") -> tuple[str, str]:
    """(parameters text of exactly size characters, the prompt it holds)."""
    tail = "\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Seed: 7"
    prompt = (prompt_words * (size // len(prompt_words) + 1))[: size - len(tail)].strip()
    text = prompt.ljust(size - len(tail), " ") + tail
    assert len(text) == size
    return text, prompt


LIMIT = PngImagePlugin.MAX_TEXT_CHUNK  # 1 MiB: the most text kept from one chunk


@pytest.mark.parametrize(
    ("chunk", "size", "kept"),
    [
        pytest.param("zTXt", LIMIT - 1, True, id="zTXt-just-under"),
        pytest.param("zTXt", LIMIT, True, id="zTXt-at-the-limit"),
        pytest.param("zTXt", LIMIT + 1, False, id="zTXt-just-over"),
        pytest.param("iTXt", LIMIT + 1, False, id="compressed-iTXt-just-over"),
        pytest.param("tEXt", LIMIT, True, id="tEXt-at-the-limit"),
        pytest.param("tEXt", LIMIT + 1, False, id="tEXt-just-over"),  # uncompressed: the same
        pytest.param("plain-iTXt", LIMIT + 1, False, id="plain-iTXt-just-over"),
        pytest.param("tEXt", 8 << 20, False, id="tEXt-of-8-MiB"),
    ],
)
def test_prompt_of_a_megabyte(pictor, library, chunk, size, kept) -> None:
    parameters, prompt = a1111_parameters(size)
    info = PngInfo()
    info.add_text("Software", "stable-diffusion-webui")
    if chunk.endswith("iTXt"):
        info.add_itxt("parameters", parameters, zip=chunk == "iTXt")
    else:
        info.add_text("parameters", parameters, zip=chunk == "zTXt")
    image = library.save("big.png", noise_image((48, 32), seed=1), pnginfo=info)

    summary = pictor.index(library.root)

    row = assert_indexed(pictor, summary, image)
    texts = json.loads(row["text_json"])
    assert texts["Software"] == "stable-diffusion-webui"  # the other text is kept either way
    if kept:
        assert row["prompt"] == prompt
        assert texts["parameters"] == parameters
        assert summary.warnings == []
    else:
        assert row["prompt"] is None and "parameters" not in texts
        [warning] = summary.warnings
        assert warning.path == str(image) and "'parameters'" in warning.message


def test_text_past_the_limit_per_file_is_dropped_with_a_warning_each(pictor, library) -> None:
    info = PngInfo()
    info.add_text("parameters", "a fox in the snow\nSteps: 20, Seed: 7")
    for n in range(6):  # 6 × 0.9 MiB of plain text: each under the limit, together over it
        info.add_text(f"note{n}", str(n) * (LIMIT * 9 // 10))
    image = library.save("notes.png", noise_image((48, 32), seed=3), pnginfo=info)

    summary = pictor.index(library.root)

    row = assert_indexed(pictor, summary, image)
    texts = json.loads(row["text_json"])
    assert row["prompt"] == "a fox in the snow"  # the small texts are kept first
    assert sorted(texts) == ["note0", "note1", "parameters"]
    assert len(row["text_json"]) <= 2 * LIMIT + 1000  # the row stays small
    assert [w.message.split("'")[1] for w in summary.warnings] == [f"note{n}" for n in range(2, 6)]
    assert all("past the 2.0 MiB of text kept per file" in w.message for w in summary.warnings)


# Text that is not valid UTF-8


BROKEN_FOX = FOX.encode()[:-1] + b"\xff"  # the last character cut short, then a stray byte


@pytest.mark.parametrize("compressed", [False, True], ids=["iTXt", "compressed-iTXt"])
def test_itxt_prompt_with_invalid_utf8_is_kept(pictor, library, compressed) -> None:
    info = PngInfo()
    info.add_itxt("parameters", BROKEN_FOX + b"\nSteps: 20, Seed: 7", zip=compressed)
    image = library.save("fox.png", noise_image((48, 32), seed=2), pnginfo=info)

    row = assert_indexed(pictor, pictor.index(library.root), image)

    assert row["prompt"].startswith(FOX[:-1]) and "\ufffd" in row["prompt"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        pytest.param(BROKEN_FOX, FOX[:-1], id="utf8-with-a-bad-byte"),
        pytest.param("café fox".encode("latin-1"), "café fox", id="latin-1"),
    ],
)
def test_text_chunk_reads_as_its_writer_meant(pictor, library, written, read) -> None:
    """tEXt is Latin-1 by the book, yet many writers put UTF-8 there."""
    info = PngInfo()
    info.add_text("parameters", written + b"\nSteps: 20, Seed: 7")
    image = library.save("fox.png", noise_image((48, 32), seed=3), pnginfo=info)

    row = assert_indexed(pictor, pictor.index(library.root), image)

    assert row["prompt"].startswith(read)
    assert "Ã" not in row["prompt"]  # no UTF-8 read as Latin-1


def test_exif_strings_with_invalid_utf8(pictor, library) -> None:
    comment = b"ASCII\0\0\0" + BROKEN_FOX + b"\nSteps: 20, Seed: 7"
    tiff = tiff_block(
        Ifd([ascii_tag(MAKE, b"Ca\xffnon"), ascii_tag(MODEL, BROKEN_FOX), points_to(EXIF_IFD, 1)]),
        Ifd([Tag(USER_COMMENT, UNDEFINED, len(comment), comment)]),
    )
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["camera_make"] == "Caÿnon"  # not UTF-8 at all: read as Latin-1
    assert row["camera_model"].startswith(FOX[:-1]) and "\ufffd" in row["camera_model"]
    assert row["prompt"].startswith(FOX[:-1]) and "\ufffd" in row["prompt"]
    assert json.loads(row["exif_json"])["Model"] == row["camera_model"]


def test_user_comment_in_truncated_utf16(pictor, library) -> None:
    comment = b"UNICODE\0" + f"{FOX}\nSteps: 20".encode("utf-16-be")[:-1]
    tiff = tiff_block(
        camera_ifd0(points_to(EXIF_IFD, 1)),
        Ifd([Tag(USER_COMMENT, UNDEFINED, len(comment), comment)]),
    )
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff)

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert row["prompt"] == FOX


def test_png_raw_exif_profile_that_is_not_hex(pictor, library) -> None:
    """ImageMagick's 'Raw profile type exif' text, mangled: the image is kept."""
    info = PngInfo()
    info.add_text("Raw profile type exif", "\nexif\n      12\nnot hex at all\n")
    info.add_text("parameters", "a red fox\nSteps: 20")
    image = library.save("magick.png", noise_image((48, 32), seed=4), pnginfo=info)

    row = assert_indexed(pictor, pictor.index(library.root), image)

    assert row["prompt"] == "a red fox"


# Directories that loop


DATED_EXIF_IFD = Ifd([ascii_tag(DATETIME_ORIGINAL, b"2023:07:14 18:03:22")])


@pytest.mark.parametrize(
    ("ifds", "dated"),
    [
        pytest.param([camera_ifd0(next=0)], False, id="ifd0-chains-to-itself"),
        pytest.param([camera_ifd0(next=1), Ifd([], next=0)], False, id="ifd1-chains-to-ifd0"),
        pytest.param([camera_ifd0(next=1), Ifd([], next=1)], False, id="ifd1-chains-to-itself"),
        pytest.param([camera_ifd0(points_to(EXIF_IFD, 0))], False, id="exif-ifd-is-ifd0"),
        pytest.param(
            [
                camera_ifd0(points_to(EXIF_IFD, 1)),
                Ifd([*DATED_EXIF_IFD.tags, points_to(EXIF_IFD, 1)], next=1),
            ],
            True,
            id="exif-ifd-points-to-itself",
        ),
        pytest.param(
            [
                camera_ifd0(points_to(EXIF_IFD, 1), next=0),
                Ifd([*DATED_EXIF_IFD.tags, points_to(INTEROP_IFD, 1)], next=0),
            ],
            True,
            id="interop-ifd-is-the-exif-ifd",
        ),
        pytest.param(
            [camera_ifd0(points_to(EXIF_IFD, 1), points_to(GPS_IFD, 1)), DATED_EXIF_IFD],
            True,
            id="gps-ifd-is-the-exif-ifd",
        ),
    ],
)
def test_looping_exif_directories(pictor, library, ifds, dated) -> None:
    photo = save_jpeg_with_exif(library, "photo.jpg", tiff_block(*ifds))

    row = assert_indexed(pictor, pictor.index(library.root), photo)

    assert (row["camera_make"], row["camera_model"]) == ("Canon", "EOS R6")
    assert (row["width"], row["height"]) == (64, 48)
    assert row["taken_at"] == ("2023-07-14T18:03:22" if dated else None)
    assert (row["gps_lat"], row["gps_lon"]) == (None, None)


def test_tiff_whose_directory_chain_loops(pictor, library) -> None:
    """A TIFF file (not EXIF in a JPEG) whose IFD0 names itself as the next page."""
    width, height = 24, 16
    pixels = bytes(noise_image((width, height), seed=5, mode="L").tobytes())

    def build(strip_at: int) -> bytes:
        def short(tag: int, value: int) -> Tag:
            return Tag(tag, SHORT, 1, struct.pack("<H", value))

        ifd0 = camera_ifd0(
            *(short(tag, value) for tag, value in ((256, width), (257, height), (258, 8))),
            *(short(tag, value) for tag, value in ((259, 1), (262, 1), (277, 1), (278, height))),
            Tag(273, LONG, 1, struct.pack("<I", strip_at)),
            Tag(279, LONG, 1, struct.pack("<I", len(pixels))),
            next=0,
        )
        return tiff_block(ifd0)

    block = build(0)
    scan = library.write("scan.tif", build(len(block)) + pixels)

    row = assert_indexed(pictor, pictor.index(library.root), scan)

    assert (row["format"], row["width"], row["height"]) == ("TIFF", width, height)
    assert row["camera_make"] == "Canon"
