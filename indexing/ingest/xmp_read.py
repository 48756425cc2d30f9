"""Star ratings from and to XMP, so Pictor agrees with digiKam, darktable and Lightroom.

Pictor scores 0-10; those apps keep 0-5 stars in `xmp:Rating` (-1 rejected, 0 no rating) in a
sidecar, in the image's XMP packet, or in EXIF. Reading tries them in that order; the first
that states a rating decides, so a sidecar saying 0 (stars removed in darktable) hides an older
in-camera rating. Writing changes only the rating's bytes, located by offset with expat, so
other apps' fields, prefixes and layout stay byte-for-byte, as a re-serialised tree would not.
A DTD is refused (XMP never has one; entity bombs and external entities need one).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
STARS_TO_SCORE = {1: 2.0, 2: 4.0, 3: 6.0, 4: 8.0, 5: 10.0}  # -1 (rejected): 0.0; 0: None
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
_ATTRIBUTE = re.compile(rb"""(\s+)([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_Edit = tuple[int, int, bytes]  # replace data[start:end] with the bytes
_NEW_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Pictor">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
   xmp:Rating="{stars}"/>
 </rdf:RDF>
</x:xmpmeta>
"""


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


def stars_from_score(score: float) -> int:
    """0-5 stars for a 0-10 score, rounded half up (5 -> 3, 7 -> 4, 1 -> 1, 0.5 and 0 -> 0).
    Never -1: a low score is not a verdict, and the other apps hide rejected photos. Scores
    outside 0-10 are clamped; NaN raises ValueError."""
    if not math.isfinite(score):
        raise ValueError(f"a score must be a finite number, not {score!r}")
    return math.floor(min(max(score, 0.0), 10.0) / 2 + 0.5)


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


def _existing_sidecar(image_path: str) -> str | None:
    return next((path for path in sidecar_candidates(image_path) if os.path.exists(path)), None)


class _UnsafeXml(Exception):
    """A DTD: XMP never has one, and entity bombs and external entities need one."""


@dataclass(eq=False)
class _Element:
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
class _Scan:
    rdf: _Element | None = None
    descriptions: list[_Element] = field(default_factory=list)
    # In document order: (description, attribute qname, value) or (element, None, its text).
    ratings: list[tuple[_Element, str | None, str]] = field(default_factory=list)


def _names(name: str) -> tuple[str, str]:
    """expat's 'uri<SEP>local<SEP>prefix' as (expanded name, qname as written)."""
    parts = name.split(_SEP)
    return _SEP.join(parts[:2]), f"{parts[2]}:{parts[1]}" if len(parts) == 3 else parts[-1]


def _scan(data: bytes, encoding: str | None = None) -> _Scan:
    """The rdf:RDF, its rdf:Description children and their xmp:Rating, under any prefix.
    Raises expat.ExpatError or LookupError for malformed XML, _UnsafeXml for a DTD."""
    parser = expat.ParserCreate(encoding, namespace_separator=_SEP)
    parser.namespace_prefixes = parser.ordered_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    scan = _Scan()
    stack: list[_Element | None] = []  # None: an element that does not matter here
    bindings: dict[str, list[str]] = {}  # prefix -> namespaces, innermost last

    def refuse(*_: Any) -> None:
        raise _UnsafeXml

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
        element = _Element(qname, role, here, tag.end() if tag else len(data), scope)
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


def _first_rating(scan: _Scan) -> float | None:
    """Stars of the first valid top-level xmp:Rating, 0 included (it states "no rating")."""
    return next((s for *_, value in scan.ratings if (s := _number(value, -1, 5)) is not None), None)


def _load_sidecar(path: str) -> tuple[bytes, _Scan]:
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
        return data, _scan(data)
    except _UnsafeXml:
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
    if (path := _existing_sidecar(image_path)) is None:
        return None
    return _found(_first_rating(_load_sidecar(path)[1]), f"sidecar:{path}")


def rating_from_packet(xmp_text: str | bytes) -> float | None:
    """Stars (-1..5, 0 included) from an XMP packet, attribute or element form, any prefix.
    None if it states none or is broken: users do not keep it apart from the image, so a
    broken packet is not worth an error."""
    is_text = isinstance(xmp_text, str)
    data = xmp_text.encode("utf-8", "replace") if is_text else bytes(xmp_text or b"")
    data = data.strip(b"\x00 \t\r\n")  # packets come padded
    if not data or len(data) > MAX_SIDECAR_BYTES:
        return None
    try:
        return _first_rating(_scan(data, "utf-8" if is_text else None))
    except (expat.ExpatError, LookupError, ValueError, _UnsafeXml):
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
    path = _existing_sidecar(image_path)
    if path is not None and (stars := _first_rating(_load_sidecar(path)[1])) is not None:
        return _found(stars, f"sidecar:{path}")
    if (stars := rating_from_packet(embedded_xmp) if embedded_xmp else None) is not None:
        return _found(stars, "embedded-xmp")
    return _found(rating_from_exif(exif), "exif")


def write_sidecar_rating(image_path: str, score: float | None) -> str:
    """Set the sidecar rating to stars_from_score(score), or clear it (None); return its path.
    Merges into the sidecar the reader uses, so the next read sees it. With none, creates
    photo.jpg.xmp, which digiKam and darktable read (Lightroom reads sidecars of raw files
    only), but not merely to clear. The image is never opened; an unchanged rating leaves the
    file untouched. Raises SidecarError, with the file as it was, for a sidecar that is
    unreadable, not UTF-8, not XMP, or not safely changeable."""
    value = None if score is None else str(stars_from_score(score))
    path = _existing_sidecar(image_path)
    if path is None:
        path = sidecar_candidates(image_path)[0]
        if value is not None:
            _replace_file(path, _NEW_SIDECAR.format(stars=value).encode())
        return path
    data, scan = _load_sidecar(path)
    new = _with_rating(data, scan, value, os.path.basename(path))
    if new != data:
        _replace_file(path, new)
    return path


def _with_rating(data: bytes, scan: _Scan, value: str | None, name: str) -> bytes:
    """The sidecar's bytes with every top-level rating set to `value` (None: removed). The
    result is parsed again and must say exactly that, or nothing is written."""
    if scan.rdf is None:
        raise SidecarError(f"XMP sidecar {name} has no rdf:RDF element; not changed")
    if b"\x00" in data or data.decode("utf-8", "replace").encode() != data:
        raise SidecarError(f"XMP sidecar {name} is not UTF-8; not changed")
    try:
        edits = [_edit(data, element, qname, value) for element, qname, _ in scan.ratings]
        if value is not None and not edits:
            edits = [_add(data, scan, value)]
        new = data
        for start, end, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):
            new = new[:start] + replacement + new[end:]
        after = [found.strip() for *_, found in _scan(new).ratings]
    except (LookupError, ValueError, expat.ExpatError, _UnsafeXml):
        after = None
    if after is None or after != ([] if value is None else [value] * max(len(after), 1)):
        raise SidecarError(f"could not change the rating in XMP sidecar {name} safely; not changed")
    return new


def _attributes(data: bytes, element: _Element) -> Iterator[re.Match[bytes]]:
    """The start tag's attributes, in order (it is well-formed: each follows the last)."""
    after_name = element.start + 1 + len(element.qname.encode())
    return _ATTRIBUTE.finditer(data, after_name, element.open_end)


def _edit(data: bytes, element: _Element, qname: str | None, value: str | None) -> _Edit:
    """Set (None: remove) one rating: `element`'s attribute `qname`, or the element itself."""
    if qname is not None:
        match = next((m for m in _attributes(data, element) if m.group(2) == qname.encode()), None)
        if match is None:
            raise LookupError(f"{qname} not found in its start tag")
        if value is None:  # with the whitespace before it
            return match.start(), match.end(), b""
        return match.start(3) + 1, match.end(3) - 1, value.encode()
    if value is None:
        return _blank_line_start(data, element.start), element.end, b""
    if element.close_start < 0:  # <xmp:Rating/>
        return element.start, element.end, f"<{element.qname}>{value}</{element.qname}>".encode()
    return element.open_end, element.close_start, value.encode()


def _blank_line_start(data: bytes, offset: int) -> int:
    """The newline before `offset` when only indentation lies between, so a line goes whole."""
    newline = data.rfind(b"\n", 0, offset)
    return newline if newline >= 0 and not data[newline + 1 : offset].strip() else offset


def _xmp_prefix(scope: dict[str, str]) -> str | None:
    prefixes = [prefix for prefix, uri in scope.items() if uri == XMP_NS and prefix]
    return "xmp" if "xmp" in prefixes else next(iter(prefixes), None)


def _add(data: bytes, scan: _Scan, value: str) -> _Edit:
    """A new xmp:Rating attribute on the top-level description that knows the XMP namespace
    (else the first), laid out like its other attributes; or a new description."""
    assert scan.rdf is not None
    knowing = [d for d in scan.descriptions if _xmp_prefix(d.scope)]
    target = (knowing or scan.descriptions or [None])[0]
    scope = (target or scan.rdf).scope
    prefix, declaration = _xmp_prefix(scope), ""
    if prefix is None:  # declare the namespace, under a prefix not taken here
        prefix = next(p for p in ("xmp", *(f"xmp{n}" for n in range(1, 99))) if p not in scope)
        declaration = f'xmlns:{prefix}="{XMP_NS}"'
    parts = [part for part in (declaration, f'{prefix}:Rating="{value}"') if part]
    if target is None:  # an rdf:RDF with no description: add one before its end tag
        rdf, (rdf_prefix, colon, _) = scan.rdf, scan.rdf.qname.partition(":")
        if not colon or rdf.close_start < 0:
            raise LookupError("no rdf:Description to add the rating to")
        new = f' <{rdf_prefix}:Description {rdf_prefix}:about="" {" ".join(parts)}/>'.encode()
        indent = data[_blank_line_start(data, rdf.close_start) : rdf.close_start]
        return rdf.close_start, rdf.close_start, new + indent
    attributes = list(_attributes(data, target))
    last = attributes[-1] if attributes else None
    at = last.end() if last else target.start + 1 + len(target.qname.encode())
    gap = last.group(1).decode() if last and b"\n" in last.group(1) else " "
    return at, at, "".join(gap + part for part in parts).encode()


def _replace_file(path: str, data: bytes) -> None:
    """Temp file in the same folder, then os.replace: other apps see the old or the new file,
    never half. Keeps the old mode (and owner where allowed); writes through a symlink."""
    target = os.path.realpath(path)
    temp = f"{target}.{secrets.token_hex(4)}.tmp"  # same folder; not named like a sidecar
    try:
        old = os.stat(target) if os.path.exists(target) else None
        with open(temp, "xb") as file:  # a new file, with the umask's mode
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if old is not None:
            os.chmod(temp, stat.S_IMODE(old.st_mode))
            with contextlib.suppress(OSError, AttributeError):
                os.chown(temp, old.st_uid, old.st_gid)
        os.replace(temp, target)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SidecarError(f"cannot write XMP sidecar {os.path.basename(path)}: {reason}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)  # left only if something failed
