"""EXIF values as Pictor keeps them: text as its writer meant it, the date taken (with its
offset) and the sort key that falls back to the file's time, GPS degrees, the user comment.

Split from metadata.py, which walks the EXIF directories and PNG chunks: these functions
read one value each, know nothing of Pillow's structures, and are shared by the generation
readers (numbers) and the indexer (date_key).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

EARLIEST_YEAR = 1826  # the oldest surviving photograph (Niépce's view from Le Gras)


def orientation(value: Any) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def clean_str(value: Any) -> str | None:
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
    text = clean_str(value)
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if not EARLIEST_YEAR <= moment.year <= datetime.now().year + 1:
        return None
    offset_text = clean_str(offset)
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


def ratio(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _dms(value: Any, ref: Any) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    parts = [ratio(v) for v in value]
    if any(p is None for p in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600  # type: ignore[operator]
    ref_text = clean_str(ref) or ""
    return -degrees if ref_text.upper() in ("S", "W") else degrees


def gps_position(gps: dict[int, Any]) -> tuple[float | None, float | None, float | None]:
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
    alt = ratio(gps.get(6))
    if alt is not None and gps.get(5) in (1, b"\x01"):
        alt = -alt
    return lat, lon, alt


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
