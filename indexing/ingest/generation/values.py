"""The values of a generation's settings, read leniently: a text, a number, a size.

Every format's reader takes what the tool wrote, whatever its shape: a value that is not
what its key promises gives None (or is shown as written), never an exception.
"""

from __future__ import annotations

import json
from typing import Any

from indexing.ingest.exif_values import ratio


def text_chunk(texts: dict, key: str) -> str | None:
    value = texts.get(key)
    return value if isinstance(value, str) and value.strip() else None


def clean(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:  # not a number, or more digits than int() takes
            number = as_float(value)
            return int(number) if number is not None and number.is_integer() else None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return ratio(value)


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def shown(value: Any) -> str | None:
    """A setting's value as the text a user reads (JSON for a list or a dict)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value, ensure_ascii=False) if value else None
        except (ValueError, TypeError, RecursionError):
            return None
    return clean(value)


def label(key: str) -> str:
    """'cfg_rescale_multiplier' -> 'Cfg rescale multiplier'."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def size_text(width: Any, height: Any) -> str | None:
    w, h = as_int(width), as_int(height)
    return f"{w}x{h}" if w and h and w > 0 and h > 0 else None
