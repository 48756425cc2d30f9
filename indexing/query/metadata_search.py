"""Find by what you know: names, folders, prompts, camera, places and subjects (FTS5).

The query language, for people, not for SQL:

    lisbon beach           both words, anywhere (a word matches a whole word)
    "cyberpunk fox"        the phrase, words next to each other, in order
    invoice*               words starting with "invoice"
    camera:fuji            in one field: name, folder, prompt (prompt and other text
                           chunks and captions), text (only the text read in the image by
                           OCR), caption, camera (camera and lens), place, subject
    album:"Summer 2024"    in that album (or 'Trips/Summer 2024'): a filter, not words
    tag:Places/Portugal    tagged with that tag or one under it: a filter, not words
    place:"new york"       a phrase in a field
    cat OR dog             either
    -blurry, NOT blurry    without
    person:"Ana Silva"     photos with that named person (repeat: all of them); alone, it
                           lists their photos, newest first

Every user word reaches FTS5 as a quoted string, so nothing typed can be FTS5 syntax: an
unbalanced quote closes at the end, a lone `*`, a dangling `OR`/`AND`/`NOT` and stray
brackets are dropped, and an unknown field (`colour:red`) gets one clear sentence naming
the fields. Words are split like file names are when indexed (indexing.store.search_text),
so `IMG_2023` and `invoiceScan` find what they look like.

Order: best first by bm25 (a hit in a name or prompt outranks one in a folder). Ranking
costs a lookup per hit, so a broad query (`pho*` over half a library) ranks a bounded set:
its CANDIDATES most recently indexed matches, by bm25; the matches past them follow, most
recently indexed first, so paging still shows each match once. A query with fewer matches
is ranked whole, as before. The count stops at COUNT_CAP (or the page, if further):
"more than 10,000 match".
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.filters import Filter
from indexing.query.organised import check_known
from indexing.store import search_reads, search_text
from indexing.store.catalog import Catalog

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "file": ("name",),
    "folder": ("folder",),
    "path": ("name", "folder"),
    "prompt": ("prompt", "chunks", "caption"),
    "text": ("text",),
    "caption": ("caption",),
    "camera": ("camera",),
    "lens": ("camera",),
    "place": ("place",),
    "subject": ("subject",),
}
FIELD_HELP = (
    "name:, folder:, prompt:, camera:, lens:, place:, subject:, text:, caption:, album:, tag:, "
    "person:"
)
# album:, tag: and person: are filters on the user's own organisation, taken out of the words.
_ORGANISED = re.compile(r'(?<![^\s(])(album|tag):(?:"([^"]*)"?|([^\s"]+))', re.IGNORECASE)
# bm25 weights, in FTS_COLUMNS order: a hit in the name or prompt outranks one in a folder.
WEIGHTS = {
    "name": 8.0,
    "folder": 3.0,
    "prompt": 5.0,
    "text": 1.0,
    "camera": 4.0,
    "place": 4.0,
    "subject": 2.0,
    "caption": 4.0,
    "chunks": 1.0,
}
FIELD_LABELS = {
    "name": "file name",
    "folder": "folder",
    "prompt": "prompt",
    "text": "text in the image",
    "camera": "camera",
    "place": "place",
    "subject": "subject",
    "caption": "caption",
    "chunks": "text chunk",
    "person": "person",
}
MAX_QUERY_CHARS = 1000
CANDIDATES = 2_000  # a broad query ranks this many matches (the newest) by bm25
COUNT_CAP = 10_000  # matches counted past this say "more than"
MAX_TERMS = 32
_HIT = re.compile("\x02([^\x03]*)\x03")
_PERSON = re.compile(r'(?<![^\s(])person:(?:"([^"]*)"?|([^\s")]+))', re.IGNORECASE)
_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)("?)|([^\s"]+))')


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[str, ...]  # as the index holds them (search_text.split_words)
    columns: tuple[str, ...] = ()  # empty: any column
    prefix: bool = False
    negated: bool = False
    # Other spellings of the same words: the glued word itself ("invoicescan2023") and the
    # parts alone ("invoiceScan" is a prefix of the parts of "invoiceScan2023").
    others: tuple[tuple[str, ...], ...] = ()

    def fts(self) -> str:
        alternatives = [self.words, *self.others]
        phrases = []
        for words in alternatives:
            phrase = '"' + " ".join(words).replace('"', '""') + '"'
            phrases.append(phrase + " *" if self.prefix else phrase)
        inner = phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"
        if self.columns:
            return "{" + " ".join(self.columns) + "} : " + inner
        return inner


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Groups of alternatives (OR within, AND between), minus the negated terms."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.groups

    def match(self) -> str:
        positive = " AND ".join(
            "(" + " OR ".join(term.fts() for term in group) + ")" for group in self.groups
        )
        if not self.excluded:
            return positive
        return f"{positive} NOT ({' OR '.join(term.fts() for term in self.excluded)})"


def parse_query(text: str) -> ParsedQuery:
    """The user's query as FTS5 terms; PictorError (one sentence) when it cannot mean anything."""
    text = (text or "")[:MAX_QUERY_CHARS].replace("\x00", " ")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    negate_next = False
    for match in _TOKEN.finditer(text):
        minus, field_name, quoted, _closing, bare = match.groups()
        if bare is not None and not quoted and field_name is None:
            keyword = bare.strip("()")
            if keyword == "OR":
                join_next = bool(groups)
                continue
            if keyword == "AND":
                continue
            if keyword == "NOT":
                negate_next = True
                continue
        columns: tuple[str, ...] = ()
        if field_name is not None:
            key = field_name.lower()
            if key not in FIELDS:
                raise PictorError(
                    f"unknown field {field_name + ':'!r}; use {FIELD_HELP} "
                    "(or put the words in quotes)"
                )
            columns = FIELDS[key]
        raw = quoted if quoted is not None else bare
        prefix = raw.rstrip("()").endswith("*")
        cleaned = raw.replace("*", " ")
        words = tuple(search_text.split_words(cleaned))
        if not words:
            continue  # a lone '*', brackets, punctuation
        runs = search_text.runs(cleaned)
        others: list[tuple[str, ...]] = []
        if len(words) > len(runs):  # some run was split into parts
            if len(runs) == 1:
                others.append((runs[0],))
            others.append(tuple(part for run in runs for part in search_text.parts_of(run)))
        term = Term(words, columns, prefix, bool(minus) or negate_next, tuple(others))
        negate_next = False
        if term.negated:
            excluded.append(term)
        elif join_next and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
        if len(groups) + len(excluded) > MAX_TERMS:
            raise PictorError(f"the search has more than {MAX_TERMS} terms; use fewer words")
    if excluded and not groups:
        raise PictorError("the search only says what to leave out; add a word to look for")
    return ParsedQuery(tuple(tuple(group) for group in groups), tuple(excluded))


