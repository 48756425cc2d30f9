"""The columns of the facet store: one numpy array per facet or filter field, one entry per image.

What each column holds and how a catalog row (IMAGE_COLUMNS) fills it, apart from the
machinery that keeps the columns current (indexing.query.facet_index: reads, the change
log, the saved file) and the filters read over them (indexing.query.facet_selection). One
entry per image row with a present file, in rowid order; text columns as integer codes
(indexing.query.facet_codes); the folders and subject tags of each row as (row, code) pairs.
Nothing here runs SQL: the edits a patch makes are plain array edits on rows already read.
"""

from __future__ import annotations

import copy
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from indexing.query.facet_codes import NONE, Values
from indexing.query.facet_folders import FolderTree

# One entry per image row; then the (row, folder) and (row, tag) pairs.
PER_ROW = ("rowids", "live", "date_key", "exif", "width", "height", "bytes", "rating",
           "user_rated", "day", "camera", "lens", "country", "city", "format")  # fmt: skip
PAIRS = ("direct_row", "direct_node", "pair_row", "pair_node", "tag_row", "tag")
ARRAYS = (*PER_ROW, *PAIRS)
DTYPES = {"rowids": np.int64, "live": np.bool_, "date_key": np.float64, "exif": np.bool_,
          "width": np.int64, "height": np.int64, "bytes": np.int64, "rating": np.float64,
          "user_rated": np.bool_, "day": np.int32, "camera": np.int32, "lens": np.int32,
          "country": np.int32, "city": np.int32, "format": np.int32, "direct_row": np.int64,
          "direct_node": np.int64, "pair_row": np.int64, "pair_node": np.int64,
          "tag_row": np.int64, "tag": np.int32}  # fmt: skip
# The coded columns, and the Values that number each one's strings.
CODED = {"day": "days", "camera": "cameras", "lens": "lenses", "country": "country_codes",
         "city": "cities", "format": "formats"}  # fmt: skip
# The images columns a row is read with (ImageRow): its position in every column follows.
IMAGE_COLUMNS = (
    "rowid, date_key, taken_at IS NOT NULL, day, camera, lens, place_cc, place_city, format, "
    "width, height, bytes, rating_key, rating_source IS 'user'"
)
ImageRow = tuple[Any, ...]
SIZE_COLUMNS = (("width", 9), ("height", 10), ("bytes", 11))


