"""Tags and captions written back to XMP sidecars (opt-in, as ratings are: the setting
`write_xmp_keywords`), so digiKam, Lightroom and darktable see what was tagged in Pictor.

Four fields, as those apps write them and indexing.ingest.xmp_keywords reads them:

    dc:subject               every part of every tag, flat ('Places', 'Portugal', 'Lisbon')
    lr:hierarchicalSubject   'Places|Portugal|Lisbon'
    digiKam:TagsList         'Places/Portugal/Lisbon'
    dc:description           the caption as x-default (other languages already there stay)

Everything else in the sidecar stays byte for byte: only those four elements are cut out
and written again, into the first rdf:Description, declaring a namespace there if it is not
in scope. The result is read back with the importer and must give exactly the tags and the
caption, and the same rating, or nothing is written (as for ratings: indexing.curate.xmp).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape

from indexing.curate.tags import Tags
from indexing.curate.xmp import _replace_file
from indexing.ingest.xmp_keywords import DC, DIGIKAM, LR, RDF, parse_keywords
from indexing.ingest.xmp_read import (
    SidecarError,
    UnsafeXml,
    existing_sidecar,
    load_sidecar,
    scan_xmp,
    sidecar_candidates,
)
from indexing.store.catalog import Catalog
from indexing.store.files import present_paths_of

__all__ = ["SidecarError", "write_sidecar_keywords"]

_SEP = "\x01"
_DESCRIPTION = f"{RDF}{_SEP}Description"
_FIELDS = {
    f"{DC}{_SEP}subject": "subject",
    f"{LR}{_SEP}hierarchicalSubject": "lr",
    f"{DIGIKAM}{_SEP}TagsList": "digikam",
    f"{DC}{_SEP}description": "description-field",
}
_PREFERRED = {DC: "dc", LR: "lr", DIGIKAM: "digiKam", RDF: "rdf"}
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_LANG = "http://www.w3.org/XML/1998/namespace" + _SEP + "lang"
_NEW_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Pictor">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""{declarations}>
{fields}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


@dataclass
class _Element:
    qname: str
    start: int
    open_end: int
    scope: dict[str, str]
    close_start: int = -1
    end: int = 0


@dataclass
class _Scan:
    descriptions: list[_Element] = field(default_factory=list)
    fields: list[_Element] = field(default_factory=list)
    attribute_fields: list[str] = field(default_factory=list)  # a field as an attribute
    other_captions: list[tuple[str, str]] = field(default_factory=list)  # (lang, text)


def _scan(data: bytes) -> _Scan:
    parser = expat.ParserCreate(None, namespace_separator=_SEP)
    parser.namespace_prefixes = parser.ordered_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    scan = _Scan()
    stack: list[tuple[str, _Element | None]] = []  # (role, element)
    bindings: dict[str, list[str]] = {}
    caption: list[Any] = []  # [lang, text] of the rdf:li being read in dc:description

    def refuse(*_: Any) -> None:
        raise UnsafeXml

    def start(name: str, attributes: list[str]) -> None:
        parts = name.split(_SEP)
        expanded = _SEP.join(parts[:2])
        qname = f"{parts[2]}:{parts[1]}" if len(parts) == 3 else parts[-1]
        parent = stack[-1][0] if stack else "other"
        role = _role(parent, expanded)
        if role in ("other", "inside", "caption-alt"):
            stack.append((role, None))
            return
        if role == "caption-li":
            pairs = zip(attributes[::2], attributes[1::2], strict=True)
            values = {_SEP.join(key.split(_SEP)[:2]): value for key, value in pairs}
            caption[:] = [values.get(_LANG, ""), ""]
            stack.append((role, None))
            return
        here = parser.CurrentByteIndex
        tag = _START_TAG.match(data, here)
        scope = {prefix: uris[-1] for prefix, uris in bindings.items() if uris}
        element = _Element(qname, here, tag.end() if tag else len(data), scope)
        stack.append((role, element))
        if role == "description":
            scan.descriptions.append(element)
            for attr in attributes[::2]:
                if _SEP.join(attr.split(_SEP)[:2]) in _FIELDS:
                    scan.attribute_fields.append(attr.split(_SEP)[1])
        elif role != "rdf":
            scan.fields.append(element)

    def text(chunk: str) -> None:
        if stack and stack[-1][0] == "caption-li" and caption:
            caption[1] += chunk

    def end(_: str) -> None:
        role, element = stack.pop()
        if role == "caption-li" and caption:
            scan.other_captions.append((caption[0], caption[1].strip()))
            caption.clear()
        if element is None:
            return
        if data[element.open_end - 2 : element.open_end] == b"/>":
            element.end = element.open_end
        else:
            element.close_start = parser.CurrentByteIndex
            element.end = data.find(b">", element.close_start) + 1

    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    parser.StartNamespaceDeclHandler = lambda p, uri: bindings.setdefault(p or "", []).append(uri)
    parser.EndNamespaceDeclHandler = lambda prefix: bindings[prefix or ""].pop()
    parser.StartElementHandler, parser.CharacterDataHandler = start, text
    parser.EndElementHandler = end
    parser.Parse(data, True)
    return scan


def _role(parent: str, expanded: str) -> str:
    """What an element is, from its parent's role: only what the write needs is told apart."""
    if parent == "other":
        return "rdf" if expanded == f"{RDF}{_SEP}RDF" else "other"
    if parent == "rdf":
        return "description" if expanded == _DESCRIPTION else "inside"
    if parent == "description":
        return _FIELDS.get(expanded, "inside")
    if parent == "description-field":
        return "caption-alt"
    if parent == "caption-alt":
        return "caption-li" if expanded == f"{RDF}{_SEP}li" else "inside"
    return "inside"


