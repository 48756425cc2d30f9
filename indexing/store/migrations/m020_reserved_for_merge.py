"""Migration 20: a placeholder, so that this branch's migration 22 runs with no gap. Numbers 20 and
21 belong to branches merged beside this one; the lead drops this file at the merge."""

from __future__ import annotations

import sqlite3


def apply(conn: sqlite3.Connection) -> None:
    """Nothing: the number is reserved for another branch's migration."""
