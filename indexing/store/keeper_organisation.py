"""What a duplicate group's keeper takes over of the user's organisation (issue 33 beside
issue 28's keep-the-best): the albums the images it replaces are in, their tags, their
caption where it has none, and an album cover one of them was. The replaced images keep
theirs (they hang off their content ids, in the trash and after a restore), so undoing a
keep only takes back from the keeper what it was given here (`give_back`): the rows this
added, recognised by their time, and the covers it moved.

Ratings and preferences are inherited by store/ratings.py (Ratings.inherit); the user's
action is indexing/curate/keep_best.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field


@dataclass(slots=True)
class OrganisationInheritance:
    """What one keeper was given, so that it can be taken back."""

    keeper: str
    at: float
    albums: list[int] = field(default_factory=list)  # albums it joined
    tags: list[int] = field(default_factory=list)  # tags it was given
    caption: bool = False  # it took a caption (it had none)
    covers: list[tuple[int, str]] = field(default_factory=list)  # (album, the cover before)

    @property
    def taken(self) -> int:
        return len(self.albums) + len(self.tags) + self.caption + len(self.covers)


def inherit(
    conn: sqlite3.Connection, keeper: str, replaced: list[str], at: float
) -> OrganisationInheritance:
    """Inside the caller's transaction: the keeper joins every album the replaced images are
    in (at the place of the first of them, for a manual order), takes their tags (as the
    user's: keeping was the user's act, and a sidecar read later must not take them away),
    their newest caption if it has none, and becomes the cover where one of them was."""
    given = OrganisationInheritance(keeper, at)
    replaced = [cid for cid in dict.fromkeys(replaced) if cid != keeper]
    if not replaced:
        return given
    marks = ",".join("?" * len(replaced))
    for album, position in conn.execute(
        f"SELECT album, MIN(position) FROM album_items WHERE content_id IN ({marks}) "
        "AND album NOT IN (SELECT album FROM album_items WHERE content_id = ?) "
        "GROUP BY album ORDER BY album",
        [*replaced, keeper],
    ).fetchall():
        conn.execute(
            "INSERT INTO album_items(album, content_id, position, added) VALUES (?, ?, ?, ?)",
            (album, keeper, position, at),
        )
        given.albums.append(int(album))
    for (tag,) in conn.execute(
        f"SELECT DISTINCT tag FROM image_tags WHERE content_id IN ({marks}) "
        "AND tag NOT IN (SELECT tag FROM image_tags WHERE content_id = ?) ORDER BY tag",
        [*replaced, keeper],
    ).fetchall():
        conn.execute(
            "INSERT INTO image_tags(tag, content_id, source, added) VALUES (?, ?, 'user', ?)",
            (tag, keeper, at),
        )
        given.tags.append(int(tag))
    given.caption = _inherit_caption(conn, keeper, replaced, marks, at)
    for album, cover in conn.execute(
        f"SELECT id, cover FROM albums WHERE cover IN ({marks}) ORDER BY id", replaced
    ).fetchall():
        conn.execute("UPDATE albums SET cover = ? WHERE id = ?", (keeper, album))
        given.covers.append((int(album), str(cover)))
    return given


def _inherit_caption(
    conn: sqlite3.Connection, keeper: str, replaced: list[str], marks: str, at: float
) -> bool:
    if conn.execute("SELECT 1 FROM captions WHERE content_id = ?", (keeper,)).fetchone():
        return False
    newest = conn.execute(
        f"SELECT text FROM captions WHERE content_id IN ({marks}) ORDER BY at DESC LIMIT 1",
        replaced,
    ).fetchone()
    if newest is None:
        return False
    conn.execute(
        "INSERT INTO captions(content_id, text, source, at) VALUES (?, ?, 'user', ?)",
        (keeper, newest[0], at),
    )
    return True


def give_back(conn: sqlite3.Connection, given: OrganisationInheritance) -> None:
    """Inside the caller's transaction: undo an inherit. A row the user changed since (an
    album left and joined again, a caption rewritten, another cover chosen) is theirs and
    stays."""
    keeper, at = given.keeper, given.at
    for album in given.albums:
        conn.execute(
            "DELETE FROM album_items WHERE album = ? AND content_id = ? AND added = ?",
            (album, keeper, at),
        )
    for tag in given.tags:
        conn.execute(
            "DELETE FROM image_tags WHERE tag = ? AND content_id = ? AND added = ?",
            (tag, keeper, at),
        )
    if given.caption:
        conn.execute("DELETE FROM captions WHERE content_id = ? AND at = ?", (keeper, at))
    for album, cover in given.covers:
        conn.execute(
            "UPDATE albums SET cover = ? WHERE id = ? AND cover = ?", (cover, album, keeper)
        )