class FacetColumns:
    """Codes for every image with a present file, in rowid order."""

    rowids: NDArray[np.int64]
    live: NDArray[np.bool_]  # False: the image left (a patch keeps its row until a build)
    date_key: NDArray[np.float64]
    exif: NDArray[np.bool_]  # the date is the photo's own (EXIF), not the file's
    width: NDArray[np.int64]
    height: NDArray[np.int64]
    bytes: NDArray[np.int64]
    rating: NDArray[np.float64]  # nan: no rating
    user_rated: NDArray[np.bool_]
    day: NDArray[np.int32]  # codes, in date order (see derive_days)
    camera: NDArray[np.int32]
    lens: NDArray[np.int32]
    country: NDArray[np.int32]
    city: NDArray[np.int32]  # codes of (country code, city)
    format: NDArray[np.int32]
    direct_row: NDArray[np.int64]  # (row, folder node) of each present file
    direct_node: NDArray[np.int64]
    pair_row: NDArray[np.int64]  # (row, node) for those folders and every one above
    pair_node: NDArray[np.int64]
    tag_row: NDArray[np.int64]  # (row, tag code) of each subject tag
    tag: NDArray[np.int32]

    def __init__(self) -> None:
        for name in ARRAYS:
            setattr(self, name, np.zeros(0, dtype=DTYPES[name]))
        self.values: dict[str, Values] = {name: Values() for name in CODED}
        self.tags = Values()
        self.country_names: dict[str, str] = {}
        self.tree = FolderTree([])
        self.days: list[str] = []
        self.months: list[str] = []
        self.years: list[str] = []
        self.day_month: NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self.day_year: NDArray[np.int32] = np.zeros(0, dtype=np.int32)

    def copy(self) -> Self:
        """A copy that shares nothing a patch writes to."""
        new = copy.copy(self)
        for name in ARRAYS:
            setattr(new, name, getattr(self, name).copy())
        new.values = {name: values.copy() for name, values in self.values.items()}
        new.tags = self.tags.copy()
        new.country_names = dict(self.country_names)
        new.tree = self.tree.copy()
        return new

    # Writing rows

    def set_rows(self, rows: list[ImageRow]) -> None:
        """Every per-row column from these image rows (in rowid order)."""
        count = len(rows)
        self.rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=count)
        self.live = np.ones(count, dtype=bool)
        self.date_key = np.fromiter((r[1] for r in rows), dtype=np.float64, count=count)
        self.exif = np.fromiter((r[2] for r in rows), dtype=bool, count=count)
        for name, column in SIZE_COLUMNS:
            setattr(self, name, np.fromiter((r[column] for r in rows), np.int64, count=count))
        self.rating = np.array([r[12] for r in rows], dtype=np.float64)  # None -> nan
        self.user_rated = np.fromiter((r[13] for r in rows), dtype=bool, count=count)
        self.set_codes(rows, slice(None))

    def set_codes(self, rows: list[ImageRow], at: slice | NDArray[np.int64]) -> None:
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

    def forget(self, rows: NDArray[np.int64]) -> None:
        """Everything about these rows goes (what is still there is written back)."""
        self.live[rows] = False
        kept = ~np.isin(self.pair_row, rows)
        self.pair_row, self.pair_node = self.pair_row[kept], self.pair_node[kept]
        kept = ~np.isin(self.direct_row, rows)
        self.direct_row, self.direct_node = self.direct_row[kept], self.direct_node[kept]
        kept = ~np.isin(self.tag_row, rows)
        self.tag_row, self.tag = self.tag_row[kept], self.tag[kept]

    def write(self, rows: list[ImageRow]) -> None:
        """These image rows, live, at their rows (appended where new)."""
        present = np.array([r[0] for r in rows], dtype=np.int64)
        known = self.rows_of_rowids(present, keep_missing=True)
        added = [r for r, at in zip(rows, known.tolist(), strict=True) if at == NONE]
        if added:
            self.append(added)
            known = self.rows_of_rowids(present, keep_missing=True)
        self.live[known] = True
        self.date_key[known] = [r[1] for r in rows]
        self.exif[known] = [bool(r[2]) for r in rows]
        for name, column in SIZE_COLUMNS:
            getattr(self, name)[known] = [r[column] for r in rows]
        self.rating[known] = np.array([r[12] for r in rows], dtype=np.float64)
        self.user_rated[known] = [bool(r[13]) for r in rows]
        self.set_codes(rows, known)

    def append(self, rows: list[ImageRow]) -> None:
        """New images: rows at the end, then everything back in rowid order if need be."""
        start = len(self.rowids)
        extra = len(rows)
        self.rowids = np.concatenate((self.rowids, np.array([r[0] for r in rows], np.int64)))
        self.live = np.concatenate((self.live, np.ones(extra, dtype=bool)))
        self.date_key = np.concatenate(
            (self.date_key, np.array([r[1] for r in rows], dtype=np.float64))
        )
        self.exif = np.concatenate((self.exif, np.array([bool(r[2]) for r in rows], bool)))
        for name, column in SIZE_COLUMNS:
            extra_values = np.array([r[column] for r in rows], dtype=np.int64)
            setattr(self, name, np.concatenate((getattr(self, name), extra_values)))
        ratings = np.array([r[12] for r in rows], dtype=np.float64)
        self.rating = np.concatenate((self.rating, ratings))
        self.user_rated = np.concatenate(
            (self.user_rated, np.array([bool(r[13]) for r in rows], dtype=bool))
        )
        for name in CODED:
            filler = np.full(extra, NONE, dtype=np.int32)
            setattr(self, name, np.concatenate((getattr(self, name), filler)))
        self.set_codes(rows, np.arange(start, start + extra))
        if not _sorted(self.rowids):
            order = np.argsort(self.rowids, kind="stable")
            for name in PER_ROW:
                setattr(self, name, getattr(self, name)[order])
            inverse = np.empty(len(order), dtype=np.int64)
            inverse[order] = np.arange(len(order))
            self.pair_row = inverse[self.pair_row]
            self.direct_row = inverse[self.direct_row]
            self.tag_row = inverse[self.tag_row]

    def add_folders(self, rows: NDArray[np.int64], folders: list[str]) -> None:
        """(row, folder) pairs of present files, with every folder above each."""
        direct, pair_row, pair_node = self.tree.pairs(rows, folders)
        self.direct_row = np.concatenate((self.direct_row, rows))
        self.direct_node = np.concatenate((self.direct_node, direct))
        self.pair_row = np.concatenate((self.pair_row, pair_row))
        self.pair_node = np.concatenate((self.pair_node, pair_node))

    def add_tags(self, rows: NDArray[np.int64], tags: list[str]) -> None:
        self.tag_row = np.concatenate((self.tag_row, rows))
        self.tag = np.concatenate((self.tag, self.tags.encode(tags)))

    def derive_days(self) -> None:
        """Day codes in date order (so month and year codes are too), and their months."""
        days = self.values["day"].values
        if len(self.day_month) == len(days):
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

    def rows_of_rowids(self, rowids: Any, keep_missing: bool = False) -> NDArray[np.int64]:
        """The rows of these rowids; those without a row are left out (or NONE)."""
        wanted = np.asarray(
            rowids if isinstance(rowids, np.ndarray) else list(rowids), dtype=np.int64
        )
        if not self.size:
            return np.full(len(wanted), NONE, dtype=np.int64) if keep_missing else wanted[:0]
        at = np.minimum(np.searchsorted(self.rowids, wanted), self.size - 1)
        found = self.rowids[at] == wanted
        return np.where(found, at, NONE) if keep_missing else at[found]

    def mask_of_rows(self, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
        mask = np.zeros(self.size, dtype=bool)
        mask[rows[rows >= 0]] = True
        return mask & self.live

    def everything(self) -> NDArray[np.bool_]:
        return self.live.copy()

    # Folders

    def folder_mask(self, folder: str) -> NDArray[np.bool_]:
        """Rows with a present file at or under folder (the Filter's subtree rule)."""
        code = self.tree.codes.get(folder, NONE)
        if code != NONE:
            return self.mask_of_rows(self.pair_row[self.pair_node == code])
        under = self.tree.under(folder)
        return self.mask_of_rows(self.direct_row[under[self.direct_node]])

    def folder_counts(self, mask: NDArray[np.bool_]) -> NDArray[np.intp]:
        """Node -> images at or under it (each image once, however many copies it has)."""
        return np.bincount(self.pair_node[mask[self.pair_row]], minlength=len(self.tree.paths))


def _sorted(values: NDArray[np.int64]) -> bool:
    return bool(len(values) < 2 or (values[1:] >= values[:-1]).all())