def _prefix(scope: dict[str, str], uri: str, declare: dict[str, str]) -> str:
    """The prefix of uri in scope, else a new one added to `declare` (prefix -> uri)."""
    for prefix, bound in [*scope.items(), *declare.items()]:
        if bound == uri and prefix:
            return prefix
    base = _PREFERRED[uri]
    taken = set(scope) | set(declare)
    prefix = next(p for p in (base, *(f"{base}{n}" for n in range(1, 99))) if p not in taken)
    declare[prefix] = uri
    return prefix


def _bag(qname: str, rdf: str, kind: str, items: Sequence[str], indent: str) -> str:
    lis = "".join(f"{indent}   <{rdf}:li>{escape(item)}</{rdf}:li>\n" for item in items)
    inner = f"{indent} <{rdf}:{kind}>\n{lis}{indent} </{rdf}:{kind}>"
    return f"{indent}<{qname}>\n{inner}\n{indent}</{qname}>"


def _fields_xml(
    tags: Sequence[str],
    caption: str | None,
    captions: list[tuple[str, str]],
    scope: dict[str, str],
    declare: dict[str, str],
    indent: str,
) -> str:
    rdf = _prefix(scope, RDF, declare)
    out = []
    if tags:
        parts = list(dict.fromkeys(part for tag in tags for part in tag.split("/")))
        dc, lr, dk = (_prefix(scope, uri, declare) for uri in (DC, LR, DIGIKAM))
        out.append(_bag(f"{dc}:subject", rdf, "Bag", parts, indent))
        out.append(
            _bag(
                f"{lr}:hierarchicalSubject", rdf, "Bag", [t.replace("/", "|") for t in tags], indent
            )
        )
        out.append(_bag(f"{dk}:TagsList", rdf, "Seq", list(tags), indent))
    others = [(lang, text) for lang, text in captions if lang and lang != "x-default" and text]
    if caption or others:  # a caption cleared keeps the other languages' captions
        dc = _prefix(scope, DC, declare)
        lis = (
            [f'{indent}   <{rdf}:li xml:lang="x-default">{escape(caption)}</{rdf}:li>\n']
            if caption
            else []
        )
        lis += [
            f'{indent}   <{rdf}:li xml:lang="{escape(lang)}">{escape(text)}</{rdf}:li>\n'
            for lang, text in others
        ]
        out.append(
            f"{indent}<{dc}:description>\n{indent} <{rdf}:Alt>\n{''.join(lis)}"
            f"{indent} </{rdf}:Alt>\n{indent}</{dc}:description>"
        )
    return "\n".join(out)


def _blank_line_start(data: bytes, offset: int) -> int:
    newline = data.rfind(b"\n", 0, offset)
    return newline if newline >= 0 and not data[newline + 1 : offset].strip() else offset


