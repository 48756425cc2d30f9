"""Counted nouns in messages, written one way everywhere."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 image', '2,000 images'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
