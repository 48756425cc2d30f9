"""People written back to XMP sidecars as face regions (the Metadata Working Group's
`mwg-rs:Regions`, which digiKam, Lightroom and Picasa read), opt-in like the rating
sidecars (Settings.write_xmp_faces).

The sidecar's other bytes stay as they were: only its `mwg-rs:Regions` element is replaced
(or one is added to its first top-level rdf:Description). Regions another app wrote that
are not named faces, or that lie on no face Pictor knows, are carried over as they were
written; a named face region on a face Pictor knows is Pictor's to say (renamed, or
dropped when the face has no name now). The result is read back with the reader
(indexing.ingest.xmp_regions) and must give exactly the names meant, or nothing is
written. Boxes are fractions of the upright image, as the reader takes them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from indexing.curate.xmp import _replace_file
from indexing.ingest.xmp_read import (
    RDF_NS,
    SidecarError,
    UnsafeXml,
    existing_sidecar,
    load_sidecar,
    sidecar_candidates,
)
from indexing.ingest.xmp_regions import MWG_RS, ST_AREA, NamedRegion, parse_regions
from indexing.store.faces import SAME_FACE, Box, box_overlap

_SEP = "\x01"
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_NEW_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Pictor">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="">
{regions}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


@dataclass(frozen=True, slots=True)
class NamedFace:
    """A face Pictor knows in the image: its box, and its person's name (None: unnamed)."""

    name: str | None
    box: Box


@dataclass
class _Span:
    start: int
    end: int = 0
    open_end: int = 0
    close: int = -1  # where its end tag starts (-1: self-closing)
    fields: dict[str, str] | None = None  # a region's Name, Type and area


@dataclass
class _Found:
    rdf_prefix: str = "rdf"
    description: _Span | None = None  # the first top-level rdf:Description
    regions: _Span | None = None  # its mwg-rs:Regions
    items: list[_Span] | None = None  # the RegionList's rdf:li, in order
    extras: list[_Span] | None = None  # the Regions' other children (AppliedToDimensions)


def write_sidecar_regions(image_path: str, faces: Sequence[NamedFace]) -> str | None:
    """Make the sidecar's face regions say the named faces; the sidecar's path, or None
    when there was none and nothing is named (no file is made to say nothing). Raises
    SidecarError with the file as it was."""
    named = [face for face in faces if face.name]
    path = existing_sidecar(image_path)
    if path is None:
        if not named:
            return None
        path = sidecar_candidates(image_path)[0]
        data = _NEW_SIDECAR.format(regions=_regions_xml(named, [], "rdf", "   ")).encode()
        _check(data, named, [], os.path.basename(path))
        _replace_file(path, data)
        return path
    data, _scan = load_sidecar(path)
    new = with_regions(data, faces, os.path.basename(path))
    if new != data:
        _replace_file(path, new)
    return path


def with_regions(data: bytes, faces: Sequence[NamedFace], name: str) -> bytes:
    """The sidecar's bytes with its regions saying the named faces (see the module)."""
    if b"\x00" in data or data.decode("utf-8", "replace").encode() != data:
        raise SidecarError(f"XMP sidecar {name} is not UTF-8; not changed")
    try:
        found = _locate(data)
    except (expat.ExpatError, UnsafeXml, ValueError):
        raise SidecarError(f"XMP sidecar {name} is not well-formed XML; not changed") from None
    if found.description is None:
        raise SidecarError(f"XMP sidecar {name} has no rdf:Description; not changed")
    named = [face for face in faces if face.name]
    kept = [
        item for item in found.items or []
        if not _is_named_face_on(item, [face.box for face in faces])
    ]  # fmt: skip
    kept_regions = [r for item in kept if (r := _region_of(item)) is not None]
    kept_xml = [data[item.start : item.end].decode() for item in kept]
    extras = [data[extra.start : extra.end].decode() for extra in found.extras or []]
    if not named and not kept_xml:
        if found.regions is None:
            return data
        start = _line_start(data, found.regions.start)
        new = data[:start] + data[found.regions.end :]
    else:
        indent = _indent(data, found)
        block = _regions_xml(named, kept_xml, found.rdf_prefix, indent, extras)
        if found.regions is not None:
            new = data[: found.regions.start] + block.lstrip().encode() + data[found.regions.end :]
        else:
            new = _add_to_description(data, found.description, found.rdf_prefix, block)
    _check(new, named, kept_regions, name)
    return new


