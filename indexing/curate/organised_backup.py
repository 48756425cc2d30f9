"""Albums, tags and captions in the ratings backup (indexing.curate.ratings_file, version 3),
so that one file holds everything the user made. Sections, each sorted for a stable diff:

  "albums":   [{"path": "Trips/Summer 2024", "order": "date"|"manual", "cover": id|null,
                "created": t, "items": [{"content_id", "position", "added"}],
                "smart": {"version": 1, ...}}]   (optional: a smart album's saved query)
  "tags":     [{"tag": "Places/Portugal", "content_id", "source": "user"|"xmp", "added"}]
  "captions": [{"content_id", "text", "source": "user"|"xmp", "time"}]
  "event_decisions": [{"decision": "accepted"|"dismissed", "title", "members": [id], "time"}]
              (optional, as the smart album's "smart" key: what was done with proposed event
              albums, so a dismissed one stays dismissed in a restored library)
  "album_folders": [{"path": "Trips/2024", "created": t}]   (optional: every folder of
              albums, so an empty one comes back too)

An album's items keep their "position": the manual order (indexing.curate.album_order;
positions may be negative or have gaps, only their order counts). A backup made before
folders were listed has no "album_folders" and imports as before.

Import merges: an album is found by its path (made, with its folders, if missing) and gains
the items it lacks; a tag is added where missing; a caption follows --on-conflict as a
rating does. Validation is the ratings file's: any bad entry and nothing is imported.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from indexing.names.tag_paths import BadName, album_path, tag_path
from indexing.records import CONTENT_ID
from indexing.store import album_folders as folder_rows
from indexing.store import albums as album_rows
from indexing.store import event_rows
from indexing.store import smart_albums as smart_rows
from indexing.store import tags as tag_rows
from indexing.store.catalog import Catalog

SECTIONS = ("albums", "tags", "captions")
SOURCES = ("user", "xmp")


def export_sections(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    smart = smart_rows.smart_queries(catalog)
    albums = [
        {
            "path": album.path,
            "order": album.order_mode,
            "cover": album.cover,
            "created": album.created,
            "items": [
                {"content_id": cid, "position": position, "added": added}
                for cid, position, added in items
            ],
            **({"smart": json.loads(smart[album.id])} if album.id in smart else {}),
        }
        for album, items in album_rows.export_rows(catalog)
    ]
    tags = [
        {"tag": path, "content_id": cid, "source": source, "added": added}
        for path, cid, source, added in tag_rows.tag_rows(catalog)
    ]
    captions = [
        {"content_id": cid, "text": text, "source": source, "time": at}
        for cid, text, source, at in tag_rows.caption_rows(catalog)
    ]
    decisions = [
        {"decision": d.decision, "title": d.title, "members": sorted(d.members), "time": d.at}
        for d in event_rows.decisions(catalog)
    ]
    folders = [
        {"path": folder.path, "created": folder.created}
        for folder in folder_rows.folder_rows(catalog)
    ]
    return {
        "albums": albums, "tags": tags, "captions": captions, "event_decisions": decisions,
        "album_folders": folders,
    }  # fmt: skip


@dataclass(slots=True)
class OrganisedCounts:
    albums_added: int = 0
    album_items_added: int = 0
    tags_added: int = 0
    captions_added: int = 0


def import_sections(
    conn: sqlite3.Connection, document: dict[str, Any], on_conflict: str, now: float
) -> OrganisedCounts:
    """Merge the sections into the catalog, inside the caller's transaction."""
    counts = OrganisedCounts()
    for entry in document.get("album_folders") or []:
        folders, name = album_path(entry["path"], "folder")
        album_rows.folder_id(conn, [*folders, name], entry["created"])
    for entry in document.get("albums") or []:
        folders, name = album_path(entry["path"])
        folder = album_rows.folder_id(conn, folders, entry["created"])
        album = album_rows.album_in(conn, folder, name)
        if album is None:
            album = album_rows.insert_album(conn, name, folder, entry["order"], entry["created"])
            counts.albums_added += 1
            if isinstance(entry.get("smart"), dict):
                smart_rows.put_query(conn, album, json.dumps(entry["smart"], sort_keys=True))
        before = conn.total_changes
        for item in entry["items"]:
            album_rows.put_item(conn, album, item["content_id"], item["position"], item["added"])
        counts.album_items_added += conn.total_changes - before
        if entry.get("cover"):
            album_rows.set_cover_if_none(conn, album, entry["cover"])
    for entry in document.get("tags") or []:
        tag = tag_rows.ensure_tag(conn, tag_path(entry["tag"]), entry["added"])
        counts.tags_added += tag_rows.put_tags(
            conn, tag, [entry["content_id"]], entry["source"], entry["added"]
        )
    for entry in document.get("captions") or []:
        mine = tag_rows.caption_in(conn, entry["content_id"])
        if mine is not None:
            newer = entry["time"] > mine[1]
            if on_conflict == "keep" or (on_conflict == "newer" and not newer):
                continue
            if mine[0] == entry["text"]:
                continue
        tag_rows.put_caption(
            conn, entry["content_id"], entry["text"], entry["source"], entry["time"]
        )
        counts.captions_added += 1
    known = {(d.decision, d.members) for d in event_rows.decisions_in(conn)}
    for entry in document.get("event_decisions") or []:
        key = (entry["decision"], frozenset(entry["members"]))
        if key not in known:
            known.add(key)
            event_rows.put_decision(
                conn, entry["decision"], entry["title"], entry["members"], None, entry["time"]
            )
    return counts


