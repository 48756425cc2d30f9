"""EXIF, GPS, and text chunks (AI-generation prompts among them)."""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypeGuard

from PIL import ExifTags, Image, PngImagePlugin

from indexing.ingest.png_text import bounded_texts
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
EARLIEST_YEAR = 1826  # the oldest surviving photograph (Niépce's view from Le Gras)
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
    meta.orientation = _orientation(ifd0.get(TAG_ORIENTATION))
    meta.camera_make = _clean_str(ifd0.get(TAG_MAKE))
    meta.camera_model = _clean_str(ifd0.get(TAG_MODEL))
    meta.lens = _clean_str(exif_ifd.get(TAG_LENS_MODEL))
    offset = exif_ifd.get(TAG_OFFSET_TIME_ORIGINAL)
    meta.taken_at = parse_exif_datetime(
        exif_ifd.get(TAG_DATETIME_ORIGINAL), offset
    ) or parse_exif_datetime(ifd0.get(TAG_DATETIME), offset)
    meta.gps_lat, meta.gps_lon, meta.gps_alt = _gps(gps_ifd)
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


def _orientation(value: Any) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _clean_str(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = as_written(value).replace("\x00", "").strip()
    return value or None


def as_written(text: str) -> str:
    """Text Pillow read as Latin-1 (PNG tEXt and zTXt, EXIF ASCII), as its writer meant it.

    Many writers put UTF-8 there. Where more characters read as UTF-8 than bytes fail to,
    the text is taken as UTF-8, each bad byte as U+FFFD; otherwise it stays Latin-1, as the
    specifications say (a Latin-1 'café' is not valid UTF-8, so it stays 'café').
    """
    if text.isascii():
        return text
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:  # not Latin-1 at all: real text already
        return text
    utf8 = raw.decode("utf-8", "replace")
    refused = utf8.count("\ufffd")
    read = len(utf8) - len(utf8.encode("ascii", "ignore")) - refused
    return utf8 if read > refused else text


def parse_exif_datetime(value: Any, offset: Any = None) -> str | None:
    """'2023:07:14 18:03:22' (+ '+02:00') -> '2023-07-14T18:03:22+02:00'; None if invalid.

    Invalid means unparseable, what cameras write for "no date" ('0000:00:00 00:00:00', or
    blanks: '    :  :     :  :  '), a day that does not exist ('2023:02:30'), or a year
    outside 1826 (the oldest surviving photograph) to next year (the current year + 1, for
    clocks a little fast and time zones ahead). A photo whose date is None sorts by its
    file's modification time instead (see date_key).
    """
    text = _clean_str(value)
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if not EARLIEST_YEAR <= moment.year <= datetime.now().year + 1:
        return None
    offset_text = _clean_str(offset)
    if offset_text:
        try:
            sign = -1 if offset_text.startswith("-") else 1
            hours, minutes = offset_text.lstrip("+-").split(":")
            delta = timedelta(hours=int(hours), minutes=int(minutes)) * sign
            moment = moment.replace(tzinfo=timezone(delta))
        except ValueError:
            pass
    return moment.isoformat()


def date_key(taken_at: str | None, fallback_epoch: float) -> float:
    """A sortable epoch for 'date taken', falling back to the file's mtime."""
    if taken_at:
        try:
            return datetime.fromisoformat(taken_at).timestamp()
        except (ValueError, OverflowError, OSError):
            pass
    return fallback_epoch


def _ratio(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _dms(value: Any, ref: Any) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    parts = [_ratio(v) for v in value]
    if any(p is None for p in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600  # type: ignore[operator]
    ref_text = _clean_str(ref) or ""
    return -degrees if ref_text.upper() in ("S", "W") else degrees


def _gps(gps: dict[int, Any]) -> tuple[float | None, float | None, float | None]:
    """(latitude, longitude, altitude), or all None without a plausible position.

    Exactly 0,0 ("Null Island", in the Gulf of Guinea) is what cameras without a fix write
    by default, so it counts as no position, as do coordinates out of range or unreadable.
    """
    lat = _dms(gps.get(2), gps.get(1))
    lon = _dms(gps.get(4), gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None, None
    if lat == 0 and lon == 0:
        return None, None, None
    alt = _ratio(gps.get(6))
    if alt is not None and gps.get(5) in (1, b"\x01"):
        alt = -alt
    return lat, lon, alt


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
    number = _ratio(value)
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


def decode_user_comment(value: Any) -> str | None:
    """EXIF UserComment: an 8-byte charset prefix, then the text."""
    if isinstance(value, str):
        return value.strip("\x00 ") or None
    if not isinstance(value, bytes) or len(value) < 8:
        return None
    prefix, body = value[:8], value[8:]
    text = _utf16(body) if prefix.startswith(b"UNICODE") else body.decode("utf-8", "replace")
    return text.replace("\x00", "").strip() or None


def _utf16(body: bytes) -> str:
    """UTF-16 of no reliable byte order (writers ignore the EXIF one): the byte order mark's
    if any, else the one that puts the zero bytes of ASCII (spaces, commas, digits) in the
    high byte; big-endian, as A1111 writes it, unless little-endian is clearly likelier."""
    if body[:2] == b"\xff\xfe":
        return body[2:].decode("utf-16-le", "replace")
    if body[:2] == b"\xfe\xff":
        return body[2:].decode("utf-16-be", "replace")
    little = body[1::2].count(0) > body[0::2].count(0)
    return body.decode("utf-16-le" if little else "utf-16-be", "replace")


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


def _a1111_prompt(parameters: str) -> str:
    text = "\n" + parameters  # an empty prompt leaves the text starting with a marker
    for marker in ("\nNegative prompt:", "\nSteps:"):
        cut = text.find(marker)
        if cut != -1:
            return text[:cut].strip()
    return text.strip()


def _comfy_prompt(prompt_json: str) -> str | None:
    try:
        graph = json.loads(prompt_json)
    except (ValueError, TypeError):
        return None
    return _comfy_graph_prompt(graph) if isinstance(graph, dict) else None


def _comfy_graph_prompt(graph: dict[str, Any]) -> str | None:
    """Every positive text encoder's text in a ComfyUI API graph, in graph order."""
    negative_only = _comfy_feeding(graph, "negative") - _comfy_feeding(graph, "positive")
    found: list[str] = []
    for node_id, node in graph.items():
        if not isinstance(node, dict) or "CLIPTextEncode" not in str(node.get("class_type")):
            continue
        if str(node_id) in negative_only:
            continue
        inputs = node.get("inputs") or {}
        for key in ("text", "text_g", "text_l"):
            value = inputs.get(key)
            if isinstance(value, str) and value.strip() and value.strip() not in found:
                found.append(value.strip())
    return "\n".join(found) or None


def _is_comfy_link(value: Any) -> TypeGuard[list[Any]]:
    """In a ComfyUI prompt graph an input wired to another node is [node_id, output_index]."""
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int))


def _comfy_links(node: Any, names: tuple[str, ...] | None = None) -> list[str]:
    """Ids of the nodes wired into a node's inputs (only the named inputs, if names given)."""
    inputs = node.get("inputs") if isinstance(node, dict) else None
    if not isinstance(inputs, dict):
        return []
    values = inputs.values() if names is None else [inputs.get(name) for name in names]
    return [str(value[0]) for value in values if _is_comfy_link(value)]


def _comfy_feeding(graph: dict[str, Any], input_name: str) -> set[str]:
    """Ids of every node upstream of any node's `input_name` input (e.g. a sampler's negative)."""
    stack = [node_id for node in graph.values() for node_id in _comfy_links(node, (input_name,))]
    seen: set[str] = set()
    while stack:
        node_id = stack.pop()
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(_comfy_links(graph.get(node_id)))
    return seen


def _comfy_workflow(workflow_json: str) -> str | None:
    try:
        workflow = json.loads(workflow_json)
    except (ValueError, TypeError):
        return None
    return _comfy_workflow_nodes_prompt(
        workflow.get("nodes") if isinstance(workflow, dict) else None
    )


def _comfy_workflow_nodes_prompt(nodes: Any) -> str | None:
    """Every text encoder's text among a saved ComfyUI workflow's nodes."""
    found: list[str] = []
    for node in nodes or []:
        if isinstance(node, dict) and "CLIPTextEncode" in str(node.get("type")):
            for value in node.get("widgets_values") or []:
                if isinstance(value, str) and value.strip() and value.strip() not in found:
                    found.append(value.strip())
    return "\n".join(found) or None


def extract_prompt(texts: dict[str, str]) -> str | None:
    """The generation prompt from A1111, ComfyUI, InvokeAI or NovelAI metadata, if any.

    Malformed metadata (a node whose inputs are a list, nodes that are a number, JSON nested
    past the recursion limit) means no prompt, never a failed image."""
    try:
        return _extract_prompt(texts)
    except (TypeError, AttributeError, ValueError, KeyError, RecursionError):
        return None


def _extract_prompt(texts: dict[str, str]) -> str | None:
    if texts.get("parameters"):
        return _a1111_prompt(texts["parameters"]) or None
    if texts.get("prompt"):
        prompt = _comfy_prompt(texts["prompt"])
        if prompt:
            return prompt
    if texts.get("workflow"):
        prompt = _comfy_workflow(texts["workflow"])
        if prompt:
            return prompt
    if texts.get("invokeai_metadata"):
        try:
            positive = json.loads(texts["invokeai_metadata"]).get("positive_prompt")
        except (ValueError, TypeError, AttributeError):
            positive = None
        if isinstance(positive, str) and positive.strip():
            return positive.strip()
    if texts.get("Software", "").startswith("NovelAI") and texts.get("Description"):
        return texts["Description"].strip()
    return None
