"""Tags and captions: what the user does with them. Tag many images at once (one transaction,
a tag path made canonical first: indexing.names.tag_paths), untag them, list the tags with
how many images each holds (a tag counts what is under it), and write one caption per image.
Checks run before any write: a bad path or a trashed image changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from indexing.curate.albums import absent_problem
from indexing.errors import PictorError
from indexing.names.tag_paths import BadName, tag_path
from indexing.query.tag_counts import tag_counts
from indexing.store import tags as rows
from indexing.store.catalog import Catalog

MAX_CAPTION = 10_000  # characters


def parse_tag(text: str) -> str:
    try:
        return tag_path(text)
    except BadName as exc:
        raise PictorError(str(exc)) from None


class Tags:
    """The tags and captions of one catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def add(self, tag: str, content_ids: Sequence[str]) -> tuple[str, int]:
        """(the tag as stored, how many images newly have it)."""
        path = parse_tag(tag)
        ids = list(dict.fromkeys(content_ids))
        if not ids:
            raise PictorError("no images to tag")
        with self.catalog.transaction() as conn:
            problem = absent_problem(self.catalog, ids)
            if problem:
                raise PictorError(problem)
            tag_id = rows.ensure_tag(conn, path, time.time())
            added = rows.put_tags(conn, tag_id, ids, "user", time.time())
            stored = self._path(tag_id)
        return stored, added

    def remove(self, tag: str, content_ids: Sequence[str]) -> tuple[str, int]:
        """(the tag, how many images lost it); a tag no image has any more is forgotten."""
        path = parse_tag(tag)
        with self.catalog.transaction() as conn:
            tag_id = rows.tag_id(conn, path)
            if tag_id is None:
                raise PictorError(f"no tag {path!r} (see: tag list)")
            stored = self._path(tag_id)
            removed = rows.remove_tags(conn, tag_id, list(dict.fromkeys(content_ids)))
            rows.drop_unused(conn)
        return stored, removed

    def set_tags(self, content_id: str, typed: list[str]) -> list[str]:
        """Make the image's tags exactly these (as the viewer edits them): every path is
        checked first, then the new ones are added and the missing ones removed, in one
        transaction. Its tags afterwards."""
        wanted = list(dict.fromkeys(parse_tag(tag) for tag in typed if tag.strip()))
        current = {path.lower(): path for path in self.of(content_id)}
        with self.catalog.transaction() as conn:
            problem = absent_problem(self.catalog, [content_id])
            if problem:
                raise PictorError(problem)
            for path in wanted:
                if path.lower() not in current:
                    rows.put_tags(conn, rows.ensure_tag(conn, path, time.time()), [content_id],
                                  "user", time.time())  # fmt: skip
            keep = {path.lower() for path in wanted}
            for lowered, path in current.items():
                tag_id = rows.tag_id(conn, path)
                if lowered not in keep and tag_id is not None:
                    rows.remove_tags(conn, tag_id, [content_id])
            rows.drop_unused(conn)
        return self.of(content_id)

    def counts(self) -> list[tuple[str, int]]:
        return tag_counts(self.catalog)

    def of(self, content_id: str) -> list[str]:
        return [path for path, _ in rows.tags_of(self.catalog, content_id)]

    def set_caption(self, content_id: str, text: str | None) -> str | None:
        """Set (None or blank: clear) the image's caption; the caption as stored."""
        cleaned = (text or "").strip()
        if len(cleaned) > MAX_CAPTION:
            raise PictorError(f"a caption is at most {MAX_CAPTION:,} characters")
        with self.catalog.transaction() as conn:
            problem = absent_problem(self.catalog, [content_id])
            if problem:
                raise PictorError(problem)
            rows.put_caption(conn, content_id, cleaned or None, "user", time.time())
        return cleaned or None

    def caption(self, content_id: str) -> str | None:
        found = rows.caption_of(self.catalog, content_id)
        return None if found is None else found[0]

    def _path(self, tag_id: int) -> str:
        return rows.path_of(self.catalog.conn, tag_id)
