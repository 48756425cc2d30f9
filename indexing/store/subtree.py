"""The bounds of a folder's subtree in path order: how every query of "the files under a
folder" is written, so that the unique index on files.path serves it. Its own module so
that the catalog and the row modules below it share one definition."""

from __future__ import annotations


def path_range(folder: str) -> tuple[str, str]:
    """Bounds such that lo <= path < hi selects exactly the paths under folder.

    '/' sorts just before '0', so 'folder/' <= path < 'folder0' is the subtree, and the
    unique index on files.path serves it.
    """
    base = folder.rstrip("/")
    return base + "/", base + "0"
