"""Star ratings read from XMP and EXIF at ingest, as digiKam, darktable and Lightroom store them.

Pictor scores 0-10; those apps keep 0-5 stars in `xmp:Rating` (-1 rejected, 0 no rating) in a
sidecar, in the image's XMP packet, or in EXIF. Reading tries them in that order; the first
that states a rating decides, so a sidecar saying 0 (stars removed in darktable) hides an older
in-camera rating. The parser locates elements by byte offset with expat, so that
indexing.curate.xmp, which writes ratings back, can change only the rating's bytes.
A DTD is refused (XMP never has one; entity bombs and external entities need one).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# -1 star (rejected) is 0.0, 0 stars is None (no rating)
STARS_TO_SCORE: dict[float, float] = {1: 2.0, 2: 4.0, 3: 6.0, 4: 8.0, 5: 10.0}
EXIF_RATING = 0x4746
EXIF_RATING_PERCENT = 0x4749
MAX_SIDECAR_BYTES = 4 * 1024 * 1024

_SEP = "\x01"  # expat's namespace separator: no URI or name can hold it
_RDF_RDF, _RATING = f"{RDF_NS}{_SEP}RDF", f"{XMP_NS}{_SEP}Rating"
_ROLES = {  # (parent's role, element) -> the element's role; others do not matter here
    ("rdf", f"{RDF_NS}{_SEP}Description"): "description",
    ("description", _RATING): "rating",
}
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


@dataclass(frozen=True)
class FoundRating:
    score: float  # Pictor's 0-10
    stars: float  # as found, -1..5
    origin: str  # "sidecar:<path>", "embedded-xmp" or "exif"


class SidecarError(Exception):
    """A sidecar that cannot be read or safely changed; the message is the one-line reason."""


def score_from_stars(stars: float | int | str) -> float | None:
    """Pictor's score: -1 star (rejected) is 0.0, 0 is "no rating" (None), fractions scale
    linearly; a value outside -1..5 or not a number is None, so bad metadata invents nothing."""
    if (value := _number(stars, -1, 5)) is None or value == 0:
        return None
    return 0.0 if value < 0 else STARS_TO_SCORE.get(value, value * 2.0)


def _number(value: Any, low: float = -math.inf, high: float = math.inf) -> float | None:
    """`value` as a float in low..high, else None (EXIF may hold it in a 1-tuple)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def sidecar_candidates(image_path: str) -> list[str]:
    """Where a sidecar may be, in the order read: photo.jpg.xmp (digiKam, darktable) names
    only this image, so it comes before photo.xmp (Lightroom), which photo.cr2 may share. An
    upper-case .XMP twin follows when it is a different file on disk."""
    out: list[str] = []
    for base in dict.fromkeys((image_path, os.path.splitext(image_path)[0])):
        lower, upper = base + ".xmp", base + ".XMP"
        out.append(lower)
        if os.path.exists(upper) and not (os.path.exists(lower) and os.path.samefile(lower, upper)):
            out.append(upper)
    return out


def existing_sidecar(image_path: str) -> str | None:
    return next((path for path in sidecar_candidates(image_path) if os.path.exists(path)), None)


class UnsafeXml(Exception):
    """A DTD: XMP never has one, and entity bombs and external entities need one."""


@dataclass(eq=False)
class XmpElement:
    """An element that matters here, located by byte offsets so edits leave the rest alone."""

    qname: str  # as written, "prefix:local"
    role: str  # "rdf"; "description" (top level); "rating" (child of a description)
    start: int  # offset of its '<'
    open_end: int  # just after its start tag
    scope: dict[str, str]  # prefix -> namespace, "" for the default one
    close_start: int = -1  # offset of its end tag; -1 when self-closing
    end: int = 0  # just after the element
    text: str = ""


@dataclass
class XmpScan:
    rdf: XmpElement | None = None
    descriptions: list[XmpElement] = field(default_factory=list)
    # In document order: (description, attribute qname, value) or (element, None, its text).
    ratings: list[tuple[XmpElement, str | None, str]] = field(default_factory=list)


def _names(name: str) -> tuple[str, str]:
    """expat's 'uri<SEP>local<SEP>prefix' as (expanded name, qname as written)."""
    parts = name.split(_SEP)
    return _SEP.join(parts[:2]), f"{parts[2]}:{parts[1]}" if len(parts) == 3 else parts[-1]


