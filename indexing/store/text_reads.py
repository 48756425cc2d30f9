"""The text read in images (OCR): text_reads (one row per content read, with its state)
and text_lines (the lines, their boxes and confidences), migration 19.

Everything hangs off the content id: an unchanged content is never read twice, a moved or
renamed file keeps its text, and the full-text index (search_text.py) takes the lines
into its text column, queued by the triggers on text_reads.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexing.store.catalog import Catalog

STATES = ("none", "text", "failed")


@dataclass(frozen=True, slots=True)
class ReadRow:
    """What reading one content gave: its state, its lines (text, box as four (x, y)
    corners, confidence) and, when failed, why."""

    content_id: str
    state: str
    lines: Sequence[tuple[str, Sequence[Sequence[int]], float]] = field(default_factory=tuple)
    reason: str | None = None


def pending(catalog: Catalog, engine: str, limit: int | None = None) -> list[tuple[str, str]]:
    """(content id, a present path) of each shown image not yet read by this engine,
    newest first (what was just added is searchable soonest). Videos are not read."""
    rows = catalog.conn.execute(
        """
        SELECT i.content_id, (SELECT f.path FROM files f WHERE f.content_id = i.content_id
                              AND f.status = 'present' ORDER BY f.path LIMIT 1) AS path
        FROM images i
        WHERE i.present_files > 0 AND i.kind != 'video' AND NOT EXISTS (
            SELECT 1 FROM text_reads t WHERE t.content_id = i.content_id AND t.engine = ?)
        ORDER BY i.added_at DESC LIMIT ?
        """,
        (engine, -1 if limit is None else limit),
    )
    return [(row[0], row[1]) for row in rows if row[1] is not None]


def is_catalogued(catalog: Catalog, content_id: str) -> bool:
    return (
        catalog.conn.execute("SELECT 1 FROM images WHERE content_id = ?", (content_id,)).fetchone()
        is not None
    )


def count_pending(catalog: Catalog, engine: str) -> int:
    return catalog.conn.execute(
        """
        SELECT COUNT(*) FROM images i WHERE i.present_files > 0 AND i.kind != 'video'
        AND NOT EXISTS (SELECT 1 FROM text_reads t
                        WHERE t.content_id = i.content_id AND t.engine = ?)
        """,
        (engine,),
    ).fetchone()[0]


def write(catalog: Catalog, rows: Iterable[ReadRow], engine: str) -> int:
    """Record these readings in one short transaction (a content read again replaces its
    lines); returns how many."""
    now = time.time()
    count = 0
    with catalog.transaction() as conn:
        for row in rows:
            if row.state not in STATES:
                raise ValueError(f"unknown text state {row.state!r}")
            conn.execute("DELETE FROM text_lines WHERE content_id = ?", (row.content_id,))
            conn.executemany(
                "INSERT INTO text_lines(content_id, line, text, box, confidence) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    (row.content_id, n, text, json.dumps([list(p) for p in box]), conf)
                    for n, (text, box, conf) in enumerate(row.lines)
                ),
            )
            conn.execute(
                "INSERT INTO text_reads(content_id, state, lines, reason, engine, at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(content_id) DO UPDATE SET "
                "state = excluded.state, lines = excluded.lines, reason = excluded.reason, "
                "engine = excluded.engine, at = excluded.at",
                (row.content_id, row.state, len(row.lines), row.reason, engine, now),
            )
            count += 1
    return count


def lines_of(catalog: Catalog, content_id: str) -> list[dict[str, Any]]:
    """The lines read in one image, in reading order: text, box, confidence."""
    return [
        {"text": text, "box": json.loads(box), "confidence": round(conf, 3)}
        for text, box, conf in catalog.conn.execute(
            "SELECT text, box, confidence FROM text_lines WHERE content_id = ? ORDER BY line",
            (content_id,),
        )
    ]


def state_of(catalog: Catalog, content_id: str) -> dict[str, Any] | None:
    """How the image was read (state, lines, reason, engine, at), or None if not yet."""
    row = catalog.conn.execute(
        "SELECT state, lines, reason, engine, at FROM text_reads WHERE content_id = ?",
        (content_id,),
    ).fetchone()
    if row is None:
        return None
    return {"state": row[0], "lines": row[1], "reason": row[2], "engine": row[3], "at": row[4]}


def counts(catalog: Catalog, engine: str) -> dict[str, int]:
    """Over shown images: read (any state), with text, failed, and pending."""
    read, with_text, failed = catalog.conn.execute(
        """
        SELECT COUNT(*), COALESCE(SUM(t.state = 'text'), 0), COALESCE(SUM(t.state = 'failed'), 0)
        FROM text_reads t JOIN images i ON i.content_id = t.content_id
        WHERE i.present_files > 0 AND t.engine = ?
        """,
        (engine,),
    ).fetchone()
    return {
        "read": read,
        "with_text": with_text,
        "failed": failed,
        "pending": count_pending(catalog, engine),
    }


def failures(catalog: Catalog, limit: int = 100) -> list[tuple[str, str]]:
    """(a present path, reason) of the shown images the engine could not read, or read
    only in part (past MAX_LINES)."""
    return [
        (row[0], row[1])
        for row in catalog.conn.execute(
            """
            SELECT (SELECT f.path FROM files f WHERE f.content_id = t.content_id
                    AND f.status = 'present' ORDER BY f.path LIMIT 1) AS path, t.reason
            FROM text_reads t WHERE t.reason IS NOT NULL ORDER BY t.at DESC LIMIT ?
            """,
            (limit,),
        )
        if row[0] is not None
    ]


def has_text(value: bool) -> tuple[str, list[Any]]:
    """A condition over images `i`: text was read in the image (True) or it was read and
    none was found (False; an image not read yet is neither)."""
    state = "text" if value else "none"
    return (
        "i.content_id IN (SELECT t.content_id FROM text_reads t WHERE t.state = ?)",
        [state],
    )


def rowids_in_state(catalog: Catalog, state: str) -> list[int]:
    """The images rowids (as the facet columns know them) of the contents read with this
    state (the "text" facet counts them under the current filter)."""
    return [
        row[0]
        for row in catalog.conn.execute(
            "SELECT i.rowid FROM text_reads t JOIN images i ON i.content_id = t.content_id "
            "WHERE t.state = ? ORDER BY i.rowid",
            (state,),
        )
    ]


def text_for_search(conn: sqlite3.Connection, content_ids: Sequence[str]) -> dict[str, str]:
    """Each content's lines joined, for the full-text index (search_text._rebuild)."""
    if not content_ids:
        return {}
    marks = ",".join("?" for _ in content_ids)
    found: dict[str, list[str]] = defaultdict(list)
    for cid, text in conn.execute(
        f"SELECT content_id, text FROM text_lines WHERE content_id IN ({marks}) "
        "ORDER BY content_id, line",
        list(content_ids),
    ):
        found[cid].append(text)
    return {cid: "\n".join(lines) for cid, lines in found.items()}