@dataclass(frozen=True, slots=True)
class Match:
    field: str  # a FIELD_LABELS key
    words: tuple[str, ...]  # the words of that field the query hit, each once

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "words": list(self.words)}

    def label(self) -> str:
        return f"{FIELD_LABELS[self.field]} ({', '.join(self.words)})"


@dataclass(frozen=True, slots=True)
class Found:
    content_id: str
    path: str
    width: int
    height: int
    format: str
    taken_at: str | None
    rank: float | None  # bm25 (lower is better); None past a broad query's ranked matches
    matched: tuple[Match, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "path": self.path,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "taken_at": self.taken_at,
            "matched": [m.as_dict() for m in self.matched],
        }


@dataclass(frozen=True, slots=True)
class FindResults:
    query: str
    items: list[Found]
    matching: int
    page: int
    page_size: int
    notes: list[str] = field(default_factory=list)
    more_than: bool = False  # matching is where counting stopped (COUNT_CAP): more match

    def counted(self, noun: str) -> str:
        """'1 image', '2,345 images', 'more than 10,000 images'."""
        if self.more_than:
            return f"more than {self.matching:,} {noun}s"
        return plural(self.matching, noun)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "matching": self.matching,
            "more_than": self.more_than,
            "page": self.page,
            "page_size": self.page_size,
            "items": [item.as_dict() for item in self.items],
            "notes": self.notes,
        }


def flag_terms(
    camera: str | None = None, place: str | None = None, subject: str | None = None
) -> str:
    """CLI flags as field terms: each flag's words must start words of that field
    ('--camera fuji' finds "Fujifilm X-T4")."""
    pieces = []
    for name, value in (("camera", camera), ("place", place), ("subject", subject)):
        if value and value.strip():
            for word in search_text.runs(value):
                pieces.append(f'{name}:"{word}"*')
    return " ".join(pieces)


def ensure_fresh(catalog: Catalog) -> None:
    """Bring the FTS index up to date (cheap when nothing is queued)."""
    search_reads.refresh_if_pending(catalog)