def scan_xmp(data: bytes, encoding: str | None = None) -> XmpScan:
    """The rdf:RDF, its rdf:Description children and their xmp:Rating, under any prefix.
    Raises expat.ExpatError or LookupError for malformed XML, UnsafeXml for a DTD."""
    parser = expat.ParserCreate(encoding, namespace_separator=_SEP)
    parser.namespace_prefixes = parser.ordered_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    scan = XmpScan()
    stack: list[XmpElement | None] = []  # None: an element that does not matter here
    bindings: dict[str, list[str]] = {}  # prefix -> namespaces, innermost last

    def refuse(*_: Any) -> None:
        raise UnsafeXml

    def start(name: str, attributes: list[str]) -> None:
        expanded, qname = _names(name)
        parent = stack[-1] if stack else None
        role = _ROLES.get((parent.role if parent else "", expanded), "")
        if expanded == _RDF_RDF and scan.rdf is None:
            role = "rdf"
        if not role:
            stack.append(None)
            return
        here = parser.CurrentByteIndex
        tag = _START_TAG.match(data, here)
        scope = {prefix: uris[-1] for prefix, uris in bindings.items() if uris}
        element = XmpElement(qname, role, here, tag.end() if tag else len(data), scope)
        stack.append(element)
        if role == "rdf":
            scan.rdf = element
        elif role == "description":
            scan.descriptions.append(element)
            for name, value in zip(attributes[::2], attributes[1::2], strict=True):
                if _names(name)[0] == _RATING:
                    scan.ratings.append((element, _names(name)[1], value))

    def text(chunk: str) -> None:
        if stack and stack[-1] is not None and stack[-1].role == "rating":
            stack[-1].text += chunk

    def end(_: str) -> None:
        element = stack.pop()
        if element is not None and data[element.open_end - 2 : element.open_end] == b"/>":
            element.end = element.open_end
        elif element is not None:
            element.close_start = parser.CurrentByteIndex
            element.end = data.find(b">", element.close_start) + 1
        if element is not None and element.role == "rating":
            scan.ratings.append((element, None, element.text))

    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    parser.StartNamespaceDeclHandler = lambda p, uri: bindings.setdefault(p or "", []).append(uri)
    parser.EndNamespaceDeclHandler = lambda prefix: bindings[prefix or ""].pop()
    parser.StartElementHandler, parser.CharacterDataHandler = start, text
    parser.EndElementHandler = end
    parser.Parse(data, True)
    return scan


def _first_rating(scan: XmpScan) -> float | None:
    """Stars of the first valid top-level xmp:Rating, 0 included (it states "no rating")."""
    return next((s for *_, value in scan.ratings if (s := _number(value, -1, 5)) is not None), None)


def load_sidecar(path: str) -> tuple[bytes, XmpScan]:
    """The sidecar's bytes and what they say; SidecarError with a one-line reason if unusable."""
    name = os.path.basename(path)
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        raise SidecarError(f"cannot read XMP sidecar {name}: {exc.strerror or exc}") from None
    if len(data) > MAX_SIDECAR_BYTES:
        raise SidecarError(f"XMP sidecar {name} is over {MAX_SIDECAR_BYTES >> 20} MB; not read")
    if not data.strip():
        raise SidecarError(f"corrupt XMP sidecar {name}: empty file")
    try:
        return data, scan_xmp(data)
    except UnsafeXml:
        reason = "refused, it has a DTD, which XMP never uses (a possible XML bomb)"
    except expat.ExpatError as exc:
        why = expat.ErrorString(exc.code).removeprefix("not well-formed ").strip("()")
        reason = f"not well-formed XML ({why}, line {exc.lineno})"
    except (LookupError, ValueError) as exc:  # an unknown encoding declared
        reason = str(exc)
    raise SidecarError(f"corrupt XMP sidecar {name}: {reason}")


def _found(stars: float | None, origin: str) -> FoundRating | None:
    score = None if stars is None else score_from_stars(stars)
    return None if stars is None or score is None else FoundRating(score, stars, origin)


def read_sidecar_rating(image_path: str) -> FoundRating | None:
    """The rating in the image's sidecar; None if no sidecar, no rating, or 0 stars.
    Raises SidecarError for a sidecar that is corrupt, unsafe, too large or unreadable."""
    if (path := existing_sidecar(image_path)) is None:
        return None
    return _found(_first_rating(load_sidecar(path)[1]), f"sidecar:{path}")


def rating_from_packet(xmp_text: str | bytes) -> float | None:
    """Stars (-1..5, 0 included) from an XMP packet, attribute or element form, any prefix.
    None if it states none or is broken: users do not keep it apart from the image, so a
    broken packet is not worth an error."""
    is_text = isinstance(xmp_text, str)
    if isinstance(xmp_text, str):
        data = xmp_text.encode("utf-8", "replace")
    else:
        data = bytes(xmp_text or b"")
    data = data.strip(b"\x00 \t\r\n")  # packets come padded
    if not data or len(data) > MAX_SIDECAR_BYTES:
        return None
    try:
        return _first_rating(scan_xmp(data, "utf-8" if is_text else None))
    except (expat.ExpatError, LookupError, ValueError, UnsafeXml):
        return None


def rating_from_exif(exif: Mapping) -> float | None:
    """Stars from EXIF Rating (0x4746), else RatingPercent (0x4749, banded as Windows does),
    in Pillow's getexif() (integer tags) or Pictor's exif JSON ("Rating" keys)."""
    exif = exif or {}
    stars = _number(exif.get(EXIF_RATING, exif.get("Rating")), -1, 5)
    percent = _number(exif.get(EXIF_RATING_PERCENT, exif.get("RatingPercent")), 0, 100)
    if stars is not None or percent is None:
        return stars
    return 0.0 if percent == 0 else float(min(5, math.floor(percent / 25 + 0.5) + 1))


def find_rating(image_path: str, embedded_xmp: str | None, exif: Mapping) -> FoundRating | None:
    """The image's rating: sidecar, then embedded XMP, then EXIF; the first that states one
    wins, and a stated 0 ("no rating") ends the search. A corrupt sidecar raises SidecarError,
    which the caller records as an index error before going on."""
    path = existing_sidecar(image_path)
    if path is not None and (stars := _first_rating(load_sidecar(path)[1])) is not None:
        return _found(stars, f"sidecar:{path}")
    if (stars := rating_from_packet(embedded_xmp) if embedded_xmp else None) is not None:
        return _found(stars, "embedded-xmp")
    return _found(rating_from_exif(exif), "exif")