def _check(data: bytes, named: Sequence[NamedFace], kept: Sequence[NamedRegion], name: str) -> None:
    """The new bytes, read back, name exactly what was meant; else nothing is written."""
    meant = sorted([str(face.name) for face in named] + [r.name for r in kept])
    if sorted(region.name for region in parse_regions(data)) != meant:
        raise SidecarError(f"could not write face regions in XMP sidecar {name} safely")


def _regions_xml(
    named: Sequence[NamedFace],
    kept: Sequence[str],
    rdf: str,
    indent: str,
    extras: Sequence[str] = (),
) -> str:
    """An mwg-rs:Regions element (its namespaces declared on it) listing the named faces,
    then the regions carried over; extras: its other children, as they were written."""
    step = " "
    items = []
    for face in named:
        left, top, width, height = (min(max(v, 0.0), 1.0) for v in face.box)
        area = (
            f'<mwg-rs:Area stArea:x="{left + width / 2:.6f}" stArea:y="{top + height / 2:.6f}" '
            f'stArea:w="{width:.6f}" stArea:h="{height:.6f}" stArea:unit="normalized"/>'
        )
        inner = indent + step * 4
        items.append(
            f'{indent}{step * 3}<{rdf}:li {rdf}:parseType="Resource">\n'
            f"{inner}<mwg-rs:Type>Face</mwg-rs:Type>\n"
            f"{inner}<mwg-rs:Name>{escape(str(face.name))}</mwg-rs:Name>\n"
            f"{inner}{area}\n"
            f"{indent}{step * 3}</{rdf}:li>"
        )
    items += [f"{indent}{step * 3}{item.strip()}" for item in kept]
    return (
        f"{indent}<mwg-rs:Regions xmlns:mwg-rs={quoteattr(MWG_RS)} "
        f'xmlns:stArea={quoteattr(ST_AREA)} {rdf}:parseType="Resource">\n'
        + "".join(f"{indent}{step}{extra.strip()}\n" for extra in extras)
        + f"{indent}{step}<mwg-rs:RegionList>\n"
        f"{indent}{step * 2}<{rdf}:Bag>\n" + "\n".join(items) + "\n"
        f"{indent}{step * 2}</{rdf}:Bag>\n"
        f"{indent}{step}</mwg-rs:RegionList>\n"
        f"{indent}</mwg-rs:Regions>"
    )


def _add_to_description(data: bytes, description: _Span, rdf: str, block: str) -> bytes:
    """The block as the description's last child (a self-closing one is opened)."""
    if data[description.open_end - 2 : description.open_end] == b"/>":
        head = data[description.start : description.open_end - 2].rstrip()
        indent = _indent_at(data, description.start)
        tag = head.split()[0].decode()[1:]
        return (
            data[: description.start] + head + b">\n" + block.encode() + b"\n"
            + indent.encode() + f"</{tag}>".encode() + data[description.open_end :]
        )  # fmt: skip
    at = _line_start(data, description.close)
    return data[:at] + b"\n" + block.encode() + data[at:]


def _indent(data: bytes, found: _Found) -> str:
    """The indentation of the description's children."""
    if found.regions is not None:
        return _indent_at(data, found.regions.start)
    assert found.description is not None
    return _indent_at(data, found.description.start) + "  "


def _indent_at(data: bytes, offset: int) -> str:
    line = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line:offset]
    return prefix.decode() if not prefix.strip() else ""


def _line_start(data: bytes, offset: int) -> int:
    """The newline before `offset` when only indentation lies between (a line goes whole)."""
    newline = data.rfind(b"\n", 0, offset)
    return newline if newline >= 0 and not data[newline + 1 : offset].strip() else offset


def _region_of(item: _Span) -> NamedRegion | None:
    text = parse_regions(_wrap(item))
    return text[0] if text else None


