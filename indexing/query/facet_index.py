"""An in-memory column store of the facet fields, for facet counts and the timeline at 1M.

A facet panel is ten GROUP BYs, each under a different filter (a facet ignores its own
choice). In SQLite each one reads every matching row's column from the table, which at a
million images is seconds per panel. Here the columns that facets, the timeline and the
filters read (day, camera, lens, place, format, date source, size, rating, the folders of
the present files, the subject tags) are held in numpy arrays, strings as integer codes, one
row per image with a present file. A facet count is then a boolean mask and a bincount:
milliseconds at a million. Every Filter field but the text categories is applied here; SQL
still decides a metadata query (FTS5), as a set of rowids.

Never stale, and cheap to keep so. Triggers (migration 12) append the rowid of every image
whose facet fields, files or subject tags change to `facet_log`, in the writer's own
transaction. Each use reads the log past the position the arrays reflect, in the same read
transaction as everything else, and patches those images in (a trash, a rename or an
indexing batch costs milliseconds, not a rebuild). A full build (seconds at a million:
reading every row through Python's sqlite3) happens when the log no longer reaches back
that far, a root is added or removed, or more than PATCH_LIMIT images changed. The arrays
of a large library are saved beside the catalog (written aside, then renamed), so a new
process loads them and patches rather than building. The log keeps its last LOG_KEEP rows.
"""

from __future__ import annotations

import bisect
import copy
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexing.query.filters import Filter
from indexing.store.catalog import Catalog

# The Filter fields applied here, by codes; the others go to SQL.
CODED_FIELDS = ("year", "month", "day", "camera", "lens", "country", "city", "subject",
                "formats", "folder", "min_width", "max_width", "min_height", "max_height",
                "min_pixels", "max_pixels", "min_aspect", "max_aspect", "min_bytes",
                "max_bytes", "taken_from", "taken_to", "min_rating", "max_rating",
                "rated")  # fmt: skip
NONE = -1
PATCH_LIMIT = 100_000  # more changed images than this: build again rather than patch
SAVE_MIN_IMAGES = 20_000  # below this a build takes well under a second: no file
FILE_FORMAT = 1
PER_ROW = ("rowids", "live", "date_key", "exif", "width", "height", "bytes", "rating",
           "user_rated", "day", "camera", "lens", "country", "city", "format")  # fmt: skip
# Every array: one entry per image row, then the (row, folder) and (row, tag) pairs.
PAIRS = ("direct_row", "direct_node", "pair_row", "pair_node", "tag_row", "tag")
ARRAYS = (*PER_ROW, *PAIRS)
CODED = {"day": "days", "camera": "cameras", "lens": "lenses", "country": "country_codes",
         "city": "cities", "format": "formats"}  # fmt: skip
IMAGE_COLUMNS = (
    "rowid, date_key, taken_at IS NOT NULL, day, camera, lens, place_cc, place_city, format, "
    "width, height, bytes, rating_key, rating_source IS 'user'"
)


