"""Counted nouns and sizes in messages, written one way everywhere."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 image', '2,000 images'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def format_bytes(count: float) -> str:
    """'512 B', '1.5 MB' (decimal units, as file managers show sizes)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"
