"""Smart albums: a saved search that stays live. The album row is an ordinary album (a name
in a folder, renamed, moved and deleted like any); what it holds is a query, not members:
the filters, sort, metadata query (`find`) and text query (`search`) the CLI and the tabs
take, run each time the album is shown or used as a filter (`--album NAME`).

The query is stored as versioned JSON. A later Pictor that renames or drops a filter field
still opens an old smart album: what no longer applies is left out and said plainly
(`notes`), never guessed at. A smart album may name another album in its filters, smart or
not; one that reaches itself again, directly or through others, is one clear error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indexing.curate.albums import Albums, parse_path
from indexing.errors import PictorError
from indexing.query.filters import SORT_COLUMNS, Filter, SortKey, parse_sort
from indexing.query.listing import ListRequest, list_library
from indexing.query.metadata_search import find, split_organised
from indexing.query.model_folder import ModelFolder
from indexing.query.organised import check_known
from indexing.query.search import Searcher
from indexing.query.search_query import SearchQuery
from indexing.store import albums as album_rows
from indexing.store import smart_albums as rows
from indexing.store.albums import AlbumRow
from indexing.store.catalog import Catalog

VERSION = 1
PAGE = 1000
TEXT_LIMIT = 1000  # a text query keeps its best 1,000 matches (as `search --sort newest`)


@dataclass(frozen=True, slots=True)
class SmartQuery:
    """What a smart album runs. Exactly what `list`, `find` and `search` take."""

    filter: Filter = field(default_factory=Filter)
    sort: SortKey = SortKey.taken
    descending: bool = False
    query: str | None = None  # the metadata query language of `find`, e.g. 'camera:canon'
    text: str | None = None  # a semantic (CLIP) text query, as `search`
    min_score: float = -1.0

    def __post_init__(self) -> None:
        if self.query is not None and self.text is not None:
            raise PictorError("a smart album takes a metadata query or a text query, not both")
        if self.filter.among is not None or self.filter.within is not None:
            raise PictorError("a smart album stores its query, not a list of images")

    @property
    def empty(self) -> bool:
        return self.filter.is_empty and not self.query and not self.text

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "filter": self.filter.model_dump(mode="json", exclude_defaults=True),
            "sort": self.sort.value,
            "descending": self.descending,
            "query": self.query,
            "text": self.text,
            "min_score": self.min_score,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)

    def describe(self) -> str:
        """'rating ≥ 7, tag Places/Lisbon, sorted by rating' in a line."""
        parts = [f"{k} {v}" for k, v in self.as_dict()["filter"].items()]
        if self.query:
            parts.append(f"find {self.query!r}")
        if self.text:
            parts.append(f"search {self.text!r}")
        parts.append(f"sorted by {self.sort.value}{' (descending)' if self.descending else ''}")
        return ", ".join(parts)


def load_query(text: str) -> tuple[SmartQuery, list[str]]:
    """The stored JSON as a SmartQuery, and what of it no longer applies (one note each)."""
    try:
        data = json.loads(text)
        version = int(data.get("version", 0))
    except (ValueError, TypeError, AttributeError):
        raise PictorError("this smart album's saved query cannot be read") from None
    if version > VERSION:
        raise PictorError(
            f"this smart album was saved by a newer Pictor (query version {version}); upgrade"
        )
    notes: list[str] = []
    kept: dict[str, Any] = {}
    for name, value in dict(data.get("filter") or {}).items():
        if name not in Filter.model_fields or name in ("among", "within"):
            notes.append(f"the filter {name!r} no longer exists and is left out")
            continue
        try:
            Filter.parse(**{name: value})
        except PictorError as exc:
            notes.append(f"the filter {name!r} is left out: {exc}")
            continue
        kept[name] = value
    try:
        flt = Filter.parse(**kept)
    except PictorError as exc:  # each field passes alone, together they do not (min > max)
        notes.append(f"the filters are left out: {exc}")
        flt = Filter()
    try:
        sort = parse_sort(data.get("sort"))
    except PictorError:
        notes.append(f"the sort {data.get('sort')!r} no longer exists; sorted by date taken")
        sort = SortKey.taken
    found = SmartQuery(
        flt,
        sort,
        bool(data.get("descending", False)),
        data.get("query") or None,
        data.get("text") or None,
        float(data.get("min_score", -1.0)),
    )
    return found, notes


@dataclass(frozen=True, slots=True)
class SmartRun:
    album: AlbumRow
    query: SmartQuery
    content_ids: list[str]
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.album.as_dict(),
            "smart": True,
            "count": len(self.content_ids),
            "query": self.query.as_dict(),
            "notes": self.notes,
        }


class SmartAlbums:
    """The smart albums of one library: saved, run, and resolved as filters."""

    def __init__(self, folder: ModelFolder, catalog: Catalog):
        self.folder = folder
        self.catalog = catalog
        self.albums = Albums(catalog)

    def create(self, path: str, query: SmartQuery) -> AlbumRow:
        if query.empty:
            raise PictorError(
                "a smart album needs a query: a filter (e.g. --min-rating 7), --query or --text"
            )
        folders, name = parse_path(path)
        now = time.time()
        with self.catalog.transaction() as conn:
            folder = album_rows.folder_id(conn, folders, now)
            if album_rows.album_in(conn, folder, name) is not None:
                raise PictorError(f"there is already an album {path.strip()!r}")
            album = album_rows.insert_album(conn, name, folder, "date", now)
            rows.put_query(conn, album, query.to_json())
        made = album_rows.album_rows(self.catalog, [album])[0]
        try:
            self.run(made)  # a query naming a missing album or tag, or itself, fails here
        except PictorError:
            with self.catalog.transaction() as conn:
                album_rows.delete_album(conn, album)  # ... and leaves nothing behind
            raise
        return made

    def smart_ids(self) -> set[int]:
        return set(rows.smart_queries(self.catalog))

    def listed(self, album: AlbumRow) -> dict[str, Any]:
        """The album as `album list` shows it: a smart one with what it holds now (its
        count None, and the reason, when its query no longer runs)."""
        if not self.is_smart(album):
            return {**album.as_dict(), "smart": False}
        try:
            return {**self.run(album).as_dict(), "problem": None}
        except PictorError as exc:
            return {**album.as_dict(), "smart": True, "count": None, "problem": str(exc)}

    def is_smart(self, album: AlbumRow) -> bool:
        return rows.query_of(self.catalog, album.id) is not None

    def query(self, album: AlbumRow) -> tuple[SmartQuery, list[str]]:
        text = rows.query_of(self.catalog, album.id)
        if text is None:
            raise PictorError(f"{album.path!r} is not a smart album")
        return load_query(text)

    def run(self, album: AlbumRow, seen: Sequence[int] = (), limit: int | None = None) -> SmartRun:
        """The album's images now, in its query's order (only its first `limit`, if given:
        a shared album's first page of 2,000 without running the whole query)."""
        if album.id in seen:
            chain = " → ".join(
                [*(a.path for a in album_rows.album_rows(self.catalog, list(seen))), album.path]
            )
            raise PictorError(
                f"the smart album {album.path!r} refers back to itself ({chain}); "
                "change its --album filter"
            )
        query, notes = self.query(album)
        flt = self.resolve(query.filter, [*seen, album.id])
        if query.text:
            ids = self._searched(query, flt)
        elif query.query:
            ids = self._found(query.query, flt, limit)
        else:
            ids = self._listed(query, flt, limit)
        return SmartRun(album, query, ids if limit is None else ids[:limit], notes)

    def resolve(self, flt: Filter | None, seen: Sequence[int] = ()) -> Filter | None:
        """flt with its album, if a smart one, replaced by the contents that album has now."""
        if flt is None or flt.album is None:
            return flt
        *folders, name = flt.album.split("/")
        ids = album_rows.album_ids(self.catalog.conn, folders, name)
        smart = set(ids) & self.smart_ids()
        if not smart:
            return flt
        if len(ids) > 1:
            raise PictorError(f"{len(ids)} albums are named {name!r}; give its folder")
        album = album_rows.album_rows(self.catalog, ids)[0]
        query, _ = self.query(album)
        if not query.query and not query.text and not query.filter.needs_clip:
            # Filters only: its filter becomes one more condition (no list of ids to pass).
            if album.id in seen:
                self.run(album, seen)  # says what loops, in one sentence
            inner = self.resolve(query.filter, [*seen, album.id]) or query.filter
            check_known(self.catalog, inner)
            return flt.model_copy(update={"album": None, "within": inner})
        found = self.run(album, seen).content_ids
        return flt.model_copy(update={"album": None, "among": tuple(found)})

    def _listed(self, query: SmartQuery, flt: Filter | None, limit: int | None) -> list[str]:
        if flt is None or not flt.needs_clip:  # one query: no pages, no counts
            flt = flt or Filter()
            check_known(self.catalog, flt)
            direction = "DESC" if query.descending else "ASC"
            order = f"{SORT_COLUMNS[query.sort]} {direction}, i.content_id {direction}"
            return rows.ordered_ids(self.catalog, flt.where(), order, limit)
        ids: list[str] = []
        page = 1
        while True:
            request = ListRequest.parse(
                filter=flt, sort=query.sort, descending=query.descending, page=page, page_size=PAGE
            )
            listing = list_library(self.folder, request)
            ids += [item.content_id for item in listing.items]
            if len(listing.items) < PAGE or (limit is not None and len(ids) >= limit):
                return ids
            page += 1

    def _found(self, text: str, flt: Filter | None, limit: int | None) -> list[str]:
        ids: list[str] = []
        page = 1
        while True:
            results = find(self.catalog, text, flt, page=page, page_size=PAGE)
            ids += [item.content_id for item in results.items]
            if len(results.items) < PAGE or (limit is not None and len(set(ids)) >= limit):
                return list(dict.fromkeys(ids))
            page += 1

    def _searched(self, query: SmartQuery, flt: Filter | None) -> list[str]:
        search = SearchQuery(
            text=query.text or "",
            top=TEXT_LIMIT,
            min_score=query.min_score,
            filter=flt or Filter(),
        )
        return [hit.content_id for hit in Searcher.for_library(self.folder).search(search).hits]


def smart_album_ids(catalog: Catalog) -> set[int]:
    """The ids of the smart albums."""
    return set(rows.smart_queries(catalog))


def _albums_named_by(query: SmartQuery) -> list[str]:
    """The album names a query filters on: its --album and an album: term of its --query."""
    names = [query.filter.album] if query.filter.album is not None else []
    if query.query:
        try:
            _, flt = split_organised(query.query, None)
        except PictorError:
            flt = None
        if flt is not None and flt.album is not None:
            names.append(flt.album)
    return names


def ambiguous_album(catalog: Catalog, album: int, seen: Sequence[int] = ()) -> str | None:
    """One sentence when this smart album's query (or a smart album it names) filters on a
    bare album name that more than one album has ('Family' matches 'Family' and
    'Trips/Family'): what it shows would silently widen when such an album appears, so a
    share link refuses it. None when every album it names is named once."""
    text = rows.query_of(catalog, album)
    if text is None or album in seen:
        return None
    query, _ = load_query(text)
    for named in _albums_named_by(query):
        *folders, name = named.split("/")
        ids = album_rows.album_ids(catalog.conn, folders, name)
        if not folders and len(ids) > 1:
            paths = ", ".join(repr(a.path) for a in album_rows.album_rows(catalog, ids))
            return (
                f"its query filters on the album {named!r}, a name {len(ids)} albums have "
                f"({paths}); save the query with the album's full path instead"
            )
        for inner in ids:
            problem = ambiguous_album(catalog, inner, [*seen, album])
            if problem is not None:
                return problem
    return None


def hand_filled(catalog: Catalog) -> list[AlbumRow]:
    """The albums images can be added to by hand: every album but the smart ones."""
    smart = smart_album_ids(catalog)
    return [album for album in Albums(catalog).listed() if album.id not in smart]


def resolve_smart_album(folder: ModelFolder, flt: Filter) -> Filter:
    """flt, with `--album NAME` of a smart album replaced by what that album holds now."""
    if flt.album is None:
        return flt
    with folder.open_catalog() as catalog:
        return SmartAlbums(folder, catalog).resolve(flt) or flt
