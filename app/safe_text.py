"""The one way every tab shows a string it did not write itself: as literal text.

File names, paths, EXIF fields, prompts, error messages, folder names and anything typed
reach the page through gr.Markdown. Markdown (and the HTML it allows) would otherwise turn
them into images, links or code spans: `![x](http://…)` or `<img src=…>` in a prompt or an
EXIF field would make the browser fetch an outside URL, which breaks "nothing leaves the
machine", and a back-tick in a file name would break out of a code span.

`literal()` makes such a string inert for both languages at once:
- &, <, > and " become HTML entities (no tag can open);
- every other ASCII punctuation character is backslash-escaped, which CommonMark defines
  as "this character, literally" (no emphasis, link, image, code span, heading or list can
  start, and "http\\://" no longer autolinks);
- control characters, which would split a name across lines or hide in it, are shown as
  their visible Unicode symbols (a new line as ␤), and bidirectional overrides, which
  could make a name read backwards, as ⟨U+202E⟩.
The entities are never backslash-escaped themselves, so nothing is escaped twice.
"""

from __future__ import annotations

import string

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}
_BREAK = "<br>"


def _char(c: str) -> str:
    if c in _ENTITIES:
        return _ENTITIES[c]
    if c in string.punctuation:
        return "\\" + c
    code = ord(c)
    if c == "\n":
        return "␤"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "␡"
    if c in _BIDI:
        return f"⟨U+{code:04X}⟩"
    return c


_TABLE = {chr(code): _char(chr(code)) for code in range(0x80)} | {c: _char(c) for c in _BIDI}


def literal(value: object, *, multiline: bool = False, limit: int | None = None) -> str:
    """value as Markdown that renders exactly as its characters, on one line.

    multiline: keep line breaks as line breaks (for prompts and other long texts) instead
    of showing them as ␤. limit: cut to that many characters first, marking the cut with …
    """
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if multiline:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return _BREAK.join(_escape(line) for line in lines)
    return _escape(text.replace("\r\n", "\n"))


def _escape(text: str) -> str:
    return "".join(_TABLE.get(c, c) for c in text)


def code(value: object) -> str:
    """A path or an identifier in a monospace font, still literal (never a raw code span)."""
    return f"<code>{literal(value)}</code>"
