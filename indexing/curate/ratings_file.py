"""Ratings export and import: a documented, versioned, stable JSON document.

Users keep it in their own backups and diff it, so it is stable: keys sorted, entries in a
fixed order, times as epoch seconds (exact floats), one entry per line of indentation.

Version 4 (version 3 is the same without "people", version 2 also without "albums",
"tags" and "captions", version 1 also without "dismissals"; all are still read):
{
  "format": "pictor-ratings", "version": 2, "exported_at": <epoch seconds>,
  "ratings":     [{"content_id", "score" (0-10), "time", "source" (user|xmp|import),
                   "paths": [every path Pictor knows for it, present ones first]}],
  "preferences": [{"choice_id", "winner", "loser", "time", "outcome" (win|tie), "source"}],
  "history":     [{"content_id", "score" (null: cleared), "source", "time"}],
  "dismissals":  [{"content_ids": [one or more], "time"}]  ("not duplicates" decisions:
                 no two of them are duplicates; one alone: its copies are all kept)
  "albums", "tags", "captions": what the user organised (indexing.curate.organised_backup)
  "people":      names, merges, hidden people, "not this person" and the faces the user put
                 in a person (indexing.curate.people_backup)
}
Content ids are BLAKE2b-128 of the file's bytes (README, "Content identity"), so an import
into a fresh data folder applies to the same images wherever they are found later.

Import is all-or-nothing in one transaction. A file that is not JSON, of another format or
version, or with any invalid entry changes nothing and says what is wrong and where (the
entry, or the line and column): a content id that is not exactly 32 hex digits, a
preference of an image over itself, a time before 1970 or more than a day ahead of this
clock, a number too long to be one, JSON nested past MAX_DEPTH.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexing.curate import organised_backup, people_backup
from indexing.curate.dismissals import Dismissals
from indexing.errors import PictorError
from indexing.records import CONTENT_ID
from indexing.store.catalog import Catalog
from indexing.store.ratings import HISTORY_SOURCES, SOURCES, ImportWrites, export_rows

FORMAT = "pictor-ratings"
VERSION = 4
READABLE = (1, 2, 3, 4)
SECTIONS = (
    "ratings", "preferences", "history", "dismissals", *organised_backup.SECTIONS,
    *people_backup.SECTIONS,
)  # fmt: skip
CONFLICT_MODES = ("keep", "replace", "newer")
FUTURE_SLACK = 86_400.0  # a time up to a day ahead passes (another machine's clock)
MAX_DIGITS = 30  # an integer longer than this is no time or score (2**63 has 19 digits)
MAX_DEPTH = 100  # an export nests 4 deep; past this, say where, rather than recurse
MAX_NAME = 200  # choice ids and sources: short words
JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class LongNumber(str):
    """An integer of more than MAX_DIGITS digits in the file, kept as its digits: Python
    would refuse to convert 5,001 digits, and SQLite stores no integer past 2**63."""

    def __repr__(self) -> str:
        return f"a {len(self.lstrip('-')):,}-digit number"


def _parse_int(digits: str) -> int | LongNumber:
    return int(digits) if len(digits.lstrip("-")) <= MAX_DIGITS else LongNumber(digits)


def export_document(catalog: Catalog, now: float | None = None) -> dict[str, Any]:
    rows = export_rows(catalog)
    paths: dict[str, list[str]] = {}
    for cid, path in rows["paths"]:
        paths.setdefault(cid, []).append(path)
    ratings = [
        {
            "content_id": r[0],
            "score": r[1],
            "time": r[2],
            "source": r[3],
            "paths": paths.get(r[0], []),
        }
        for r in rows["ratings"]
    ]
    preferences = [
        dict(zip(("choice_id", "winner", "loser", "time", "outcome", "source"), row, strict=True))
        for row in rows["preferences"]
    ]
    history = [
        dict(zip(("content_id", "score", "source", "time"), row, strict=True))
        for row in rows["history"]
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
        **organised_backup.export_sections(catalog),
        **people_backup.export_sections(catalog),
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
        f"{counts['history']} changes, {counts.get('dismissals', 0)} not-duplicates decisions, "
        f"{counts.get('albums', 0)} albums, {counts.get('tags', 0)} image tags, "
        f"{counts.get('captions', 0)} captions, {counts.get('people', 0)} people."
    )


def import_sentence(path: str | Path, report: ImportReport) -> str:
    return (
        f"Imported {path}: {report.added} added, {report.replaced} replaced, "
        f"{report.kept} kept, {report.invalid} invalid; {report.preferences_added} preference "
        f"pairs, {report.history_added} changes, {report.dismissals_added} not-duplicates "
        f"decisions, {report.albums_added} albums, {report.album_items_added} album items, "
        f"{report.tags_added} image tags, {report.captions_added} captions, "
        f"{report.people_added} people, {report.faces_assigned} faces' people and "
        f"{report.rejections_added} not-this-person decisions added."
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
    albums_added: int = 0
    album_items_added: int = 0
    tags_added: int = 0
    captions_added: int = 0
    people_added: int = 0
    faces_assigned: int = 0
    rejections_added: int = 0

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
        document = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise PictorError(f"{path.name} is not JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        line, column = _too_deep(text)
        raise PictorError(
            f"{path.name} is nested more than {MAX_DEPTH} levels deep (line {line}, column "
            f"{column}); a ratings export nests 4"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PictorError(f"{path.name} is not a Pictor ratings export")
    if document.get("version") not in READABLE:
        raise PictorError(
            f"{path.name} has schema version {_shown(document.get('version'))}; this Pictor "
            f"reads versions {', '.join(map(str, READABLE))}"
        )
    return document


def _too_deep(text: str) -> tuple[int, int]:
    """(line, column) of the first bracket past MAX_DEPTH levels, strings skipped."""
    depth = 0
    for token in JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                at = token.start()
                return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        elif bracket in "]}":
            depth -= 1
    return 1, 1


def import_document(catalog: Catalog, document: dict[str, Any], on_conflict: str) -> ImportReport:
    """Apply an export to the catalog, all or nothing; see the module docstring."""
    if on_conflict not in CONFLICT_MODES:
        raise PictorError(f"--on-conflict must be one of {', '.join(CONFLICT_MODES)}")
    problems = _problems(document, time.time())
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
        writes = ImportWrites(conn)
        report.history_added = _import_history(writes, document["history"])
        for entry in document["ratings"]:
            _import_rating(writes, entry, on_conflict, report)
        touched = {e["content_id"] for e in document["ratings"] + document["history"]}
        for content_id in sorted(touched):
            _latest_change_is_current(writes, content_id, now)
        for entry in document["preferences"]:
            report.preferences_added += writes.add_preference(
                entry["choice_id"], entry["winner"], entry["loser"], entry["time"],
                entry["outcome"], entry["source"],
            )  # fmt: skip
        report.dismissals_added = Dismissals(catalog).import_sets(
            conn, ((entry["content_ids"], entry["time"]) for entry in document["dismissals"])
        )
        organised = organised_backup.import_sections(conn, document, on_conflict, now)
        people = people_backup.import_sections(conn, document, on_conflict, now)
    report.albums_added = organised.albums_added
    report.album_items_added = organised.album_items_added
    report.tags_added = organised.tags_added
    report.captions_added = organised.captions_added
    report.people_added = people.people_added
    report.faces_assigned = people.faces_assigned
    report.rejections_added = people.rejections_added
    return report


def _import_history(writes: ImportWrites, history: list[dict[str, Any]]) -> int:
    added = 0
    for entry in history:
        change = (entry["content_id"], entry["score"], entry["source"], entry["time"])
        if not writes.has_history(*change):
            writes.add_history(*change)
            added += 1
    return added


def _import_rating(
    writes: ImportWrites, entry: dict[str, Any], mode: str, report: ImportReport
) -> None:
    cid, score, at = entry["content_id"], entry["score"], entry["time"]
    existing = writes.rating_and_time(cid)
    if existing is not None:
        take = mode == "replace" or (mode == "newer" and at > existing[1])
        if not take or (existing[0], existing[1]) == (score, at):
            report.kept += 1
            return
        report.replaced += 1
    else:
        report.added += 1
    writes.put_rating(cid, score, at, entry["source"])


def _latest_change_is_current(writes: ImportWrites, content_id: str, now: float) -> None:
    """Keep the history's promise: its latest row is the current value (an import that kept
    the local rating, or brought history without one, records what stands now)."""
    value = writes.current(content_id)
    if writes.latest_change(content_id) != value:
        writes.add_history(content_id, value, "import", now)


def _problems(document: dict[str, Any], now: float) -> list[str]:
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
            problem = check(entry, now) if isinstance(entry, dict) else "not an object"
            if problem:
                problems.append(f"{section}[{index}]: {problem}")
    return (
        problems
        + organised_backup.problems(document, _time_problem, now)
        + people_backup.problems(document, _time_problem, now)
    )


def _shown(value: Any) -> str:
    """A value as a problem names it: short, whatever the file holds."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _score_problem(score: Any, nullable: bool = False) -> str | None:
    if score is None and nullable:
        return None
    if isinstance(score, LongNumber):
        return f"score is {score!r}, outside 0-10"
    if not _is_number(score):
        return f"score {_shown(score)} is not a number"
    if not (isinstance(score, int) or math.isfinite(score)) or not 0 <= score <= 10:
        return f"score {_shown(score)} is outside 0-10"
    return None


