"""Named face regions from XMP (the Metadata Working Group's `mwg-rs:Regions`), as digiKam,
Lightroom and Picasa write them, so that people named in another app arrive named.

A region's area is its centre (stArea:x, stArea:y) and size (stArea:w, stArea:h) as
fractions of the image; only regions of type Face with a name and a normalised area are
kept. Fields may be attributes or child elements, under any prefix. A DTD is refused, as
in xmp_read (XMP never has one; entity bombs need one); malformed XML yields no region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from indexing.ingest.xmp_read import SidecarError, UnsafeXml, existing_sidecar, load_sidecar

MWG_RS = "http://www.metadataworkinggroup.com/schemas/regions/"
ST_AREA = "http://ns.adobe.com/xmp/sType/Area#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MAX_NAME = 200
_SEP = "\x01"


@dataclass(frozen=True, slots=True)
class NamedRegion:
    """A named face: its box as fractions of the image (left, top, width, height)."""

    name: str
    left: float
    top: float
    width: float
    height: float


def parse_regions(data: bytes | str) -> list[NamedRegion]:
    """The named face regions in one XMP packet; [] for none or malformed XML."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        return _parse(raw)
    except (expat.ExpatError, UnsafeXml, LookupError, ValueError):
        return []


def _parse(data: bytes) -> list[NamedRegion]:
    parser = expat.ParserCreate(None, namespace_separator=_SEP)
    parser.ordered_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    regions: list[dict[str, str]] = []
    path: list[str] = []  # expanded names of the open elements
    text: list[str] = []

    def refuse(*_: Any) -> None:
        raise UnsafeXml

    def in_region_list() -> bool:
        return f"{MWG_RS}{_SEP}RegionList" in path

    def start(name: str, attributes: list[str]) -> None:
        path.append(name)
        text.clear()
        if name == f"{RDF_NS}{_SEP}li" and in_region_list() and _depth_of_li() == 1:
            regions.append({})
        if regions and in_region_list():
            for key, value in zip(attributes[::2], attributes[1::2], strict=True):
                _keep(regions[-1], key, value)

    def _depth_of_li() -> int:
        after = path[path.index(f"{MWG_RS}{_SEP}RegionList") :]
        return sum(1 for item in after if item == f"{RDF_NS}{_SEP}li")

    def chars(chunk: str) -> None:
        text.append(chunk)

    def end(name: str) -> None:
        if regions and in_region_list() and "".join(text).strip():
            _keep(regions[-1], name, "".join(text).strip())
        text.clear()
        path.pop()

    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    parser.Parse(data, True)
    return [region for fields in regions if (region := _region(fields)) is not None]


def _keep(fields: dict[str, str], name: str, value: str) -> None:
    namespace, _, local = name.partition(_SEP)
    if (namespace == MWG_RS and local in ("Name", "Type")) or (
        namespace == ST_AREA and local in ("x", "y", "w", "h", "unit")
    ):
        fields.setdefault(local, value)


def _region(fields: dict[str, str]) -> NamedRegion | None:
    name = " ".join(fields.get("Name", "").split())
    if not name or len(name) > MAX_NAME or fields.get("Type", "Face") != "Face":
        return None
    if fields.get("unit", "normalized") != "normalized":
        return None
    try:
        x, y, w, h = (float(fields[key]) for key in ("x", "y", "w", "h"))
    except (KeyError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (x, y, w, h)) or not (0 < w <= 1 and 0 < h <= 1):
        return None
    left, top = min(max(x - w / 2, 0.0), 1.0), min(max(y - h / 2, 0.0), 1.0)
    return NamedRegion(name, left, top, min(w, 1.0 - left), min(h, 1.0 - top))


def regions_for(image_path: str, embedded_xmp: str | None) -> tuple[list[NamedRegion], str | None]:
    """The image's named regions: its sidecar's if it has any, else its embedded XMP's.
    Also a one-line warning when the sidecar cannot be read."""
    warning = None
    sidecar = existing_sidecar(image_path)
    if sidecar is not None:
        try:
            found = parse_regions(load_sidecar(sidecar)[0])
            if found:
                return found, None
        except SidecarError as exc:
            warning = str(exc)
    return (parse_regions(embedded_xmp) if embedded_xmp else []), warning
