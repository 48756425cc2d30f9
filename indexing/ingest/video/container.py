"""What the container and its headers say, read without decoding: tags, dates, boxes.

A duration from a Matroska DURATION tag, a creation date from the file's tags, the sample
aspect ratio of the stream, and, when FFmpeg has no decoder for the video track, its
codec tag read straight from the MP4/MOV boxes for the error message.
"""

from __future__ import annotations

import os
import re
import struct
from datetime import datetime
from fractions import Fraction
from typing import Any

from indexing.ingest.video.records import DECODE_ERRORS


def sample_aspect_ratio(stream: Any) -> Fraction:
    try:
        sar = stream.sample_aspect_ratio
    except DECODE_ERRORS:
        sar = None
    if not sar or sar <= 0 or not Fraction(1, 4) <= sar <= 4:
        return Fraction(1)
    return Fraction(sar)


def parse_duration_tag(text: str) -> float | None:
    """Matroska's per-stream DURATION tag: "00:01:02.500000000"."""
    match = re.fullmatch(r"\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*", text)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return total if total > 0 else None


def parse_date(value: Any) -> str | None:
    """A creation-time tag as ISO 8601, or None (missing, unparsable, or an epoch zero)."""
    if not value:
        return None
    text = str(value).strip()
    text = re.sub(r"[zZ]$", "+00:00", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # +0200 -> +02:00
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # more than microseconds
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            return None
    if when.year < 1971:  # 1904 and 1970 are the "unset" epochs of MP4 and Unix
        return None
    return when.isoformat()


def codec_tag(path: str) -> str | None:
    """The sample entry of an MP4/MOV's video track (e.g. 'zzzz'), for the error message
    when FFmpeg has no decoder; None when it cannot be found cheaply."""
    try:
        with open(path, "rb") as f:
            moov = _top_level_box(f, b"moov")
            if moov is None:
                return None
            for trak in _boxes(moov, b"trak"):
                mdia = next(_boxes(trak, b"mdia"), None)
                if mdia is None:
                    continue
                hdlr = next(_boxes(mdia, b"hdlr"), b"")
                if hdlr[8:12] != b"vide":
                    continue
                stbl = b""
                for minf in _boxes(mdia, b"minf"):
                    stbl = next(_boxes(minf, b"stbl"), b"")
                stsd = next(_boxes(stbl, b"stsd"), b"")
                tag = stsd[12:16]
                if len(tag) == 4:
                    return tag.decode("latin-1").strip() or None
    except (OSError, struct.error, ValueError):
        return None
    return None


def _top_level_box(f: Any, kind: bytes, limit: int = 64 << 20) -> bytes | None:
    """The payload of the first top-level box of that type (when under limit bytes)."""
    while True:
        header = f.read(8)
        if len(header) < 8:
            return None
        size, box = struct.unpack(">I4s", header)
        skip = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            skip = 16
        if box == kind:
            if size == 0 or size - skip > limit:
                return None
            return f.read(size - skip)
        if size < skip:
            return None
        f.seek(size - skip, os.SEEK_CUR)


def _boxes(payload: bytes, kind: bytes) -> Any:
    """The payloads of the child boxes of that type."""
    at = 0
    while at + 8 <= len(payload):
        size, box = struct.unpack(">I4s", payload[at : at + 8])
        if size < 8:
            return
        if box == kind:
            yield payload[at + 8 : at + size]
        at += size