def _wrap(item: _Span) -> str:
    """A region's fields as a tiny packet the reader can parse."""
    fields = item.fields or {}
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF_NS}">'
        f'<rdf:Description xmlns:mwg-rs="{MWG_RS}" xmlns:stArea="{ST_AREA}"><mwg-rs:Regions '
        'rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li rdf:parseType="Resource">'
        + "".join(
            f"<{'stArea' if key in ('x', 'y', 'w', 'h', 'unit') else 'mwg-rs'}:{key}>"
            f"{escape(value)}</{'stArea' if key in ('x', 'y', 'w', 'h', 'unit') else 'mwg-rs'}"
            f":{key}>"
            for key, value in fields.items()
        )
        + "</rdf:li></rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description>"
        "</rdf:RDF></x:xmpmeta>"
    )


def _is_named_face_on(item: _Span, boxes: Sequence[Box]) -> bool:
    """A named face region on one of these faces: Pictor's to say."""
    region = _region_of(item)
    if region is None:
        return False
    box = (region.left, region.top, region.width, region.height)
    return any(box_overlap(box, other) >= SAME_FACE for other in boxes)


def _locate(data: bytes) -> _Found:
    """The first top-level rdf:Description, its mwg-rs:Regions and the regions listed."""
    parser = expat.ParserCreate(None, namespace_separator=_SEP)
    parser.namespace_prefixes = parser.ordered_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    found = _Found(items=[], extras=[])
    path: list[str] = []
    open_spans: list[_Span | None] = []
    text: list[str] = []

    def refuse(*_: Any) -> None:
        raise UnsafeXml

    def expanded(name: str) -> tuple[str, str, str]:
        parts = name.split(_SEP)
        return parts[0], parts[1], parts[2] if len(parts) == 3 else ""

    def start(name: str, attributes: list[str]) -> None:
        uri, local, prefix = expanded(name)
        here = parser.CurrentByteIndex
        tag = _START_TAG.match(data, here)
        span = _Span(here, open_end=tag.end() if tag else here)
        depth = len(path)
        keep: _Span | None = None
        if uri == RDF_NS and local == "RDF":
            found.rdf_prefix = prefix or "rdf"
        elif uri == RDF_NS and local == "Description" and path and path[-1] == f"{RDF_NS}RDF":
            if found.description is None:
                keep = found.description = span
        elif (
            uri == MWG_RS
            and local == "Regions"
            and found.regions is None
            and depth
            and (path[-1] == f"{RDF_NS}Description" and open_spans[-1] is found.description)
        ):
            keep = found.regions = span
        elif (
            found.regions is not None
            and open_spans
            and open_spans[-1] is found.regions
            and ((uri, local) != (MWG_RS, "RegionList"))
        ):
            keep = span
            assert found.extras is not None
            found.extras.append(span)
        elif (
            uri == RDF_NS and local == "li" and found.regions is not None
            and found.regions.end == 0 and len(path) >= 2 and path[-2] == f"{MWG_RS}RegionList"
        ):  # fmt: skip
            keep = span
            span.fields = {}
            assert found.items is not None
            found.items.append(span)
        if keep is None and found.items and found.items[-1].end == 0:
            item = found.items[-1]
            for key, value in zip(attributes[::2], attributes[1::2], strict=True):
                _field(item, *expanded(key)[:2], value)
        if keep is not None and keep.fields is not None:
            for key, value in zip(attributes[::2], attributes[1::2], strict=True):
                _field(keep, *expanded(key)[:2], value)
        path.append(f"{uri}{local}")
        open_spans.append(keep)
        text.clear()

    def chars(chunk: str) -> None:
        text.append(chunk)

    def end(name: str) -> None:
        uri, local, _ = expanded(name)
        span = open_spans.pop()
        path.pop()
        if found.items and found.items[-1].end == 0 and "".join(text).strip():
            _field(found.items[-1], uri, local, "".join(text).strip())
        text.clear()
        if span is None:
            return
        if data[span.open_end - 2 : span.open_end] == b"/>":
            span.end = span.open_end
        else:
            span.close = parser.CurrentByteIndex
            span.end = data.find(b">", span.close) + 1

    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    parser.Parse(data, True)
    return found


def _field(item: _Span, uri: str, local: str, value: str) -> None:
    assert item.fields is not None
    if (uri == MWG_RS and local in ("Name", "Type")) or (
        uri == ST_AREA and local in ("x", "y", "w", "h", "unit")
    ):
        item.fields.setdefault(local, value)