def problems(
    document: dict[str, Any], time_problem: Callable[[Any, float], str | None], now: float
) -> list[str]:
    """Every invalid entry of the three sections, as 'section[index]: what is wrong'."""
    out: list[str] = []
    checks = (("albums", _album), ("tags", _tag), ("captions", _caption))
    for section, check in (*checks, ("event_decisions", _decision), ("album_folders", _folder)):
        entries = document.get(section, [])
        if not isinstance(entries, list):
            out.append(f"{section}: must be a list")
            continue
        for index, entry in enumerate(entries):
            problem = check(entry, time_problem, now) if isinstance(entry, dict) else None
            if not isinstance(entry, dict):
                problem = "not an object"
            if problem:
                out.append(f"{section}[{index}]: {problem}")
    return out


def _id(value: Any) -> str | None:
    ok = isinstance(value, str) and CONTENT_ID.fullmatch(value)
    return None if ok else "content_id is not a content id"


def _album(entry: dict[str, Any], time_problem: Any, now: float) -> str | None:
    try:
        path = entry.get("path")
        album_path(path if isinstance(path, str) else "")
    except BadName as exc:
        return str(exc)
    if entry.get("order") not in ("date", "manual"):
        return "order must be date or manual"
    if entry.get("cover") is not None and _id(entry.get("cover")):
        return "cover is not a content id"
    smart = entry.get("smart")
    if smart is not None and not (
        isinstance(smart, dict) and isinstance(smart.get("version"), int)
    ):
        return "smart must be a saved query with its version"
    items = entry.get("items")
    if not isinstance(items, list):
        return "items must be a list"
    for item in items:
        if not isinstance(item, dict):
            return "an item is not an object"
        position = item.get("position")
        problem = (
            _id(item.get("content_id"))
            or (None if isinstance(position, int) and not isinstance(position, bool)
                else "position must be a whole number")
            or time_problem(item.get("added"), now)
        )  # fmt: skip
        if problem:
            return problem
    return time_problem(entry.get("created"), now)


def _tag(entry: dict[str, Any], time_problem: Any, now: float) -> str | None:
    try:
        tag = entry.get("tag")
        tag_path(tag if isinstance(tag, str) else "")
    except BadName as exc:
        return str(exc)
    return (
        _id(entry.get("content_id"))
        or (None if entry.get("source") in SOURCES else "source must be user or xmp")
        or time_problem(entry.get("added"), now)
    )


def _caption(entry: dict[str, Any], time_problem: Any, now: float) -> str | None:
    text = entry.get("text")
    return (
        _id(entry.get("content_id"))
        or (None if isinstance(text, str) and text.strip() else "text must be a non-empty text")
        or (None if entry.get("source") in SOURCES else "source must be user or xmp")
        or time_problem(entry.get("time"), now)
    )


def _decision(entry: dict[str, Any], time_problem: Any, now: float) -> str | None:
    members = entry.get("members")
    if entry.get("decision") not in ("accepted", "dismissed"):
        return "decision must be accepted or dismissed"
    if not isinstance(entry.get("title"), str):
        return "title must be a text"
    if not isinstance(members, list) or not members:
        return "members must be a list of content ids"
    return next((p for m in members if (p := _id(m))), None) or time_problem(entry.get("time"), now)


def _folder(entry: dict[str, Any], time_problem: Any, now: float) -> str | None:
    try:
        path = entry.get("path")
        album_path(path if isinstance(path, str) else "", "folder")
    except BadName as exc:
        return str(exc)
    return time_problem(entry.get("created"), now)
