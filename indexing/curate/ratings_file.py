"""Ratings export and import: a documented, versioned, stable JSON document.

Users keep it in their own backups and diff it, so it is stable: keys sorted, entries in a
fixed order, times as epoch seconds (exact floats), one entry per line of indentation.

Version 2 (version 1 is the same without "dismissals", and is still read):
{
  "format": "pictor-ratings", "version": 2, "exported_at": <epoch seconds>,
  "ratings":     [{"content_id", "score" (0-10), "time", "source" (user|xmp|import),
                   "paths": [every path Pictor knows for it, present ones first]}],
  "preferences": [{"choice_id", "winner", "loser", "time", "outcome" (win|tie), "source"}],
  "history":     [{"content_id", "score" (null: cleared), "source", "time"}],
  "dismissals":  [{"content_ids": [one or more], "time"}]  ("not duplicates" decisions:
                 no two of them are duplicates; one alone: its copies are all kept)
}
Content ids are BLAKE2b-128 of the file's bytes (README, "Content identity"), so an import
into a fresh data folder applies to the same images wherever they are found later.

Import is all-or-nothing in one transaction. A file that is not JSON, of another format or
version, or with any invalid entry changes nothing and says what is wrong.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from indexing.curate.dismissals import Dismissals
from indexing.curate.ratings import HISTORY_SOURCES, SOURCES
from indexing.errors import PictorError
from indexing.store.catalog import Catalog

FORMAT = "pictor-ratings"
VERSION = 2
READABLE = (1, 2)
SECTIONS = ("ratings", "preferences", "history", "dismissals")
CONFLICT_MODES = ("keep", "replace", "newer")
CONTENT_ID = re.compile(r"^[0-9a-f]{32}$")


def export_document(catalog: Catalog, now: float | None = None) -> dict[str, Any]:
    conn = catalog.conn
    paths: dict[str, list[str]] = {}
    for cid, path in conn.execute(
        "SELECT f.content_id, f.path FROM files f JOIN ratings r USING (content_id) "
        "ORDER BY f.content_id, f.status DESC, f.path"
    ):
        paths.setdefault(cid, []).append(path)
    ratings = [
        {
            "content_id": r[0],
            "score": r[1],
            "time": r[2],
            "source": r[3],
            "paths": paths.get(r[0], []),
        }
        for r in conn.execute(
            "SELECT content_id, rating, rated_at, source FROM ratings ORDER BY content_id"
        )
    ]
    preferences = [
        dict(zip(("choice_id", "winner", "loser", "time", "outcome", "source"), row, strict=True))
        for row in conn.execute(
            "SELECT choice_id, winner, loser, created_at, outcome, source FROM preferences "
            "ORDER BY created_at, choice_id, winner, loser"
        )
    ]
    history = [
        dict(zip(("content_id", "score", "source", "time"), row, strict=True))
        for row in conn.execute(
            "SELECT content_id, rating, source, at FROM rating_history ORDER BY content_id, id"
        )
    ]
    dismissals = sorted(
        ({"content_ids": d.content_ids, "time": d.at}
         for d in Dismissals(catalog).listed(with_paths=False)),
        key=lambda d: (d["time"], d["content_ids"]),
    )  # fmt: skip
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.time() if now is None else now,
        "ratings": ratings,
        "preferences": preferences,
        "history": history,
        "dismissals": dismissals,
    }


def write_export(catalog: Catalog, target: str | Path) -> dict[str, int]:
    """Write the export atomically (beside, then rename); return what it holds."""
    document = export_document(catalog)
    path = Path(target).expanduser()
    temporary = path.with_name(path.name + ".part")
    try:
        temporary.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False))
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise PictorError(f"cannot write {path}: {exc.strerror or exc}") from None
    return {key: len(document[key]) for key in SECTIONS}


def export_sentence(path: str | Path, counts: dict[str, int]) -> str:
    """What an export wrote, as the CLI and the Rate tab say it."""
    return (
        f"Wrote {path}: {counts['ratings']} ratings, {counts['preferences']} preference pairs, "
        f"{counts['history']} changes, {counts.get('dismissals', 0)} not-duplicates decisions."
    )


def import_sentence(path: str | Path, report: ImportReport) -> str:
    return (
        f"Imported {path}: {report.added} added, {report.replaced} replaced, "
        f"{report.kept} kept, {report.invalid} invalid; {report.preferences_added} preference "
        f"pairs, {report.history_added} changes and {report.dismissals_added} not-duplicates "
        "decisions added."
    )


@dataclass(slots=True)
class ImportReport:
    added: int = 0
    replaced: int = 0
    kept: int = 0
    invalid: int = 0
    preferences_added: int = 0
    history_added: int = 0
    dismissals_added: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def read_document(source: str | Path) -> dict[str, Any]:
    path = Path(source).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PictorError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PictorError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PictorError(f"{path.name} is not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PictorError(f"{path.name} is not a Pictor ratings export")
    if document.get("version") not in READABLE:
        raise PictorError(
            f"{path.name} has schema version {document.get('version')!r}; this Pictor reads "
            f"versions {', '.join(map(str, READABLE))}"
        )
    return document


def import_document(catalog: Catalog, document: dict[str, Any], on_conflict: str) -> ImportReport:
    """Apply an export to the catalog, all or nothing; see the module docstring."""
    if on_conflict not in CONFLICT_MODES:
        raise PictorError(f"--on-conflict must be one of {', '.join(CONFLICT_MODES)}")
    problems = _problems(document)
    if problems:
        report = ImportReport(invalid=len(problems))
        raise PictorError(
            f"{report.invalid} invalid entries, nothing was imported; first: {problems[0]}"
        )
    report = ImportReport()
    now = time.time()
    document = {
        **document,
        **{key: document.get(key) or [] for key in SECTIONS},
    }
    with catalog.transaction() as conn:
        report.history_added = _import_history(conn, document["history"])
        for entry in document["ratings"]:
            _import_rating(conn, entry, on_conflict, report)
        touched = {e["content_id"] for e in document["ratings"] + document["history"]}
        for content_id in sorted(touched):
            _latest_change_is_current(conn, content_id, now)
        for entry in document["preferences"]:
            report.preferences_added += conn.execute(
                "INSERT OR IGNORE INTO preferences(choice_id, winner, loser, created_at, "
                "outcome, source) VALUES (?, ?, ?, ?, ?, ?)",
                (entry["choice_id"], entry["winner"], entry["loser"], entry["time"],
                 entry["outcome"], entry["source"]),
            ).rowcount  # fmt: skip
        report.dismissals_added = Dismissals(catalog).import_sets(
            conn, ((entry["content_ids"], entry["time"]) for entry in document["dismissals"])
        )
    return report


def _import_history(conn, history: list[dict[str, Any]]) -> int:
    added = 0
    for entry in history:
        known = conn.execute(
            "SELECT 1 FROM rating_history WHERE content_id = ? AND at = ? AND source = ? "
            "AND rating IS ?",
            (entry["content_id"], entry["time"], entry["source"], entry["score"]),
        ).fetchone()
        if known is None:
            conn.execute(
                "INSERT INTO rating_history(content_id, rating, source, at) VALUES (?, ?, ?, ?)",
                (entry["content_id"], entry["score"], entry["source"], entry["time"]),
            )
            added += 1
    return added


def _import_rating(conn, entry: dict[str, Any], mode: str, report: ImportReport) -> None:
    cid, score, at = entry["content_id"], entry["score"], entry["time"]
    existing = conn.execute(
        "SELECT rating, rated_at FROM ratings WHERE content_id = ?", (cid,)
    ).fetchone()
    if existing is not None:
        take = mode == "replace" or (mode == "newer" and at > existing[1])
        if not take or (existing[0], existing[1]) == (score, at):
            report.kept += 1
            return
        report.replaced += 1
    else:
        report.added += 1
    conn.execute(
        "INSERT INTO ratings(content_id, rating, rated_at, source) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(content_id) DO UPDATE SET rating = excluded.rating, "
        "rated_at = excluded.rated_at, source = excluded.source",
        (cid, score, at, entry["source"]),
    )


def _latest_change_is_current(conn, content_id: str, now: float) -> None:
    """Keep the history's promise: its latest row is the current value (an import that kept
    the local rating, or brought history without one, records what stands now)."""
    current = conn.execute(
        "SELECT rating FROM ratings WHERE content_id = ?", (content_id,)
    ).fetchone()
    latest = conn.execute(
        "SELECT rating FROM rating_history WHERE content_id = ? ORDER BY id DESC LIMIT 1",
        (content_id,),
    ).fetchone()
    value = current[0] if current else None
    if (latest[0] if latest else None) != value:
        conn.execute(
            "INSERT INTO rating_history(content_id, rating, source, at) VALUES (?, ?, 'import', ?)",
            (content_id, value, now),
        )


def _problems(document: dict[str, Any]) -> list[str]:
    """Every invalid entry, as 'section[index]: what is wrong'."""
    problems: list[str] = []
    for section, check in (
        ("ratings", _rating_problem),
        ("preferences", _preference_problem),
        ("history", _history_problem),
        ("dismissals", _dismissal_problem),
    ):
        entries = document.get(section, [])
        if not isinstance(entries, list):
            problems.append(f"{section}: must be a list")
            continue
        for index, entry in enumerate(entries):
            problem = check(entry) if isinstance(entry, dict) else "not an object"
            if problem:
                problems.append(f"{section}[{index}]: {problem}")
    return problems


def _score_problem(score: Any, nullable: bool = False) -> str | None:
    if score is None and nullable:
        return None
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return f"score {score!r} is not a number"
    if not math.isfinite(score) or not 0 <= score <= 10:
        return f"score {score} is outside 0-10"
    return None


def _time_problem(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return None if ok else f"time {value!r} is not a number of seconds"


def _id_problem(value: Any, name: str = "content_id") -> str | None:
    ok = isinstance(value, str) and CONTENT_ID.match(value)
    return None if ok else f"{name} {value!r} is not a content id"


def _rating_problem(entry: dict[str, Any]) -> str | None:
    paths = entry.get("paths", [])
    return (
        _id_problem(entry.get("content_id"))
        or _score_problem(entry.get("score"))
        or _time_problem(entry.get("time"))
        or (None if entry.get("source") in SOURCES else f"source {entry.get('source')!r}")
        or (None if isinstance(paths, list) else "paths must be a list")
    )


def _preference_problem(entry: dict[str, Any]) -> str | None:
    choice = entry.get("choice_id")
    return (
        (None if isinstance(choice, str) and choice else "choice_id is missing")
        or _id_problem(entry.get("winner"), "winner")
        or _id_problem(entry.get("loser"), "loser")
        or _time_problem(entry.get("time"))
        or (None if entry.get("outcome") in ("win", "tie") else "outcome must be win or tie")
        or (None if isinstance(entry.get("source"), str) else "source is missing")
    )


def _history_problem(entry: dict[str, Any]) -> str | None:
    return (
        _id_problem(entry.get("content_id"))
        or _score_problem(entry.get("score"), nullable=True)
        or _time_problem(entry.get("time"))
        or (None if entry.get("source") in HISTORY_SOURCES else f"source {entry.get('source')!r}")
    )


def _dismissal_problem(entry: dict[str, Any]) -> str | None:
    ids = entry.get("content_ids")
    if not isinstance(ids, list) or not ids:
        return "content_ids must be a list of one or more content ids"
    return next((p for p in map(_id_problem, ids) if p), None) or _time_problem(entry.get("time"))
