"""Star ratings written back to XMP sidecars, so digiKam, darktable and Lightroom see them.

Writing changes only the rating's bytes, located by offset with the reader's parser
(indexing.ingest.xmp_read), so other apps' fields, prefixes and layout stay byte-for-byte, as
a re-serialised tree would not. Reading lives in ingest, which imports the stars at index
time; this module is the user's act of rating.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import stat
from collections.abc import Iterator
from xml.parsers import expat

from indexing.ingest.xmp_read import (
    XMP_NS,
    SidecarError,
    UnsafeXml,
    XmpElement,
    XmpScan,
    existing_sidecar,
    load_sidecar,
    scan_xmp,
    sidecar_candidates,
)

__all__ = ["SidecarError", "stars_from_score", "write_sidecar_rating"]


def stars_from_score(score: float) -> int:
    """0-5 stars for a 0-10 score, rounded half up (5 -> 3, 7 -> 4, 1 -> 1, 0.5 and 0 -> 0).
    Never -1: a low score is not a verdict, and the other apps hide rejected photos. Scores
    outside 0-10 are clamped; NaN raises ValueError."""
    if not math.isfinite(score):
        raise ValueError(f"a score must be a finite number, not {score!r}")
    return math.floor(min(max(score, 0.0), 10.0) / 2 + 0.5)


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


def write_sidecar_rating(image_path: str, score: float | None) -> str:
    """Set the sidecar rating to stars_from_score(score), or clear it (None); return its path.
    Merges into the sidecar the reader uses, so the next read sees it. With none, creates
    photo.jpg.xmp, which digiKam and darktable read (Lightroom reads sidecars of raw files
    only), but not merely to clear. The image is never opened; an unchanged rating leaves the
    file untouched. Raises SidecarError, with the file as it was, for a sidecar that is
    unreadable, not UTF-8, not XMP, or not safely changeable."""
    value = None if score is None else str(stars_from_score(score))
    path = existing_sidecar(image_path)
    if path is None:
        path = sidecar_candidates(image_path)[0]
        if value is not None:
            _replace_file(path, _NEW_SIDECAR.format(stars=value).encode())
        return path
    data, scan = load_sidecar(path)
    new = _with_rating(data, scan, value, os.path.basename(path))
    if new != data:
        _replace_file(path, new)
    return path


def _with_rating(data: bytes, scan: XmpScan, value: str | None, name: str) -> bytes:
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
        after = [found.strip() for *_, found in scan_xmp(new).ratings]
    except (LookupError, ValueError, expat.ExpatError, UnsafeXml):
        after = None
    if after is None or after != ([] if value is None else [value] * max(len(after), 1)):
        raise SidecarError(f"could not change the rating in XMP sidecar {name} safely; not changed")
    return new


def _attributes(data: bytes, element: XmpElement) -> Iterator[re.Match[bytes]]:
    """The start tag's attributes, in order (it is well-formed: each follows the last)."""
    after_name = element.start + 1 + len(element.qname.encode())
    return _ATTRIBUTE.finditer(data, after_name, element.open_end)


def _edit(data: bytes, element: XmpElement, qname: str | None, value: str | None) -> _Edit:
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


def _add(data: bytes, scan: XmpScan, value: str) -> _Edit:
    """A new xmp:Rating attribute on the top-level description that knows the XMP namespace
    (else the first), laid out like its other attributes; or a new description."""
    assert scan.rdf is not None
    knowing = [d for d in scan.descriptions if _xmp_prefix(d.scope)]
    target = next(iter(knowing or scan.descriptions), None)
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
