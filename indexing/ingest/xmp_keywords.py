"""Keywords and captions read from XMP at index time, as digiKam, Lightroom and darktable write
them, so years of tagging arrive with the photos.

    lr:hierarchicalSubject   Lightroom's hierarchy, 'Places|Portugal|Lisbon'
    digiKam:TagsList         digiKam's hierarchy, 'Places/Portugal/Lisbon'
    dc:subject               flat keywords; one that is a part of a hierarchical tag read
                             above is that tag (Lightroom writes both), not another tag
    dc:description           the caption (its x-default, else its first language)

From a sidecar (indexing.ingest.xmp_read finds and loads it, refusing a DTD and oversized
files) or from the image's own XMP packet. A keyword that is no valid tag path ('/x') is
skipped rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat

from indexing.ingest.xmp_read import MAX_SIDECAR_BYTES, UnsafeXml, existing_sidecar, load_sidecar
from indexing.names.tag_paths import BadName, tag_path

DC = "http://purl.org/dc/elements/1.1/"
LR = "http://ns.adobe.com/lightroom/1.0/"
DIGIKAM = "http://www.digikam.org/ns/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "http://www.w3.org/XML/1998/namespace lang"
_FIELDS = {
    f"{DC} subject": "subject",
    f"{LR} hierarchicalSubject": "hierarchy",
    f"{DIGIKAM} TagsList": "hierarchy",
    f"{DC} description": "description",
}
MAX_CAPTION = 10_000


@dataclass(frozen=True, slots=True)
class Keywords:
    tags: tuple[str, ...]  # normalised tag paths
    caption: str | None

    @property
    def empty(self) -> bool:
        return not self.tags and not self.caption


def parse_keywords(data: bytes, encoding: str | None = None) -> Keywords:
    """The tags and caption an XMP document states. Raises expat.ExpatError, LookupError or
    UnsafeXml (a DTD) for what cannot be read."""
    parser = expat.ParserCreate(encoding, namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    found: dict[str, list[tuple[str, str]]] = {"subject": [], "hierarchy": [], "description": []}
    field: list[str] = []  # the field being read, if any
    item: list[str | None] = []  # the text of the rdf:li being read, and its language
    lang: list[str] = []

    def refuse(*_: object) -> None:
        raise UnsafeXml

    def start(name: str, attributes: dict[str, str]) -> None:
        if name in _FIELDS and not field:
            field.append(_FIELDS[name])
        elif field and name == f"{RDF} li":
            item[:] = [""]
            lang[:] = [attributes.get(XML_LANG, "")]

    def text(chunk: str) -> None:
        if field and item and item[0] is not None:
            item[0] += chunk

    def end(name: str) -> None:
        if field and name == f"{RDF} li" and item and item[0] is not None:
            found[field[0]].append((item[0].strip(), lang[0] if lang else ""))
            item[:] = [None]
        elif name in _FIELDS and field and _FIELDS[name] == field[0]:
            field.clear()

    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    parser.StartElementHandler, parser.CharacterDataHandler = start, text
    parser.EndElementHandler = end
    parser.Parse(data, True)
    return _keywords(found)


def _paths(values: list[str]) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(tag_path(value))
        except BadName:
            continue
    return out


def _keywords(found: dict[str, list[tuple[str, str]]]) -> Keywords:
    hierarchy = _paths([value for value, _ in found["hierarchy"]])
    parts = {part.lower() for path in hierarchy for part in path.split("/")}
    flat = [
        value
        for value in _paths([value.replace("/", " ") for value, _ in found["subject"]])
        if value.lower() not in parts
    ]
    tags = tuple(dict.fromkeys([*hierarchy, *flat]))
    captions = found["description"]
    chosen = next((v for v, lang in captions if lang == "x-default" and v), None)
    chosen = chosen or next((v for v, _ in captions if v), None)
    return Keywords(tags, chosen[:MAX_CAPTION] if chosen else None)


def sidecar_keywords(image_path: str) -> Keywords | None:
    """The keywords of the image's sidecar; None if it has none (so an image's own keywords
    stay when its sidecar only holds a rating). Raises
    xmp_read.SidecarError for a sidecar that cannot be read (the rating import says so)."""
    path = existing_sidecar(image_path)
    if path is None:
        return None
    data, _ = load_sidecar(path)
    try:
        found = parse_keywords(data)
    except (expat.ExpatError, LookupError, ValueError, UnsafeXml):
        return None  # load_sidecar parsed it already: unreachable in practice
    return None if found.empty else found


def packet_keywords(packet: str | bytes | None) -> Keywords | None:
    """The keywords of an image's own XMP packet; None if none or broken."""
    if not packet:
        return None
    data = packet.encode("utf-8", "replace") if isinstance(packet, str) else bytes(packet)
    data = data.strip(b"\x00 \t\r\n")
    if not data or len(data) > MAX_SIDECAR_BYTES:
        return None
    try:
        found = parse_keywords(data, "utf-8" if isinstance(packet, str) else None)
    except (expat.ExpatError, LookupError, ValueError, UnsafeXml):
        return None
    return None if found.empty else found
