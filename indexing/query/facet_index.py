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

This module is that machinery: the reads, the patches, the saved file and the cache. The
columns themselves are indexing.query.facet_columns; the filters over them,
indexing.query.facet_selection.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexing.query.facet_codes import Values
from indexing.query.facet_columns import ARRAYS, IMAGE_COLUMNS, FacetColumns, ImageRow
from indexing.query.facet_folders import FolderTree
from indexing.query.facet_selection import selection_mask, sql_fields
from indexing.query.filters import Filter
from indexing.store import facet_reads
from indexing.store.catalog import Catalog

PATCH_LIMIT = 100_000  # more changed images than this: build again rather than patch
SAVE_MIN_IMAGES = 20_000  # below this a build takes well under a second: no file
FILE_FORMAT = 1


class FacetIndex(FacetColumns):
    """The facet columns of one catalog as of a position (seq) in its facet_log."""

    def __init__(self, seq: int = 0, token: str = "") -> None:
        super().__init__()
        self.seq, self.token = seq, token

    # A build, from the catalog as of the caller's read transaction.

    @classmethod
    def build(cls, catalog: Catalog, seq: int, token: str) -> FacetIndex:
        self = cls(seq, token)
        rows = facet_reads.present_image_rows(catalog, IMAGE_COLUMNS)
        self.set_rows(rows)
        del rows
        self._learn_countries(catalog)
        self.tree = FolderTree(catalog.roots())
        rows_, folders = self._grouped(
            facet_reads.folder_counts(catalog), facet_reads.folder_rowids(catalog)
        )
        self.add_folders(rows_, folders)
        tag_rows, tags = self._grouped(
            facet_reads.tag_counts(catalog), facet_reads.tag_rowids(catalog)
        )
        self.add_tags(tag_rows, tags)
        self.derive_days()
        return self

    def _learn_countries(self, catalog: Catalog) -> None:
        for cc in self.values["country"].values:
            if cc not in self.country_names:
                name = facet_reads.country_name(catalog, cc)
                if name is not None:
                    self.country_names[cc] = name

    def _grouped(
        self, counted: Iterator[tuple[Any, int]], entry_rowids: Iterator[Any]
    ) -> tuple[NDArray[np.int64], list[Any]]:
        """(rows, value of each) of a two-column table read in its index's order: the values
        with their counts first (counted), then the image rowid of each entry in the same
        order (entry_rowids), so the values are run lengths and no string is read twice."""
        values, counts = [], []
        for value, count in counted:
            values.append(value or "/")
            counts.append(count)
        rowids = np.fromiter((row[0] for row in entry_rowids), dtype=np.int64)
        if len(rowids) != sum(counts):  # cannot be, in one read transaction
            raise RuntimeError("the catalog changed while the facet index was read")
        rows = self.rows_of_rowids(rowids, keep_missing=True)
        keep = rows >= 0
        per_entry = np.repeat(np.arange(len(values)), counts)[keep]
        return rows[keep], [values[i] for i in per_entry.tolist()]

    # Patching: the images that changed since, read again.

    def patched(self, catalog: Catalog, rowids: list[int], seq: int) -> FacetIndex:
        """A copy with these images read again (those in use stay untouched)."""
        new = self.copy()
        new._patch(catalog, sorted(set(rowids)))
        new.seq = seq
        return new

    def _patch(self, catalog: Catalog, rowids: list[int]) -> None:
        rows: list[ImageRow] = facet_reads.image_rows_of(catalog, IMAGE_COLUMNS, rowids)
        # Everything about these images goes; what is still there comes back.
        self.forget(self.rows_of_rowids(rowids))
        if rows:
            self.write(rows)
            self._learn_countries(catalog)
        files = facet_reads.present_folders_of(catalog, rowids)
        if files:
            self.add_folders(
                self.rows_of_rowids([r[0] for r in files]), [r[1] or "/" for r in files]
            )
        tags = facet_reads.tags_of(catalog, rowids)
        if tags:
            self.add_tags(self.rows_of_rowids([r[0] for r in tags]), [r[1] for r in tags])
        self.derive_days()

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
                self = cls(int(meta["seq"]), token)
                for name in ARRAYS:
                    setattr(self, name, saved[name])
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None
        self.values = {
            name: Values([tuple(v) for v in values] if name == "city" else values)
            for name, values in meta["values"].items()
        }
        self.tags = Values(meta["tags"])
        self.country_names = dict(meta["country_names"])
        self.tree = FolderTree(meta["roots"], meta["folders"])
        self.derive_days()
        return self

    def content_ids(self, catalog: Catalog, rows: Any) -> list[str]:
        """The content ids of these rows, in their order."""
        rowids = [int(self.rowids[row]) for row in rows]
        if not rowids:
            return []
        found = facet_reads.content_ids_of(catalog, rowids)
        return [found[rowid] for rowid in rowids]

    def selection_mask(self, flt: Filter, ignored: tuple[str, ...] = ()) -> NDArray[np.bool_]:
        """Rows kept by the coded fields of flt, except the ignored ones."""
        return selection_mask(self, flt, ignored)


_LOCK = threading.Lock()
_CACHE: dict[Path, FacetIndex] = {}


def saved_path(catalog: Catalog) -> Path:
    return catalog.path.with_name(catalog.path.name + ".facets.npz")


def facet_index(catalog: Catalog) -> FacetIndex:
    """The column store of this catalog as of now: patched, loaded or built."""
    key = catalog.path.resolve()
    # One read transaction: the log and every table read are of the same moment.
    with facet_reads.read_snapshot(catalog):
        seq, token = facet_reads.position(catalog)
        with _LOCK:
            index = _CACHE.get(key)
        if index is None or index.token != token:
            index = FacetIndex.load(saved_path(catalog), token)
        if index is not None and index.seq == seq:
            return _keep(key, index)
        changed = _changes(catalog, index.seq) if index is not None else None
        if index is not None and changed is not None:
            index = index.patched(catalog, changed, seq)
            if index.size >= SAVE_MIN_IMAGES and len(changed) >= SAVE_MIN_IMAGES // 4:
                index.save(saved_path(catalog))
        else:
            index = FacetIndex.build(catalog, seq, token)
            if index.size >= SAVE_MIN_IMAGES:
                index.save(saved_path(catalog))
    return _keep(key, index)


def _keep(key: Path, index: FacetIndex) -> FacetIndex:
    with _LOCK:
        if key not in _CACHE and len(_CACHE) >= 4:  # test runs open many catalogs
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = index
    return index


def _changes(catalog: Catalog, since: int) -> list[int] | None:
    """The images changed since that position, or None when a patch cannot say it all: the
    log was trimmed past it, a root changed (NULL), or a build is cheaper."""
    rows = facet_reads.changed_since(catalog, since, PATCH_LIMIT)
    if rows is None or len(rows) > PATCH_LIMIT or any(row is None for row in rows):
        return None
    return rows


def base_mask(
    index: FacetIndex, catalog: Catalog, flt: Filter, extra: str, params: list
) -> np.ndarray:
    """Rows kept by flt's SQL-only fields and a metadata query (`extra`, ' AND ...')."""
    rest = sql_fields(flt)
    if rest.is_empty and not extra:
        return index.everything()
    where, where_params = rest.where()
    rowids = facet_reads.rowids_where(catalog, f"{where}{extra}", [*where_params, *params])
    return index.mask_of_rows(index.rows_of_rowids(rowids))
