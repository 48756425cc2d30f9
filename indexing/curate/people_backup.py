"""People in the ratings backup (indexing.curate.ratings_file, version 4): names, merges,
hidden people, "not this person" decisions and the faces the user put in a person, keyed
so that they re-attach after a fresh index of the same photos. A face is its content id
and its box (fractions of the upright image), and a video's face also by the moment it was
seen at (two moments can have faces in the same place); the same detector finds the same
box again, and a box of the backup is a face of the catalog where they overlap by half or
more (intersection over union, indexing.store.faces.SAME_FACE), at the same moment (within
SAME_MOMENT_MS) for a video's face. A backup without moments (written before they were
kept) still imports, matched by box alone. A rejection is kept, as the
catalog keeps it, by content and face centre.

  "people": [{"name": "Ana Silva" | null, "hidden": bool, "created": t,
              "faces": [{"content_id", "box": [left, top, width, height],
                         "moment_ms": ms (a video's face only)}],
              "not":   [{"content_id", "centre": [x, y], "time"}]}]

Import merges: a named person is found by name (made if missing), its faces join it (a
face not found yet waits as a placeholder that the faces stage fills when it finds it);
a face the user has put in another person stays there (with keep and newer: an assignment
carries no time; only --on-conflict replace moves it), and a face the user said is not this
person is never put back in it.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from indexing.curate.people import MAX_NAME
from indexing.records import CONTENT_ID
from indexing.store import faces as face_rows
from indexing.store.catalog import Catalog

SECTIONS = ("people",)


def export_sections(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    return {"people": face_rows.export_people(catalog)}


@dataclass(slots=True)
class PeopleCounts:
    people_added: int = 0
    faces_assigned: int = 0
    rejections_added: int = 0


def import_sections(
    conn: sqlite3.Connection, document: dict[str, Any], on_conflict: str, now: float
) -> PeopleCounts:
    """Merge the people into the catalog, inside the caller's transaction."""
    counts = PeopleCounts()
    for entry in document.get("people") or []:
        # A face's assignment carries no time, so "newer" cannot tell whose is later: only
        # "replace" moves a face the user has put somewhere since the backup was made.
        added, assigned, rejections = face_rows.import_person(
            conn, entry, on_conflict != "replace", now
        )
        counts.people_added += added
        counts.faces_assigned += assigned
        counts.rejections_added += rejections
    return counts


def problems(
    document: dict[str, Any], time_problem: Callable[[Any, float], str | None], now: float
) -> list[str]:
    """Every invalid person, as 'people[index]: what is wrong'."""
    entries = document.get("people", [])
    if not isinstance(entries, list):
        return ["people: must be a list"]
    out = []
    for index, entry in enumerate(entries):
        problem = _person(entry, time_problem, now) if isinstance(entry, dict) else "not an object"
        if problem:
            out.append(f"people[{index}]: {problem}")
    return out


def _person(entry: dict[str, Any], time_problem: Any, now: float) -> str | None:
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME):
        return f"name must be null or a text of 1 to {MAX_NAME} characters"
    if not isinstance(entry.get("hidden"), bool):
        return "hidden must be true or false"
    if entry.get("created") is not None and time_problem(entry.get("created"), now):
        return time_problem(entry.get("created"), now)
    faces, rejections = entry.get("faces"), entry.get("not")
    if not isinstance(faces, list) or not isinstance(rejections, list):
        return "faces and not must be lists"
    for face in faces:
        if not isinstance(face, dict) or _id(face.get("content_id")):
            return "a face needs a content_id"
        if not _fractions(face.get("box"), 4) or face["box"][2] <= 0 or face["box"][3] <= 0:
            return "a face's box must be 4 fractions of the image (left, top, width, height)"
        moment = face.get("moment_ms")
        if moment is not None and (type(moment) is not int or moment < 0):
            return "a face's moment_ms must be a whole number of milliseconds, 0 or more"
    for rejection in rejections:
        if not isinstance(rejection, dict) or _id(rejection.get("content_id")):
            return "a rejection needs a content_id"
        if not _fractions(rejection.get("centre"), 2):
            return "a rejection's centre must be 2 fractions of the image"
        problem = time_problem(rejection.get("time"), now)
        if problem:
            return problem
    return None


def _id(value: Any) -> str | None:
    ok = isinstance(value, str) and CONTENT_ID.fullmatch(value)
    return None if ok else "content_id is not a content id"


def _fractions(values: Any, count: int) -> bool:
    return (
        isinstance(values, list)
        and len(values) == count
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            and -0.5 <= v <= 1.5
            for v in values
        )
    )  # fmt: skip