def _with_keywords(data: bytes, tags: Sequence[str], caption: str | None, name: str) -> bytes:
    try:
        scan = _scan(data)
    except (expat.ExpatError, LookupError, ValueError, UnsafeXml):
        raise SidecarError(f"XMP sidecar {name} cannot be read; not changed") from None
    if not scan.descriptions:
        raise SidecarError(f"XMP sidecar {name} has no rdf:Description; not changed")
    if scan.attribute_fields:
        raise SidecarError(
            f"XMP sidecar {name} holds {scan.attribute_fields[0]} as an attribute; not changed"
        )
    target = scan.descriptions[0]
    cuts = [(_blank_line_start(data, f.start), f.end) for f in scan.fields]
    declare: dict[str, str] = {}
    indent = _indent(data, target) + " "
    fields = _fields_xml(tags, caption, scan.other_captions, target.scope, declare, indent)
    edits: list[tuple[int, int, bytes]] = [(a, b, b"") for a, b in cuts]
    if fields:
        if target.close_start < 0:  # <rdf:Description .../>: open it
            closing = f">\n{fields}\n{indent[:-1]}</{target.qname}>".encode()
            edits.append((target.open_end - 2, target.open_end, closing))
        else:
            at = _blank_line_start(data, target.close_start)
            edits.append((at, at, f"\n{fields}".encode()))
    if declare:
        at = target.open_end - (2 if data[target.open_end - 2 : target.open_end] == b"/>" else 1)
        attrs = "".join(f'\n{indent}  xmlns:{p}="{uri}"' for p, uri in declare.items())
        edits.append((at, at, attrs.encode()))
    new = data
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        new = new[:start] + replacement + new[end:]
    # A caption cleared leaves the other languages' captions, which readers then show.
    kept = [text for lang, text in scan.other_captions if lang and lang != "x-default" and text]
    _check(data, new, tags, caption or (kept[0] if kept else None), name)
    return new


def _indent(data: bytes, element: _Element) -> str:
    line_start = data.rfind(b"\n", 0, element.start) + 1
    before = data[line_start : element.start]
    return before.decode() if not before.strip() else " "


def _check(old: bytes, new: bytes, tags: Sequence[str], caption: str | None, name: str) -> None:
    """Read back: the same tags and caption as asked, the same rating as before."""
    try:
        found = parse_keywords(new)
        same_rating = [r[2] for r in scan_xmp(old).ratings] == [r[2] for r in scan_xmp(new).ratings]
    except (expat.ExpatError, LookupError, ValueError, UnsafeXml):
        found, same_rating = None, False
    ok = (
        found is not None
        and same_rating
        and [t.lower() for t in found.tags] == [t.lower() for t in tags]
        and (found.caption or None) == (caption or None)
    )
    if not ok:
        raise SidecarError(f"could not write the tags to XMP sidecar {name} safely; not changed")


def write_sidecar_keywords(image_path: str, tags: Sequence[str], caption: str | None) -> str | None:
    """Make the image's sidecar state these tags and this caption (none: remove them); its
    path, or None when there was no sidecar and nothing to write. Raises SidecarError, with
    the file as it was, when the sidecar cannot be changed safely."""
    tags = list(dict.fromkeys(tags))
    caption = (caption or "").strip() or None
    path = existing_sidecar(image_path)
    if path is None:
        if not tags and not caption:
            return None
        path = sidecar_candidates(image_path)[0]
        declare: dict[str, str] = {}
        fields = _fields_xml(tags, caption, [], {"rdf": RDF}, declare, "   ")
        attrs = "".join(f'\n    xmlns:{p}="{uri}"' for p, uri in declare.items())
        data = _NEW_SIDECAR.format(declarations=attrs, fields=fields).encode()
        _check(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>', data, tags, caption, path)
        _replace_file(path, data)
        return path
    data, _ = load_sidecar(path)
    new = _with_keywords(data, tags, caption, path.rsplit("/", 1)[-1])
    if new != data:
        _replace_file(path, new)
    return path


def write_back(catalog: Catalog, content_ids: Sequence[str]) -> tuple[int, list[str]]:
    """Write each content's tags and caption, as the catalog holds them now, to the sidecar
    of each of its files: (sidecars written, one line per sidecar that could not be)."""
    tags = Tags(catalog)
    written, problems = 0, []
    for cid in dict.fromkeys(content_ids):
        found, caption = tags.of(cid), tags.caption(cid)
        for path in present_paths_of(catalog, cid):
            try:
                written += write_sidecar_keywords(path, found, caption) is not None
            except SidecarError as exc:
                problems.append(str(exc))
    return written, problems
