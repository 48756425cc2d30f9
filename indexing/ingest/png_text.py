"""Oversized text chunks: drop them, keep the image.

Every text a file carries (PNG tEXt, zTXt, iTXt, compressed or not; XMP; an EXIF
UserComment) is kept up to TEXT_CHUNK_LIMIT (1 MiB) each and TEXT_FILE_LIMIT (2 MiB) in
all per file: `bounded_texts` drops the rest, each named in a warning. An 8 MB prompt in
a plain tEXt chunk would otherwise be stored whole and sent whole to the viewer.

Pillow refuses a whole PNG when one compressed text chunk (zTXt, iTXt) inflates past
PngImagePlugin.MAX_TEXT_CHUNK (1 MiB), or all text together passes MAX_TEXT_MEMORY: a
guard against zip bombs, but it makes a valid image with an 8 MB prompt a "bad file".
When decoding fails for that reason, the decoder retries with the bytes this module
returns: the same PNG without the text chunks over the limit (each named in a warning),
every other chunk untouched. Nothing is inflated beyond the limit to find out.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from PIL import PngImagePlugin

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
TEXT_CHUNK_LIMIT = PngImagePlugin.MAX_TEXT_CHUNK  # 1 MiB of text kept from one chunk
TEXT_FILE_LIMIT = 2 * TEXT_CHUNK_LIMIT  # and from one file in all


@dataclass(frozen=True, slots=True)
class DroppedText:
    keyword: str
    size: str  # "over 1 MiB" or the exact size when known

    def warning(self) -> str:
        return (
            f"text chunk {self.keyword!r} ({self.size}) is too large to keep and was "
            "skipped; the image itself was indexed"
        )


def bounded_texts(texts: dict[str, str]) -> tuple[dict[str, str], list[DroppedText]]:
    """The texts within the limits, in their order, and the ones dropped. Each text over
    TEXT_CHUNK_LIMIT bytes (UTF-8) goes; then, smallest first, texts are kept while the
    file's total stays within TEXT_FILE_LIMIT, so one huge chunk costs only itself."""
    sizes = {key: len(value.encode("utf-8", "surrogatepass")) for key, value in texts.items()}
    dropped = [
        DroppedText(key, _mib(size)) for key, size in sizes.items() if size > TEXT_CHUNK_LIMIT
    ]
    total = 0
    keep: set[str] = set()
    for key in sorted((k for k in texts if sizes[k] <= TEXT_CHUNK_LIMIT), key=sizes.__getitem__):
        if total + sizes[key] > TEXT_FILE_LIMIT:
            size = f"{_mib(sizes[key])}, past the {_mib(TEXT_FILE_LIMIT)} of text kept per file"
            dropped.append(DroppedText(key, size))
        else:
            total += sizes[key]
            keep.add(key)
    return {key: value for key, value in texts.items() if key in keep}, dropped


def is_text_limit_error(exc: BaseException) -> bool:
    text = str(exc)
    return "MAX_TEXT_CHUNK" in text or "MAX_TEXT_MEMORY" in text


def without_oversized_text(
    data: bytes, limit: int | None = None
) -> tuple[bytes, list[DroppedText]]:
    """The PNG minus the text chunks Pillow would refuse: over limit bytes of text each
    (MAX_TEXT_CHUNK by default), or past MAX_TEXT_MEMORY of text in all."""
    limit = PngImagePlugin.MAX_TEXT_CHUNK if limit is None else limit
    if not data.startswith(PNG_SIGNATURE):
        return data, []
    kept = [PNG_SIGNATURE]
    dropped: list[DroppedText] = []
    total = 0
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        body = data[position + 8 : position + 8 + length]
        if kind in TEXT_CHUNKS:
            name = body.partition(b"\0")[0].decode("latin-1", "replace")
            size = _text_size(kind, body, limit)
            if size is None:
                dropped.append(DroppedText(name, f"over {_mib(limit)}"))
            elif total + size > PngImagePlugin.MAX_TEXT_MEMORY:
                dropped.append(DroppedText(name, f"{_mib(size)}, past the total text limit"))
            else:
                total += size
                kept.append(data[position:end])
        else:
            kept.append(data[position:end])
        position = end
        if kind == b"IEND":
            break
    kept.append(data[position:])  # anything after IEND (or a truncated tail) as it was
    return b"".join(kept), dropped


def _text_size(kind: bytes, body: bytes, limit: int) -> int | None:
    """Bytes of text the chunk holds once inflated, or None when that is over limit."""
    rest = body.partition(b"\0")[2]
    if kind == b"tEXt":
        compressed = None
    elif kind == b"zTXt":
        compressed = rest[1:]  # the compression method byte, then zlib data
    else:  # iTXt: flag, method, language tag NUL, translated keyword NUL, text
        compressed = rest[2:].split(b"\0", 2)[-1] if rest[:1] == b"\x01" else None
    if compressed is None:
        return len(rest) if len(rest) <= limit else None
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(compressed, limit + 1)
    except zlib.error:
        return 0  # Pillow skips broken compressed text by itself
    return None if len(text) > limit or inflater.unconsumed_tail else len(text)


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"
