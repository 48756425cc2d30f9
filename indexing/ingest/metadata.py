"""EXIF, GPS, and text chunks (AI-generation prompts among them)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import ExifTags, Image

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


def read_metadata(image: Image.Image) -> ImageMetadata:
    """Everything but pixels. Call after image.load(), so late PNG chunks are read too."""
    meta = ImageMetadata()
    exif = image.getexif()
    exif_ifd = exif.get_ifd(EXIF_IFD)
    gps_ifd = exif.get_ifd(GPS_IFD)
    meta.orientation = _orientation(exif.get(TAG_ORIENTATION))
    meta.camera_make = _clean_str(exif.get(TAG_MAKE))
    meta.camera_model = _clean_str(exif.get(TAG_MODEL))
    meta.lens = _clean_str(exif_ifd.get(TAG_LENS_MODEL))
    meta.taken_at = parse_exif_datetime(
        exif_ifd.get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME),
        exif_ifd.get(TAG_OFFSET_TIME_ORIGINAL),
    )
    meta.gps_lat, meta.gps_lon, meta.gps_alt = _gps(gps_ifd)
    meta.exif = _exif_json(exif, exif_ifd, gps_ifd)
    meta.texts = _texts(image, exif_ifd)
    meta.prompt = extract_prompt(meta.texts)
    return meta


def _orientation(value: Any) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _clean_str(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def parse_exif_datetime(value: Any, offset: Any = None) -> str | None:
    """'2023:07:14 18:03:22' (+ '+02:00') -> '2023-07-14T18:03:22+02:00'; None if invalid."""
    text = _clean_str(value)
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
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
    except (TypeError, ValueError, ZeroDivisionError):
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
    if not gps:
        return None, None, None
    lat = _dms(gps.get(2), gps.get(1))
    lon = _dms(gps.get(4), gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
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
        return value.replace("\x00", "").strip()
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, (int, bool)):
        return value
    number = _ratio(value)
    return number if number is not None else str(value)


def _exif_json(exif: Image.Exif, exif_ifd: dict, gps_ifd: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tags, names in ((exif, ExifTags.TAGS), (exif_ifd, ExifTags.TAGS)):
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
    if prefix.startswith(b"UNICODE"):
        encoding = "utf-16-be"
        if body[:2] == b"\xff\xfe" or (len(body) > 1 and body[0] != 0 and body[1] == 0):
            encoding = "utf-16-le"
        text = body.decode(encoding, "replace")
    else:
        text = body.decode("utf-8", "replace")
    return text.replace("\x00", "").strip() or None


def _texts(image: Image.Image, exif_ifd: dict) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, value in (getattr(image, "text", None) or {}).items():
        if isinstance(value, str):
            texts[key] = value
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
    if not isinstance(graph, dict):
        return None
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


def _is_comfy_link(value: Any) -> bool:
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
    nodes = workflow.get("nodes") if isinstance(workflow, dict) else None
    found: list[str] = []
    for node in nodes or []:
        if isinstance(node, dict) and "CLIPTextEncode" in str(node.get("type")):
            for value in node.get("widgets_values") or []:
                if isinstance(value, str) and value.strip() and value.strip() not in found:
                    found.append(value.strip())
    return "\n".join(found) or None


def extract_prompt(texts: dict[str, str]) -> str | None:
    """The generation prompt from A1111, ComfyUI, InvokeAI or NovelAI metadata, if any."""
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
