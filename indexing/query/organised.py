"""The album, tag and person filters checked against what exists: `--album "Sumer 2024"`
(a typo) says there is no such album instead of quietly showing nothing."""

from __future__ import annotations

from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.store.albums import album_ids
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable
from indexing.store.smart_albums import smart_queries
from indexing.store.tags import tag_exists


def check_known(catalog: Catalog, flt: Filter | None) -> None:
    """PictorError (one sentence) when flt names an album, a tag or a person that does not
    exist."""
    if flt is None:
        return
    if flt.album is not None:
        *folders, name = flt.album.split("/")
        ids = album_ids(catalog.conn, folders, name)
        if not ids:
            raise PictorError(f"no album named {flt.album!r} (see: album list)")
        if set(ids) & set(smart_queries(catalog)):  # resolved by the front end, else refused
            raise PictorError(
                f"{flt.album!r} is a smart album: its images come from its query; "
                f"use --album {flt.album!r} on list, find, facets or search"
            )
    if flt.tag is not None and not tag_exists(catalog, flt.tag):
        raise PictorError(f"no tag {flt.tag!r} (see: tag list)")
    for name in flt.people:
        if FaceTable(catalog).person_named(name) is None:
            raise PictorError(f"no person named {name!r} (see: people list)")
