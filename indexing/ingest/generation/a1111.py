"""The A1111 and Forge format: the `parameters` chunk, prompt lines then a settings line.

'prompt\nNegative prompt: …\nSteps: 20, Sampler: Euler a, CFG scale: 7, …'. The settings
line is read piece by piece in linear time, up to MAX_SETTINGS_PIECES pieces and
MAX_EXTRAS keys; where a crafted one is cut, Generation.cut says where.
"""

from __future__ import annotations

import json
import re

from indexing.ingest.generation.record import MAX_EXTRAS, Generation
from indexing.ingest.generation.values import as_float, as_int, parse_json
from indexing.ingest.prompts import a1111_prompt

MAX_KEY_CHARS = 64  # an A1111 settings key ("Hires upscaler", "ADetailer model 2nd", …)
MAX_SETTINGS_PIECES = 1_000  # "Key: value" pieces of an A1111 settings line (real: 20-60)
SEPARATOR = re.compile(r"[,\n]")


def parse_a1111(parameters: str) -> Generation | None:
    """'prompt\\nNegative prompt: …\\nSteps: 20, Sampler: Euler a, CFG scale: 7, …'."""
    text = "\n" + parameters
    settings_at = text.rfind("\nSteps:")
    body = text if settings_at == -1 else text[:settings_at]
    negative_at = body.find("\nNegative prompt:")
    negative = body[negative_at + len("\nNegative prompt:") :] if negative_at != -1 else ""
    line = text[settings_at:] if settings_at != -1 else ""
    settings, cut = _a1111_settings(line)
    prompt = a1111_prompt(parameters) or None
    if prompt is None and not negative.strip() and not settings:
        return None
    known = {"Steps", "Sampler", "Seed", "CFG scale", "Model", "Size"}
    values = dict(settings)
    steps, seed, cfg = (
        as_int(values.get("Steps")),
        as_int(values.get("Seed")),
        values.get("CFG scale"),
    )
    parsed = {"Steps": steps, "Seed": seed, "CFG scale": as_float(cfg)}
    return Generation(
        tool="A1111",
        prompt=prompt,
        negative_prompt=negative.strip() or None,
        steps=steps,
        sampler=values.get("Sampler") or None,
        seed=seed,
        cfg=parsed["CFG scale"],
        model=values.get("Model") or None,
        size=values.get("Size") or None,
        # a value that is not what its key promises (Steps: abc) is kept, as written
        extras=tuple(
            (key, value)
            for key, value in settings
            if key not in known or (key in parsed and parsed[key] is None)
        ),
        cut=cut,
    )


def _a1111_settings(line: str) -> tuple[list[tuple[str, str]], str | None]:
    """'Steps: 20, Lora hashes: "a: 1, b: 2", Hashes: {…}' -> ([(key, value), …] in order,
    None, or where and why the line was cut).

    Linear in the line's length: a key is at most MAX_KEY_CHARS long, a quoted value ends at
    its closing quote, a JSON value ({…} or […}) where it decodes, any other at the next
    comma or new line. Text that is not 'Key: value' is skipped. A repeated key keeps its
    first place and its last value, as A1111 reads them. Reading stops after
    MAX_SETTINGS_PIECES pieces (read or skipped) or MAX_EXTRAS keys.
    """
    found: dict[str, str] = {}
    pos, end = 0, len(line)
    for _ in range(MAX_SETTINGS_PIECES):
        pos = _skip_separators(line, pos)
        if pos >= end or len(found) >= MAX_EXTRAS:
            break
        key, value_at = _a1111_key(line, pos)
        if key is None:
            pos = _next_separator(line, pos) + 1
            continue
        value, pos = _a1111_value(line, value_at)
        found[key] = value
    pos = _skip_separators(line, pos)
    settings = [(key, value) for key, value in found.items() if value]
    if pos >= end:
        return settings, None
    limit = (
        f"{MAX_EXTRAS:,} settings"
        if len(found) >= MAX_EXTRAS
        else f"{MAX_SETTINGS_PIECES:,} pieces"
    )
    return (
        settings,
        f"Settings cut after {limit}: the line was read to character {pos:,} of {end:,}.",
    )


def _skip_separators(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in ", \t\r\n":
        pos += 1
    return pos


def _next_separator(line: str, pos: int) -> int:
    found = SEPARATOR.search(line, pos)
    return found.start() if found else len(line)


def _a1111_key(line: str, pos: int) -> tuple[str | None, int]:
    colon = line.find(":", pos, pos + MAX_KEY_CHARS + 1)
    key = line[pos:colon].strip() if colon != -1 else ""
    if not key or not key[0].isalnum() or any(c in key for c in ',\n"{}[]'):
        return None, pos
    return key, colon + 1


def _a1111_value(line: str, pos: int) -> tuple[str, int]:
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    first = line[pos : pos + 1]
    if first == '"':
        closing = _closing_quote(line, pos + 1)
        if closing != -1:
            quoted = line[pos : closing + 1]
            value = parse_json(quoted)
            return (value if isinstance(value, str) else quoted[1:-1]).strip(), closing + 1
    if first in ("{", "["):
        try:
            _, after = json.JSONDecoder().raw_decode(line, pos)
            return line[pos:after].strip(), after
        except (ValueError, RecursionError):
            pass
    cut = _next_separator(line, pos)
    return line[pos:cut].strip(), cut


def _closing_quote(line: str, pos: int) -> int:
    while True:
        at = line.find('"', pos)
        if at == -1:
            return -1
        backslashes = len(line[pos:at]) - len(line[pos:at].rstrip("\\"))
        if backslashes % 2 == 0:
            return at
        pos = at + 1
