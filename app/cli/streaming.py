"""One JSON document written as it is made, for `--all`: a list of any length never builds
one giant string or list in memory. The document is still exactly one valid JSON value."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO


def stream_document(
    head: dict[str, Any], key: str, items: Iterable[dict[str, Any]], out: TextIO | None = None
) -> int:
    """Write {**head, key: [items...]} to out (stdout), one item at a time; return how many."""
    out = sys.stdout if out is None else out
    dump = json.dumps
    out.write("{")
    for name, value in head.items():
        out.write(f"{dump(name)}: {dump(value, ensure_ascii=False)}, ")
    out.write(f"{dump(key)}: [")
    count = 0
    for item in items:
        out.write((", " if count else "") + dump(item, ensure_ascii=False))
        count += 1
        if count % 256 == 0:
            out.flush()
    out.write("]}\n")
    out.flush()
    return count
