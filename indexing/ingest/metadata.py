"""EXIF, GPS, and text chunks (AI-generation prompts among them): read_metadata gathers
everything but pixels from a decoded image.

This module walks Pillow's EXIF directories and the PNG text chunks (those Pillow refuses
included); each value is read by exif_values.py and the prompt by prompts.py.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

from PIL import ExifTags, Image, PngImagePlugin

from indexing.ingest.exif_values import (
    as_written,
    clean_str,
    decode_user_comment,
    gps_position,
    orientation,
    parse_exif_datetime,
    ratio,
)
from indexing.ingest.png_text import bounded_texts
from indexing.ingest.prompts import extract_prompt
from indexing.records import ImageMetadata

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_LENS_MODEL = 0xA434
TAG_USER_COMMENT = 0x9286
MAX_EXIF_BYTES_KEPT = 256
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = "XML:com.adobe.xmp"


def read_metadata(
    image: Image.Image, data: bytes | None = None, skipped: list[str] | None = None
) -> ImageMetadata:
    """Everything but pixels. Call after image.load(), so late PNG chunks are read too.

    Bad metadata never costs the image: what cannot be read is left out, and each part
    skipped for that reason is described in `skipped`, if given. `data`, the file's bytes,
    lets PNG text that Pillow refuses (an iTXt chunk that is not valid UTF-8) be read anyway.
    """
    meta = ImageMetadata()
    ifd0, exif_ifd, gps_ifd = _exif_dirs(image, [] if skipped is None else skipped)
    meta.orientation = orientation(ifd0.get(TAG_ORIENTATION))
    meta.camera_make = clean_str(ifd0.get(TAG_MAKE))
    meta.camera_model = clean_str(ifd0.get(TAG_MODEL))
    meta.lens = clean_str(exif_ifd.get(TAG_LENS_MODEL))
    offset = exif_ifd.get(TAG_OFFSET_TIME_ORIGINAL)
    meta.taken_at = parse_exif_datetime(
        exif_ifd.get(TAG_DATETIME_ORIGINAL), offset
    ) or parse_exif_datetime(ifd0.get(TAG_DATETIME), offset)
    meta.gps_lat, meta.gps_lon, meta.gps_alt = gps_position(gps_ifd)
    meta.exif = _exif_json(ifd0, exif_ifd, gps_ifd)
    meta.texts, dropped = bounded_texts(_texts(image, exif_ifd, data))
    if skipped is not None:
        skipped += [text.warning() for text in dropped]
    meta.prompt = extract_prompt(meta.texts)
    return meta


def _exif_dirs(
    image: Image.Image, skipped: list[str]
) -> tuple[dict[int, Any], dict[int, Any], dict[int, Any]]:
    """IFD0, the Exif IFD and the GPS IFD as plain dicts, each empty where unreadable.

    Pillow's EXIF parser meets hostile bytes with anything from ValueError (a negative
    offset) to struct.error or SyntaxError; a broken directory costs that directory only.
    """
    try:
        exif = image.getexif()
        ifd0 = dict(exif)  # Pillow reads tag values lazily: read them all here
    except MemoryError:
        raise
    except Exception as exc:
        skipped.append(_skipped_note("EXIF data", exc))
        return {}, {}, {}
    exif_ifd, gps_ifd = (_sub_ifd(exif, tag, ifd0, skipped) for tag in (EXIF_IFD, GPS_IFD))
    return ifd0, exif_ifd, gps_ifd


def _sub_ifd(
    exif: Image.Exif, tag: int, ifd0: dict[int, Any], skipped: list[str]
) -> dict[int, Any]:
    name = "Exif IFD" if tag == EXIF_IFD else "GPS IFD"
    try:
        ifd = exif.get_ifd(tag)
        ifd = dict(ifd) if isinstance(ifd, dict) else {}
    except MemoryError:
        raise
    except Exception as exc:
        skipped.append(_skipped_note(f"EXIF {name}", exc))
        return {}
    return {} if ifd == ifd0 else ifd  # a pointer looping back to IFD0 leads to no data


def _skipped_note(what: str, exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    return f"{what} is corrupt ({reason}) and was skipped; the image itself was indexed"


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        if len(value) > MAX_EXIF_BYTES_KEPT:
            return f"<{len(value)} bytes>"
        text = value.decode("ascii", "replace").replace("\x00", "").strip()
        return text
    if isinstance(value, str):
        return as_written(value).replace("\x00", "").strip()
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, (int, bool)):
        return value
    number = ratio(value)
    return number if number is not None else str(value)


def _exif_json(ifd0: dict, exif_ifd: dict, gps_ifd: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tags, names in ((ifd0, ExifTags.TAGS), (exif_ifd, ExifTags.TAGS)):
        for tag, value in tags.items():
            if tag in (EXIF_IFD, GPS_IFD, TAG_USER_COMMENT):
                continue
            out[names.get(tag, f"0x{tag:04X}")] = _json_value(value)
    for tag, value in gps_ifd.items():
        out[ExifTags.GPSTAGS.get(tag, f"GPS0x{tag:04X}")] = _json_value(value)
    return out


def _texts(image: Image.Image, exif_ifd: dict, data: bytes | None) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, value in (getattr(image, "text", None) or {}).items():
        if isinstance(value, PngImagePlugin.iTXt):  # UTF-8 by definition
            texts[key] = value
        elif isinstance(value, str):  # tEXt, zTXt: Pillow reads them as Latin-1
            texts[key] = as_written(value)
    for key, value in _refused_itxt(data, texts).items():
        texts.setdefault(key, value)
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    if isinstance(xmp, str) and xmp.strip():
        texts.setdefault("XMP", xmp)
    comment = decode_user_comment(exif_ifd.get(TAG_USER_COMMENT))
    if comment:
        # A1111 and Forge write their generation parameters here in JPEG and WebP.
        key = "parameters" if "Steps:" in comment and "parameters" not in texts else "UserComment"
        texts[key] = comment
    return texts


def _refused_itxt(data: bytes | None, texts: dict[str, str]) -> dict[str, str]:
    """iTXt chunks Pillow skipped, whole, for text that is not valid UTF-8 (one bad byte in
    a prompt), read with U+FFFD for the bad bytes, within Pillow's own size limits."""
    if not data or not data.startswith(PNG_SIGNATURE) or b"iTXt" not in data:
        return {}
    budget = PngImagePlugin.MAX_TEXT_MEMORY - sum(len(text) for text in texts.values())
    found: dict[str, str] = {}
    for body in _itxt_bodies(data):
        keyword, _, rest = body.partition(b"\0")
        key = keyword.decode("latin-1")
        if not key or key in texts or key == XMP_KEYWORD:  # Pillow keeps XMP as bytes
            continue
        text = _itxt_text(rest, PngImagePlugin.MAX_TEXT_CHUNK)
        if text is None:
            continue
        budget -= len(text)
        if budget < 0:
            break
        found[key] = text
    return found


def _itxt_bodies(data: bytes) -> Iterator[bytes]:
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        if kind == b"iTXt":
            yield data[position + 8 : position + 8 + length]
        elif kind == b"IEND":
            return
        position += 12 + length


def _itxt_text(rest: bytes, limit: int) -> str | None:
    """The text of an iTXt chunk after its keyword: compression flag and method, language
    tag NUL, translated keyword NUL, then the (perhaps compressed) UTF-8 text."""
    fields = rest[2:].split(b"\0", 2)
    if len(rest) < 2 or len(fields) != 3:
        return None
    text = fields[2]
    if rest[0]:  # compressed
        if rest[1] != 0:
            return None
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, limit + 1)
        except zlib.error:
            return None
        if len(text) > limit:
            return None
    return text.decode("utf-8", "replace")