def matching_ids_sql(parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """SQL selecting the content ids that match, for `i.content_id IN (...)`."""
    return search_reads.matching_ids_sql(parsed.match())


def split_organised(query: str, flt: Filter | None) -> tuple[str, Filter | None]:
    """The query without its album: and tag: terms, and flt with them as filters."""
    found: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if key in found or (flt is not None and getattr(flt, key) is not None):
            raise PictorError(f"give one {key}: per search")
        found[key] = value
        return " "

    rest = _ORGANISED.sub(take, (query or "")[:MAX_QUERY_CHARS])
    if not found:
        return query, flt
    values = (flt or Filter()).model_dump(exclude_defaults=True)
    return rest, Filter.parse(**values, **found)


def find(
    catalog: Catalog,
    query: str,
    flt: Filter | None = None,
    *,
    page: int = 1,
    page_size: int = 60,
) -> FindResults:
    """A page of the images whose names or metadata match, best first, with what matched."""
    words, people = split_people(query)
    if people:  # person:NAME is the --person filter (all the named people in the photo)
        flt = (flt or Filter()).model_copy(
            update={"people": (*(flt.people if flt else ()), *people)}
        )
    text, flt = split_organised(words, flt)
    check_known(catalog, flt)
    parsed = parse_query(text)
    if parsed.empty and flt is not None and (flt.organised() or people):
        return _filters_only(catalog, query, flt, people, page, page_size)
    if parsed.empty:
        raise PictorError("type a word to look for in names, prompts, cameras or places")
    if flt is not None and flt.needs_clip:
        raise PictorError(
            "the text-category filters need semantic search; use them in the semantic mode"
        )
    ensure_fresh(catalog)
    condition = None if flt is None or flt.is_empty else flt.where()
    match = parsed.match()
    offset = (page - 1) * page_size
    weights = ", ".join(str(WEIGHTS[column]) for column in search_text.FTS_COLUMNS)
    try:
        rows = search_reads.page(
            catalog, match, condition, offset, page_size, weights=weights, candidates=CANDIDATES
        )
        more_than = False
        if len(rows) < page_size and (rows or page == 1):
            matching = offset + len(rows)
        else:
            cap = max(COUNT_CAP, offset + page_size)
            matching = search_reads.count(catalog, match, condition, cap + 1)
            more_than = matching > cap
            matching = min(matching, cap)
    except sqlite3.OperationalError as exc:  # a query FTS5 still refuses: say so, plainly
        raise PictorError(f"cannot search for {query!r}: {exc}") from None
    matched = _matched_fields(catalog, parsed, [row[1] for row in rows])
    details = search_reads.found_details(catalog, [row[0] for row in rows])
    items = []
    for cid, doc, rank in rows:
        path, width, height, fmt, taken_at = details.get(cid, ("", 0, 0, "", None))
        items.append(
            Found(cid, path, width, height, fmt, taken_at, rank, tuple(matched.get(doc, ())))
        )
    return FindResults(query, items, matching, page, page_size, more_than=more_than)


def split_people(query: str) -> tuple[str, tuple[str, ...]]:
    """The query without its person:NAME terms, and those names."""
    names: list[str] = []

    def take(match: re.Match[str]) -> str:
        name = " ".join((match.group(1) if match.group(1) is not None else match.group(2)).split())
        if name:
            names.append(name)
        return " "

    return _PERSON.sub(take, query or ""), tuple(dict.fromkeys(names))


def _filters_only(
    catalog: Catalog, query: str, flt: Filter, people: tuple[str, ...], page: int, page_size: int
) -> FindResults:
    """album:, tag: or person: with no words: every image they keep, newest first."""
    if flt.needs_clip:
        raise PictorError(
            "the text-category filters need semantic search; use them in the semantic mode"
        )
    condition = flt.where()
    offset = (page - 1) * page_size
    ids = search_reads.newest_where(catalog, condition, offset, page_size)
    details = search_reads.found_details(catalog, ids)
    match = (Match("person", people),) if people else ()
    items = []
    for cid in ids:
        path, width, height, fmt, taken_at = details.get(cid, ("", 0, 0, "", None))
        items.append(Found(cid, path, width, height, fmt, taken_at, None, match))
    matching = search_reads.count_where(catalog, condition)
    return FindResults(query, items, matching, page, page_size)


def _matched_fields(
    catalog: Catalog, parsed: ParsedQuery, docs: list[int]
) -> dict[int, list[Match]]:
    """For each doc, which columns the query's words hit, with a snippet of each."""
    if not docs:
        return {}
    out: dict[int, list[Match]] = {}
    columns = len(search_text.FTS_COLUMNS)
    for row in search_reads.snippets(catalog, parsed.match(), docs, columns):
        matches = []
        for column, text in zip(search_text.FTS_COLUMNS, row[1:], strict=True):
            words = dict.fromkeys(hit.lower() for hit in _HIT.findall(text or ""))
            if words:
                matches.append(Match(column, tuple(words)))
        out[row[0]] = matches
    return out
