"""An in-memory column store of the facet fields, for facet counts and the timeline at 1M.

A facet panel is ten GROUP BYs, each under a different filter (a facet ignores its own
choice). In SQLite each one reads every matching row's column from the table, which at a
million images is seconds per panel. Here the columns that facets and the timeline read
(day, camera, lens, place, format, date source, the folders of the present files, the
subject tags) are held as integer codes in numpy arrays, one row per image with a present
file. A facet count is then a boolean mask and a bincount: milliseconds at a million.

What SQL still decides: the filter fields that are not facets (size ranges, dates taken,
rated, ...) and a metadata query, as a set of rowids; facet choices are applied here, by
codes. The arrays are rebuilt when `facet_version` (migration 12: triggers on images,
files, subjects and roots) has moved, so they are never stale, and are shared by every
connection to the same catalog file in this process.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexing.query.filters import Filter
from indexing.store.catalog import Catalog

# The Filter fields applied here, by codes; the others go to SQL.
CODED_FIELDS = ("year", "month", "day", "camera", "lens", "country", "city", "subject",
                "formats", "folder")  # fmt: skip
NONE = -1


def _encode(rows: list[tuple], column: int, pair: int | None = None):
    """Integer codes of one column of rows (None -> NONE) and its distinct values, first seen
    first. With pair, the values are (rows[pair], rows[column]) where rows[column] is set."""
    table: dict[Any, int] = {None: NONE}
    if pair is None:
        codes = [table.setdefault(r[column], len(table) - 1) for r in rows]
    else:
        codes = [
            table.setdefault((r[pair] or "", r[column]), len(table) - 1)
            if r[column] is not None
            else NONE
            for r in rows
        ]
    del table[None]
    return np.array(codes, dtype=np.int32), list(table)


def code_counts(codes: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    picked = codes[mask]
    return np.bincount(picked[picked >= 0], minlength=size)


@dataclass
class Folders:
    """The folders holding present files, their ancestors up to their root, and who is in each."""

    paths: list[str]  # node code -> folder path
    parent: np.ndarray  # node code -> parent node code, NONE at a root (or a stray top)
    is_root: np.ndarray  # node code -> bool: a library root
    pair_row: np.ndarray  # (image row, node) pairs, deduplicated, for every ancestor too
    pair_node: np.ndarray
    direct_row: np.ndarray  # (image row, node of a folder a file is directly in)
    direct_node: np.ndarray

    def code(self, path: str) -> int:
        return self._codes.get(path, NONE)

    def __post_init__(self) -> None:
        self._codes = {path: code for code, path in enumerate(self.paths)}

    def under(self, folder: str) -> np.ndarray:
        """Node -> bool: the folder is `folder` or below it."""
        prefix = folder.rstrip("/") + "/"
        return np.fromiter(
            (path == folder or path.startswith(prefix) for path in self.paths),
            dtype=bool,
            count=len(self.paths),
        )


class FacetIndex:
    """Codes for every image with a present file, in rowid order."""

    def __init__(self, catalog: Catalog, version: int):
        self.version = version
        conn = catalog.conn
        rows = conn.execute(
            "SELECT rowid, date_key, taken_at IS NOT NULL, day, camera, lens, place_cc, "
            "place_city, format FROM images WHERE present_files > 0 ORDER BY rowid"
        ).fetchall()
        self.size = len(rows)
        self.rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=self.size)
        self.date_key = np.fromiter((r[1] for r in rows), dtype=np.float64, count=self.size)
        self.exif = np.fromiter((r[2] for r in rows), dtype=bool, count=self.size)
        day, days = _encode(rows, 3)
        self.camera, self.cameras = _encode(rows, 4)
        self.lens, self.lenses = _encode(rows, 5)
        self.country, self.country_codes = _encode(rows, 6)
        self.city, self.cities = _encode(rows, 7, 6)
        self.format, self.formats = _encode(rows, 8)
        del rows
        # Day codes in date order, so that month and year codes are in date order too.
        order = sorted(range(len(days)), key=days.__getitem__)
        remap = np.empty(len(days) + 1, dtype=np.int32)
        remap[order] = np.arange(len(days), dtype=np.int32)
        remap[-1] = NONE  # NONE (-1) reads the last entry
        self.day = remap[day]
        self.days = [days[i] for i in order]
        self.months = sorted({d[:7] for d in self.days})
        self.years = sorted({d[:4] for d in self.days})
        month_code = {m: i for i, m in enumerate(self.months)}
        year_code = {y: i for i, y in enumerate(self.years)}
        self.day_month = np.array([month_code[d[:7]] for d in self.days], dtype=np.int32)
        self.day_year = np.array([year_code[d[:4]] for d in self.days], dtype=np.int32)
        self.country_names = {
            cc: name
            for cc in self.country_codes
            for (name,) in conn.execute(
                "SELECT place_country FROM images WHERE place_cc = ? "
                "AND place_country IS NOT NULL LIMIT 1",
                (cc,),
            )
        }
        self.folders = self._folders(conn, catalog)
        self.tag_row, self.tag, self.tags = self._tags(conn)

    def _grouped(self, conn: sqlite3.Connection, counts_sql: str, rows_sql: str):
        """(rows, codes, values) of a two-column table read in its index's order: the values
        with their counts first, then the image rowid of each entry in the same order, so
        the codes are run lengths and no string is read twice."""
        values, counts = [], []
        for value, count in conn.execute(counts_sql):
            values.append(value)
            counts.append(count)
        rowids = np.fromiter((row[0] for row in conn.execute(rows_sql)), dtype=np.int64)
        codes = np.repeat(np.arange(len(values), dtype=np.int64), counts)
        if len(codes) != len(rowids):  # cannot be, in one read transaction
            raise RuntimeError("the catalog changed while the facet index was read")
        rows = self.rows_of_rowids(rowids, keep_missing=True)
        keep = rows >= 0
        return rows[keep], codes[keep], values

    def _tags(self, conn: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray, list[str]]:
        rows, codes, tags = self._grouped(
            conn,
            "SELECT tag, COUNT(*) FROM subjects INDEXED BY subjects_tag GROUP BY tag ORDER BY tag",
            "SELECT i.rowid FROM subjects s INDEXED BY subjects_tag JOIN images i "
            "ON i.content_id = s.content_id ORDER BY s.tag",
        )
        return rows, codes.astype(np.int32), tags

    # Rows

    def content_ids(self, conn: sqlite3.Connection, rows: Sequence[int]) -> list[str]:
        """The content ids of these rows, in their order."""
        rowids = [int(self.rowids[row]) for row in rows]
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        sql = f"SELECT rowid, content_id FROM images WHERE rowid IN ({marks})"
        found = dict(conn.execute(sql, rowids).fetchall())
        return [found[rowid] for rowid in rowids]

    def rows_of_rowids(self, rowids: Any, keep_missing: bool = False) -> np.ndarray:
        """The rows of these rowids; those without a row are left out (or NONE)."""
        wanted = np.asarray(
            rowids if isinstance(rowids, np.ndarray) else list(rowids), dtype=np.int64
        )
        if not self.size:
            return np.full(len(wanted), NONE, dtype=np.int64) if keep_missing else wanted[:0]
        at = np.minimum(np.searchsorted(self.rowids, wanted), self.size - 1)
        found = self.rowids[at] == wanted
        return np.where(found, at, NONE) if keep_missing else at[found]

    def mask_of_rows(self, rows: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[rows[rows >= 0]] = True
        return mask

    def everything(self) -> np.ndarray:
        return np.ones(self.size, dtype=bool)

    # Folders

    def _folders(self, conn: sqlite3.Connection, catalog: Catalog) -> Folders:
        rows, folder_codes, folders = self._grouped(
            conn,
            "SELECT folder, COUNT(*) FROM files INDEXED BY files_folder WHERE status = 'present' "
            "GROUP BY folder ORDER BY folder",
            "SELECT i.rowid FROM files f INDEXED BY files_folder JOIN images i "
            "ON i.content_id = f.content_id WHERE f.status = 'present' ORDER BY f.folder",
        )
        folder_paths = [folder or "/" for folder in folders]
        roots = sorted((root.rstrip("/") or "/" for root in catalog.roots()), key=len, reverse=True)
        paths = list(folder_paths)
        codes = {path: code for code, path in enumerate(paths)}
        parent: list[int] = [NONE] * len(paths)
        chains: list[list[int]] = []
        for code in range(len(folder_paths)):
            chain = [code]
            path = paths[code]
            root = next(
                (r for r in roots if path == r or path.startswith(r.rstrip("/") + "/")), None
            )
            current = code
            while root is not None and paths[current] != root:
                up = paths[current].rsplit("/", 1)[0] or "/"
                if up not in codes:
                    codes[up] = len(paths)
                    paths.append(up)
                    parent.append(NONE)
                parent[current] = codes[up]
                current = codes[up]
                chain.append(current)
            chains.append(chain)
        # Chains for nodes added as ancestors: walk parents.
        root_set = set(roots)
        is_root = np.array([path in root_set for path in paths], dtype=bool)
        # Expand each (row, folder) pair to (row, every folder up to its root), deduplicated.
        lengths = np.array([len(chain) for chain in chains], dtype=np.int64)
        flat = np.array([node for chain in chains for node in chain], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(chains) else lengths
        per_pair = lengths[folder_codes] if len(folder_codes) else np.array([], dtype=np.int64)
        pair_row = np.repeat(rows, per_pair)
        offsets = np.arange(per_pair.sum()) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
        pair_node = (
            flat[np.repeat(starts[folder_codes], per_pair) + offsets] if len(flat) else offsets
        )
        key = np.unique(pair_row * max(len(paths), 1) + pair_node)
        return Folders(
            paths=paths,
            parent=np.array(parent, dtype=np.int64),
            is_root=is_root,
            pair_row=key // max(len(paths), 1),
            pair_node=key % max(len(paths), 1),
            direct_row=rows,
            direct_node=folder_codes.astype(np.int64),
        )

    def folder_mask(self, folder: str) -> np.ndarray:
        """Rows with a present file at or under folder (the Filter's subtree rule)."""
        f = self.folders
        code = f.code(folder)
        if code != NONE:
            return self.mask_of_rows(f.pair_row[f.pair_node == code])
        under = f.under(folder)
        return self.mask_of_rows(f.direct_row[under[f.direct_node]])

    def folder_counts(self, mask: np.ndarray) -> np.ndarray:
        """Node -> images at or under it (each image once, however many copies it has)."""
        f = self.folders
        return np.bincount(f.pair_node[mask[f.pair_row]], minlength=len(f.paths))

    # Filters, by codes

    def selection_mask(self, flt: Filter, ignored: tuple[str, ...] = ()) -> np.ndarray:
        """Rows kept by the coded fields of flt, except the ignored ones."""
        mask = self.everything()

        def take(codes: np.ndarray, values: list[Any], value: Any) -> None:
            nonlocal mask
            try:
                code = values.index(value)
            except ValueError:
                mask = np.zeros(self.size, dtype=bool)
                return
            mask &= codes == code

        dated = {
            name: getattr(flt, name) for name in ("day", "month", "year") if name not in ignored
        }
        if dated.get("day") is not None:
            take(self.day, self.days, dated["day"].isoformat())
        elif dated.get("month") is not None:
            take(self._day_to(self.day_month), self.months, dated["month"])
        elif dated.get("year") is not None:
            take(self._day_to(self.day_year), self.years, f"{dated['year']:04d}")
        for name, codes, values in (
            ("camera", self.camera, self.cameras),
            ("lens", self.lens, self.lenses),
            ("country", self.country, self.country_codes),
        ):
            value = getattr(flt, name)
            if value is not None and name not in ignored:
                take(codes, values, value)
        if flt.city is not None and "city" not in ignored:
            cc, _, name = flt.city.rpartition("/")
            if len(cc) == 2:
                take(self.city, self.cities, (cc.upper(), name))
            else:
                wanted = np.array([city == name for _, city in self.cities] + [False], dtype=bool)
                mask &= wanted[self.city]  # NONE (-1) reads the trailing False
        if flt.formats and "formats" not in ignored:
            wanted = np.array([fmt in flt.formats for fmt in self.formats] + [False], dtype=bool)
            mask &= wanted[self.format]
        if flt.folder is not None and "folder" not in ignored:
            mask &= self.folder_mask(flt.folder)
        if flt.subject is not None and "subject" not in ignored:
            try:
                code = self.tags.index(flt.subject)
                mask &= self.mask_of_rows(self.tag_row[self.tag == code])
            except ValueError:
                mask[:] = False
        return mask

    def _day_to(self, day_to: np.ndarray) -> np.ndarray:
        """Per row: the month or year code of its day, NONE without a day."""
        if not len(day_to):
            return np.full(self.size, NONE, dtype=np.int32)
        return np.where(self.day >= 0, day_to[np.maximum(self.day, 0)], NONE)


_LOCK = threading.Lock()
_CACHE: dict[Path, FacetIndex] = {}


def facet_index(catalog: Catalog) -> FacetIndex:
    """The column store of this catalog, rebuilt if anything it holds has changed."""
    conn = catalog.conn
    key = catalog.path.resolve()
    # One read transaction: the version and every table read are of the same moment.
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        version = conn.execute("SELECT n FROM facet_version").fetchone()[0]
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is not None and cached.version == version:
            return cached
        built = FacetIndex(catalog, version)
    finally:
        if own:
            conn.execute("COMMIT")
    with _LOCK:
        if len(_CACHE) >= 4:  # test runs open many catalogs; keep the last few
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = built
    return built


def sql_fields(flt: Filter) -> Filter:
    """flt without the fields FacetIndex applies by codes: what SQL still has to decide."""
    return flt.model_copy(
        update={name: (() if name == "formats" else None) for name in CODED_FIELDS}
    )


def base_mask(
    index: FacetIndex, catalog: Catalog, flt: Filter, extra: str, params: list
) -> np.ndarray:
    """Rows kept by flt's SQL-only fields and a metadata query (`extra`, ' AND ...')."""
    rest = sql_fields(flt)
    if rest.is_empty and not extra:
        return index.everything()
    where, where_params = rest.where()
    rowids = [
        row[0]
        for row in catalog.conn.execute(
            f"SELECT i.rowid FROM images i WHERE {where}{extra}", [*where_params, *params]
        )
    ]
    return index.mask_of_rows(index.rows_of_rowids(rowids))