def code_counts(codes: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    picked = codes[mask]
    return np.bincount(picked[picked >= 0], minlength=size)


class Values:
    """The distinct values of one column, numbered in first-seen order."""

    def __init__(self, values: list[Any] | None = None):
        self.values: list[Any] = list(values or [])
        self.codes: dict[Any, int] = {value: code for code, value in enumerate(self.values)}

    def code(self, value: Any) -> int:
        """The value's code, numbering it if it is new; NONE for None."""
        if value is None:
            return NONE
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def copy(self) -> Values:
        new = Values()
        new.values, new.codes = list(self.values), dict(self.codes)
        return new

    def encode(self, values: list[Any]) -> np.ndarray:
        return np.array([self.code(value) for value in values], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.values)


class FolderTree:
    """The folders holding present files and their parents up to their library root."""

    def __init__(self, roots: list[str], paths: list[str] | None = None):
        self.roots = sorted({root.rstrip("/") or "/" for root in roots}, key=len, reverse=True)
        self.paths: list[str] = []
        self.parent: list[int] = []
        self.codes: dict[str, int] = {}
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None
        for path in paths or ():
            self.node(path)

    def copy(self) -> FolderTree:
        new = copy.copy(self)
        new.paths, new.parent, new.codes = list(self.paths), list(self.parent), dict(self.codes)
        return new

    def node(self, path: str) -> int:
        """The code of a folder, adding it and its parents up to its root if they are new."""
        code = self.codes.get(path)
        if code is not None:
            return code
        code = self.codes[path] = len(self.paths)
        self.paths.append(path)
        self.parent.append(NONE)
        self._arrays = None
        root = self._root_of(path)
        if root is not None and path != root:
            self.parent[code] = self.node(path.rsplit("/", 1)[0] or "/")
        return code

    def _root_of(self, path: str) -> str | None:
        for root in self.roots:
            if path == root or path.startswith(root.rstrip("/") + "/"):
                return root
        return None

    def chain(self, code: int) -> list[int]:
        """The folder and its parents up to its root."""
        out = [code]
        while self.parent[out[-1]] != NONE:
            out.append(self.parent[out[-1]])
        return out

    @property
    def parents(self) -> np.ndarray:
        return self._numpy()[0]

    @property
    def is_root(self) -> np.ndarray:
        return self._numpy()[1]

    def _numpy(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None:
            roots = set(self.roots)
            self._arrays = (
                np.array(self.parent, dtype=np.int64),
                np.array([path in roots for path in self.paths], dtype=bool),
            )
        return self._arrays

    def under(self, folder: str) -> np.ndarray:
        """Node -> bool: the folder is `folder` or below it."""
        prefix = folder.rstrip("/") + "/"
        return np.fromiter(
            (path == folder or path.startswith(prefix) for path in self.paths),
            dtype=bool,
            count=len(self.paths),
        )

    def pairs(self, rows: np.ndarray, folders: list[str]) -> tuple[np.ndarray, ...]:
        """For (image row, folder it has a file in) pairs: the direct pairs as node codes,
        and the (row, node) pairs for every folder up to the root, each once."""
        direct = np.array([self.node(folder) for folder in folders], dtype=np.int64)
        chains = {int(code): self.chain(int(code)) for code in np.unique(direct)}
        lengths = np.array([len(chains[int(code)]) for code in direct], dtype=np.int64)
        nodes = np.fromiter(
            (node for code in direct for node in chains[int(code)]),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        span = max(len(self.paths), 1)
        key = np.unique(np.repeat(rows.astype(np.int64), lengths) * span + nodes)
        return direct, key // span, key % span


class FacetIndex:
    """Codes for every image with a present file, in rowid order."""

    # A build, from the catalog as of the caller's read transaction.

    @classmethod
    def build(cls, catalog: Catalog, seq: int, token: str) -> FacetIndex:
        self = cls()
        self.seq, self.token = seq, token
        conn = catalog.conn
        rows = conn.execute(
            f"SELECT {IMAGE_COLUMNS} FROM images WHERE present_files > 0 ORDER BY rowid"
        ).fetchall()
        count = len(rows)
        self.rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=count)
        self.live = np.ones(count, dtype=bool)
        self.date_key = np.fromiter((r[1] for r in rows), dtype=np.float64, count=count)
        self.exif = np.fromiter((r[2] for r in rows), dtype=bool, count=count)
        for name, column in (("width", 9), ("height", 10), ("bytes", 11)):
            setattr(self, name, np.fromiter((r[column] for r in rows), np.int64, count=count))
        self.rating = np.array([r[12] for r in rows], dtype=np.float64)  # None -> nan
        self.user_rated = np.fromiter((r[13] for r in rows), dtype=bool, count=count)
        self.values = {name: Values() for name in CODED}
        self._set_codes(rows, slice(None))
        del rows
        self.country_names: dict[str, str] = {}
        self._learn_countries(conn)
        self.tree = FolderTree(catalog.roots())
        rows_, folders = self._grouped(
            conn,
            "SELECT folder, COUNT(*) FROM files INDEXED BY files_folder WHERE status = 'present' "
            "GROUP BY folder ORDER BY folder",
            "SELECT i.rowid FROM files f INDEXED BY files_folder JOIN images i "
            "ON i.content_id = f.content_id WHERE f.status = 'present' ORDER BY f.folder",
        )
        self.direct_row = rows_
        self.direct_node, self.pair_row, self.pair_node = self.tree.pairs(rows_, folders)
        self.tag_row, tags = self._grouped(
            conn,
            "SELECT tag, COUNT(*) FROM subjects INDEXED BY subjects_tag GROUP BY tag ORDER BY tag",
            "SELECT i.rowid FROM subjects s INDEXED BY subjects_tag JOIN images i "
            "ON i.content_id = s.content_id ORDER BY s.tag",
        )
        self.tags = Values()
        self.tag = self.tags.encode(tags)
        self._derive_days()
        return self

    def _set_codes(self, rows: list[tuple], at: Any) -> None:
        """Write the coded columns of image rows (IMAGE_COLUMNS) at positions `at`."""
        columns = {"day": 3, "camera": 4, "lens": 5, "country": 6, "format": 8}
        for name, column in columns.items():
            codes = self.values[name].encode([r[column] for r in rows])
            if isinstance(at, slice):
                setattr(self, name, codes)
            else:
                getattr(self, name)[at] = codes
        cities = self.values["city"].encode(
            [None if r[7] is None else (r[6] or "", r[7]) for r in rows]
        )
        if isinstance(at, slice):
            self.city = cities
        else:
            self.city[at] = cities

    def _learn_countries(self, conn: sqlite3.Connection) -> None:
        for cc in self.values["country"].values:
            if cc not in self.country_names:
                for (name,) in conn.execute(
                    "SELECT place_country FROM images WHERE place_cc = ? "
                    "AND place_country IS NOT NULL LIMIT 1",
                    (cc,),
                ):
                    self.country_names[cc] = name

    def _grouped(
        self, conn: sqlite3.Connection, counts_sql: str, rows_sql: str
    ) -> tuple[np.ndarray, list[Any]]:
        """(rows, value of each) of a two-column table read in its index's order: the values
        with their counts first, then the image rowid of each entry in the same order, so
        the values are run lengths and no string is read twice."""
        values, counts = [], []
        for value, count in conn.execute(counts_sql):
            values.append(value or "/")
            counts.append(count)
        rowids = np.fromiter((row[0] for row in conn.execute(rows_sql)), dtype=np.int64)
        if len(rowids) != sum(counts):  # cannot be, in one read transaction
            raise RuntimeError("the catalog changed while the facet index was read")
        rows = self.rows_of_rowids(rowids, keep_missing=True)
        keep = rows >= 0
        per_entry = np.repeat(np.arange(len(values)), counts)[keep]
        return rows[keep], [values[i] for i in per_entry.tolist()]

    def _derive_days(self) -> None:
        """Day codes in date order (so month and year codes are too), and their months."""
        days = self.values["day"].values
        if getattr(self, "day_month", None) is not None and len(self.day_month) == len(days):
            self.days = days  # no new day since: the same days, in the same order
            return
        order = sorted(range(len(days)), key=days.__getitem__)
        if order != list(range(len(days))):
            remap = np.empty(len(days) + 1, dtype=np.int32)
            remap[order] = np.arange(len(days), dtype=np.int32)
            remap[-1] = NONE  # NONE (-1) reads the last entry
            self.day = remap[self.day]
            self.values["day"] = Values([days[i] for i in order])
        self.days = self.values["day"].values
        self.months = sorted({d[:7] for d in self.days})
        self.years = sorted({d[:4] for d in self.days})
        month_code = {m: i for i, m in enumerate(self.months)}
        year_code = {y: i for i, y in enumerate(self.years)}
        self.day_month = np.array([month_code[d[:7]] for d in self.days], dtype=np.int32)
        self.day_year = np.array([year_code[d[:4]] for d in self.days], dtype=np.int32)

    # Patching: the images that changed since, read again.

    def patched(self, catalog: Catalog, rowids: list[int], seq: int) -> FacetIndex:
        """A copy with these images read again (those in use stay untouched)."""
        new = copy.copy(self)
        for name in ARRAYS:
            setattr(new, name, getattr(self, name).copy())
        new.values = {name: values.copy() for name, values in self.values.items()}
        new.tags = self.tags.copy()
        new.country_names = dict(self.country_names)
        new.tree = self.tree.copy()
        new._patch(catalog.conn, sorted(set(rowids)))
        new.seq = seq
        return new

    def _patch(self, conn: sqlite3.Connection, rowids: list[int]) -> None:
        wanted = json.dumps(rowids)
        inside = "(SELECT value FROM json_each(?))"
        rows = conn.execute(
            f"SELECT {IMAGE_COLUMNS} FROM images WHERE rowid IN {inside} AND present_files > 0 "
            "ORDER BY rowid",
            (wanted,),
        ).fetchall()
        # Everything about these images goes; what is still there comes back.
        gone = self.rows_of_rowids(rowids)
        self.live[gone] = False
        kept = ~np.isin(self.pair_row, gone)
        self.pair_row, self.pair_node = self.pair_row[kept], self.pair_node[kept]
        kept = ~np.isin(self.direct_row, gone)
        self.direct_row, self.direct_node = self.direct_row[kept], self.direct_node[kept]
        kept = ~np.isin(self.tag_row, gone)
        self.tag_row, self.tag = self.tag_row[kept], self.tag[kept]
        if rows:
            present = np.array([r[0] for r in rows], dtype=np.int64)
            known = self.rows_of_rowids(present, keep_missing=True)
            added = [r for r, at in zip(rows, known.tolist(), strict=True) if at == NONE]
            if added:
                self._append(added)
                known = self.rows_of_rowids(present, keep_missing=True)
            self.live[known] = True
            self.date_key[known] = [r[1] for r in rows]
            self.exif[known] = [bool(r[2]) for r in rows]
            for name, column in (("width", 9), ("height", 10), ("bytes", 11)):
                getattr(self, name)[known] = [r[column] for r in rows]
            self.rating[known] = np.array([r[12] for r in rows], dtype=np.float64)
            self.user_rated[known] = [bool(r[13]) for r in rows]
            self._set_codes(rows, known)
            self._learn_countries(conn)
        files = conn.execute(
            "SELECT i.rowid, f.folder FROM files f JOIN images i ON i.content_id = f.content_id "
            f"WHERE i.rowid IN {inside} AND f.status = 'present' AND i.present_files > 0",
            (wanted,),
        ).fetchall()
        if files:
            rows_ = self.rows_of_rowids([r[0] for r in files])
            direct, pair_row, pair_node = self.tree.pairs(rows_, [r[1] or "/" for r in files])
            self.direct_row = np.concatenate((self.direct_row, rows_))
            self.direct_node = np.concatenate((self.direct_node, direct))
            self.pair_row = np.concatenate((self.pair_row, pair_row))
            self.pair_node = np.concatenate((self.pair_node, pair_node))
        tags = conn.execute(
            "SELECT i.rowid, s.tag FROM subjects s JOIN images i ON i.content_id = s.content_id "
            f"WHERE i.rowid IN {inside} AND i.present_files > 0",
            (wanted,),
        ).fetchall()
        if tags:
            self.tag_row = np.concatenate((self.tag_row, self.rows_of_rowids([r[0] for r in tags])))
            self.tag = np.concatenate((self.tag, self.tags.encode([r[1] for r in tags])))
        self._derive_days()

    def _append(self, rows: list[tuple]) -> None:
        """New images: rows at the end, then everything back in rowid order if need be."""
        start = len(self.rowids)
        extra = len(rows)
        self.rowids = np.concatenate((self.rowids, [r[0] for r in rows]))
        self.live = np.concatenate((self.live, np.ones(extra, dtype=bool)))
        self.date_key = np.concatenate((self.date_key, [r[1] for r in rows]))
        self.exif = np.concatenate((self.exif, [bool(r[2]) for r in rows]))
        for name, column in (("width", 9), ("height", 10), ("bytes", 11)):
            extra_values = np.array([r[column] for r in rows], dtype=np.int64)
            setattr(self, name, np.concatenate((getattr(self, name), extra_values)))
        ratings = np.array([r[12] for r in rows], dtype=np.float64)
        self.rating = np.concatenate((self.rating, ratings))
        self.user_rated = np.concatenate((self.user_rated, [bool(r[13]) for r in rows]))
        for name in CODED:
            filler = np.full(extra, NONE, dtype=np.int32)
            setattr(self, name, np.concatenate((getattr(self, name), filler)))
        self._set_codes(rows, np.arange(start, start + extra))
        if not _sorted(self.rowids):
            order = np.argsort(self.rowids, kind="stable")
            for name in PER_ROW:
                setattr(self, name, getattr(self, name)[order])
            inverse = np.empty(len(order), dtype=np.int64)
            inverse[order] = np.arange(len(order))
            self.pair_row = inverse[self.pair_row]
            self.direct_row = inverse[self.direct_row]
            self.tag_row = inverse[self.tag_row]

    # Saving beside the catalog

    def save(self, path: Path) -> None:
        arrays = {name: getattr(self, name) for name in ARRAYS}
        meta = {
            "format": FILE_FORMAT,
            "seq": self.seq,
            "token": self.token,
            "values": {name: values.values for name, values in self.values.items()},
            "tags": self.tags.values,
            "country_names": self.country_names,
            "roots": self.tree.roots,
            "folders": self.tree.paths,
        }
        aside = path.with_name(f"{path.name}.{os.getpid()}.part")
        try:
            with open(aside, "wb") as handle:
                np.savez(handle, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
            os.replace(aside, path)
        except OSError:
            aside.unlink(missing_ok=True)  # a read-only or full data folder: build next time

    @classmethod
    def load(cls, path: Path, token: str) -> FacetIndex | None:
        """The saved arrays of this catalog (same token), or None."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                meta = json.loads(saved["meta"].tobytes())
                if meta.get("format") != FILE_FORMAT or meta.get("token") != token:
                    return None
                self = cls()
                for name in ARRAYS:
                    setattr(self, name, saved[name])
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None
        self.seq, self.token = int(meta["seq"]), token
        self.values = {
            name: Values([tuple(v) for v in values] if name == "city" else values)
            for name, values in meta["values"].items()
        }
        self.tags = Values(meta["tags"])
        self.country_names = dict(meta["country_names"])
        self.tree = FolderTree(meta["roots"], meta["folders"])
        self._derive_days()
        return self

    # Rows

    @property
    def size(self) -> int:
        return len(self.rowids)

    @property
    def cameras(self) -> list[str]:
        return self.values["camera"].values

    @property
    def lenses(self) -> list[str]:
        return self.values["lens"].values

    @property
    def country_codes(self) -> list[str]:
        return self.values["country"].values

    @property
    def cities(self) -> list[tuple[str, str]]:
        return self.values["city"].values

    @property
    def formats(self) -> list[str]:
        return self.values["format"].values

    def content_ids(self, conn: sqlite3.Connection, rows: Any) -> list[str]:
        """The content ids of these rows, in their order."""
        rowids = [int(self.rowids[row]) for row in rows]
        if not rowids:
            return []
        found = dict(
            conn.execute(
                "SELECT rowid, content_id FROM images WHERE rowid IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(rowids),),
            ).fetchall()
        )
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
        return mask & self.live

    def everything(self) -> np.ndarray:
        return self.live.copy()

    # Folders

    def folder_mask(self, folder: str) -> np.ndarray:
        """Rows with a present file at or under folder (the Filter's subtree rule)."""
        code = self.tree.codes.get(folder, NONE)
        if code != NONE:
            return self.mask_of_rows(self.pair_row[self.pair_node == code])
        under = self.tree.under(folder)
        return self.mask_of_rows(self.direct_row[under[self.direct_node]])

    def folder_counts(self, mask: np.ndarray) -> np.ndarray:
        """Node -> images at or under it (each image once, however many copies it has)."""
        return np.bincount(self.pair_node[mask[self.pair_row]], minlength=len(self.tree.paths))

    # Filters, by codes

    def selection_mask(self, flt: Filter, ignored: tuple[str, ...] = ()) -> np.ndarray:
        """Rows kept by the coded fields of flt, except the ignored ones."""
        mask = self.everything()

        def take(codes: np.ndarray, values: Values, value: Any) -> None:
            nonlocal mask
            code = values.codes.get(value)
            if code is None:
                mask[:] = False
            else:
                mask &= codes == code

        for low, high, values in (
            ("min_width", "max_width", self.width),
            ("min_height", "max_height", self.height),
            ("min_pixels", "max_pixels", self.width * self.height),
            ("min_aspect", "max_aspect", self._aspect()),
            ("min_bytes", "max_bytes", self.bytes),
        ):
            if getattr(flt, low) is not None:
                mask &= values >= getattr(flt, low)
            if getattr(flt, high) is not None:
                mask &= values <= getattr(flt, high)
        if flt.taken_from is not None or flt.taken_to is not None:
            mask &= self._taken(flt)
        with np.errstate(invalid="ignore"):  # no rating (nan) is never in a range
            if flt.min_rating is not None:
                mask &= self.rating >= flt.min_rating
            if flt.max_rating is not None:
                mask &= self.rating <= flt.max_rating
        if flt.rated is not None:
            mask &= self.user_rated if flt.rated else ~self.user_rated
        dated = {n: getattr(flt, n) for n in ("day", "month", "year") if n not in ignored}
        days = self.values["day"]
        if dated.get("day") is not None:
            take(self.day, days, dated["day"].isoformat())
        elif dated.get("month") is not None:
            take(self._day_to(self.day_month), Values(self.months), dated["month"])
        elif dated.get("year") is not None:
            take(self._day_to(self.day_year), Values(self.years), f"{dated['year']:04d}")
        for name, codes in (
            ("camera", self.camera),
            ("lens", self.lens),
            ("country", self.country),
        ):
            value = getattr(flt, name)
            if value is not None and name not in ignored:
                take(codes, self.values[name], value)
        if flt.city is not None and "city" not in ignored:
            cc, _, name = flt.city.rpartition("/")
            if len(cc) == 2:
                take(self.city, self.values["city"], (cc.upper(), name))
            else:
                wanted = np.array([city == name for _, city in self.cities] + [False], dtype=bool)
                mask &= wanted[self.city]  # NONE (-1) reads the trailing False
        if flt.formats and "formats" not in ignored:
            wanted = np.array([fmt in flt.formats for fmt in self.formats] + [False], dtype=bool)
            mask &= wanted[self.format]
        if flt.folder is not None and "folder" not in ignored:
            mask &= self.folder_mask(flt.folder)
        if flt.subject is not None and "subject" not in ignored:
            code = self.tags.codes.get(flt.subject)
            if code is None:
                mask[:] = False
            else:
                mask &= self.mask_of_rows(self.tag_row[self.tag == code])
        return mask

    def _aspect(self) -> np.ndarray:
        """width / height as SQLite computes it (no height: no aspect, nothing compares)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.height > 0, self.width / self.height, np.nan)

    def _taken(self, flt: Filter) -> np.ndarray:
        """Filter.where()'s taken_from/taken_to: the photo's own day, within the date_key
        bounds it also sets."""
        bounds = flt.taken_bounds()
        keep = self.day >= 0
        if flt.taken_from is not None:
            first = bisect.bisect_left(self.days, flt.taken_from.isoformat())
            keep &= (self.day >= first) & (self.date_key >= bounds[0])
        if flt.taken_to is not None:
            last = bisect.bisect_right(self.days, flt.taken_to.isoformat()) - 1
            keep &= (self.day <= last) & (self.date_key < bounds[1])
        return keep

    def _day_to(self, day_to: np.ndarray) -> np.ndarray:
        """Per row: the month or year code of its day, NONE without a day."""
        if not len(day_to):
            return np.full(self.size, NONE, dtype=np.int32)
        return np.where(self.day >= 0, day_to[np.maximum(self.day, 0)], NONE)


def _sorted(values: np.ndarray) -> bool:
    return bool(len(values) < 2 or (values[1:] >= values[:-1]).all())


_LOCK = threading.Lock()
_CACHE: dict[Path, FacetIndex] = {}


def saved_path(catalog: Catalog) -> Path:
    return catalog.path.with_name(catalog.path.name + ".facets.npz")


def facet_index(catalog: Catalog) -> FacetIndex:
    """The column store of this catalog as of now: patched, loaded or built."""
    conn = catalog.conn
    key = catalog.path.resolve()
    own = not conn.in_transaction
    if own:  # one read transaction: the log and every table read are of the same moment
        conn.execute("BEGIN")
    try:
        seq, token = _position(conn)
        with _LOCK:
            index = _CACHE.get(key)
        if index is None or index.token != token:
            index = FacetIndex.load(saved_path(catalog), token)
        if index is not None and index.seq == seq:
            return _keep(key, index)
        changed = _changes(conn, index.seq) if index is not None else None
        if index is not None and changed is not None:
            index = index.patched(catalog, changed, seq)
            if index.size >= SAVE_MIN_IMAGES and len(changed) >= SAVE_MIN_IMAGES // 4:
                index.save(saved_path(catalog))
        else:
            index = FacetIndex.build(catalog, seq, token)
            if index.size >= SAVE_MIN_IMAGES:
                index.save(saved_path(catalog))
    finally:
        if own:
            conn.execute("COMMIT")
    return _keep(key, index)


def _keep(key: Path, index: FacetIndex) -> FacetIndex:
    with _LOCK:
        if key not in _CACHE and len(_CACHE) >= 4:  # test runs open many catalogs
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = index
    return index


def _position(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'facet_log'").fetchone()
    token = conn.execute("SELECT token FROM facet_state").fetchone()[0]
    return (row[0] if row else 0), token


def _changes(conn: sqlite3.Connection, since: int) -> list[int] | None:
    """The images changed since that position, or None when a patch cannot say it all: the
    log was trimmed past it, a root changed (NULL), or a build is cheaper."""
    oldest = conn.execute("SELECT MIN(seq) FROM facet_log").fetchone()[0]
    if oldest is None or oldest > since + 1:
        return None
    rows = conn.execute(
        "SELECT DISTINCT image FROM facet_log WHERE seq > ? LIMIT ?", (since, PATCH_LIMIT + 1)
    ).fetchall()
    if len(rows) > PATCH_LIMIT or any(row[0] is None for row in rows):
        return None
    return [row[0] for row in rows]


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