def _time_problem(value: Any, now: float) -> str | None:
    if isinstance(value, LongNumber):
        return f"time is {value!r}, far out of range"
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        return f"time {_shown(value)} is not a number of seconds"
    if value < 0:
        return f"time {_shown(value)} is before 1970"
    if value > now + FUTURE_SLACK:
        today = datetime.fromtimestamp(now, UTC).date()
        return f"time {_shown(value)} is in the future (today is {today})"
    return None


def _id_problem(value: Any, name: str = "content_id") -> str | None:
    ok = isinstance(value, str) and CONTENT_ID.fullmatch(value)
    return None if ok else f"{name} {_shown(value)} is not a content id"


def _name_problem(value: Any, name: str) -> str | None:
    ok = isinstance(value, str) and 0 < len(value) <= MAX_NAME
    return None if ok else f"{name} {_shown(value)} is missing or not a short text"


def _rating_problem(entry: dict[str, Any], now: float) -> str | None:
    paths = entry.get("paths", [])
    return (
        _id_problem(entry.get("content_id"))
        or _score_problem(entry.get("score"))
        or _time_problem(entry.get("time"), now)
        or (None if entry.get("source") in SOURCES else f"source {_shown(entry.get('source'))}")
        or (None if isinstance(paths, list) else "paths must be a list")
    )


def _preference_problem(entry: dict[str, Any], now: float) -> str | None:
    winner, loser = entry.get("winner"), entry.get("loser")
    return (
        _name_problem(entry.get("choice_id"), "choice_id")
        or _id_problem(winner, "winner")
        or _id_problem(loser, "loser")
        or (None if winner != loser else "the winner and the loser are the same image")
        or _time_problem(entry.get("time"), now)
        or (None if entry.get("outcome") in ("win", "tie") else "outcome must be win or tie")
        or _name_problem(entry.get("source"), "source")
    )


def _history_problem(entry: dict[str, Any], now: float) -> str | None:
    source = entry.get("source")
    return (
        _id_problem(entry.get("content_id"))
        or _score_problem(entry.get("score"), nullable=True)
        or _time_problem(entry.get("time"), now)
        or (None if source in HISTORY_SOURCES else f"source {_shown(source)}")
    )


def _dismissal_problem(entry: dict[str, Any], now: float) -> str | None:
    ids = entry.get("content_ids")
    if not isinstance(ids, list) or not ids:
        return "content_ids must be a list of one or more content ids"
    return next((p for p in map(_id_problem, ids) if p), None) or _time_problem(
        entry.get("time"), now
    )
