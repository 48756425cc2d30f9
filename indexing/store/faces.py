"""The faces and people tables (migration 18): reads and writes only. What grouping decides
is indexing.curate.face_groups; what the user does is indexing.curate.people.

Descriptors are 128 float32 stored as a 512-byte BLOB. A face's box is in fractions of
the upright image (left, top, width, height), so it is the same at any display size.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from indexing.store.catalog import Catalog

DESCRIPTOR_BYTES = 128 * 4
SAME_FACE = 0.5  # intersection over union: a box of a backup (or re-detection) is this face
SAME_MOMENT_MS = 100  # a video's face of a backup is one seen this close to its moment
Box = tuple[float, float, float, float]  # left, top, width, height: fractions of the image


@dataclass(frozen=True, slots=True)
class NewFace:
    """A face to store: from the detector (with a descriptor) or from XMP regions."""

    left: float
    top: float
    width: float
    height: float
    score: float | None
    descriptor: bytes | None
    source: str = "detected"  # or 'xmp'
    name: str | None = None  # a name the file's XMP gives this face
    moment_ms: int | None = None  # a video's face: the moment it was seen at


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What the faces stage learned about one content."""

    content_id: str
    faces: tuple[NewFace, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FaceRow:
    """One stored face."""

    id: int
    content_id: str
    left: float
    top: float
    width: float
    height: float
    score: float | None
    person_id: int | None
    person_name: str | None
    assigned: str | None
    source: str
    moment_ms: int | None = None  # a video's face: the moment (ms) its box is of


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person with the number of photos (present contents) showing them."""

    id: int
    name: str | None
    hidden: bool
    photos: int
    faces: int
    cover_face: int | None


FACE_COLUMNS = (
    "f.id, f.content_id, f.left, f.top, f.width, f.height, f.score, f.person_id, p.name, "
    "f.assigned, f.source, f.moment_ms"
)
PRESENT = "EXISTS (SELECT 1 FROM files x WHERE x.content_id = {0} AND x.status = 'present')"


def descriptor_blob(descriptor: npt.NDArray[np.float32]) -> bytes:
    return np.asarray(descriptor, dtype="<f4").reshape(128).tobytes()


def descriptors_of(blobs: Sequence[bytes]) -> npt.NDArray[np.float32]:
    """Rows of 128 float32 from stored BLOBs."""
    if not blobs:
        return np.zeros((0, 128), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), 128).astype(np.float32)


def with_people(names: Sequence[str]) -> tuple[str, list[Any]]:
    """A condition over images `i`: every one of these people is in the image."""
    clauses = []
    for _ in names:
        clauses.append(
            "i.content_id IN (SELECT f.content_id FROM faces f JOIN people p "
            "ON p.id = f.person_id WHERE p.name = ? COLLATE NOCASE)"
        )
    return " AND ".join(clauses), list(names)


def with_people_probe(names: Sequence[str]) -> tuple[str, list[Any]]:
    """with_people as a probe of each image's own faces (faces_content), for walking a sort
    index."""
    clause = (
        "EXISTS (SELECT 1 FROM faces f JOIN people p ON p.id = f.person_id "
        "WHERE f.content_id = i.content_id AND p.name = ? COLLATE NOCASE)"
    )
    return " AND ".join(clause for _ in names), list(names)


def with_face_count(low: int | None, high: int | None) -> tuple[str, list[Any]]:
    """A condition over images `i`: the number of faces found in it is within [low, high]
    (0: scanned and no face; an image the detector has not seen yet never matches)."""
    count = "(SELECT COUNT(*) FROM faces f WHERE f.content_id = i.content_id)"
    clauses = ["i.content_id IN (SELECT content_id FROM face_scans)"]
    params: list[Any] = []
    if low is not None:
        clauses.append(f"{count} >= ?")
        params.append(low)
    if high is not None:
        clauses.append(f"{count} <= ?")
        params.append(high)
    return " AND ".join(clauses), params


def named_faces(catalog: Catalog) -> tuple[npt.NDArray[np.int64], list[str]]:
    """(images rowid, person name) of every face of a named, visible person: the People
    facet counts them under its mask."""
    rows = catalog.conn.execute(
        "SELECT DISTINCT i.rowid, p.name FROM faces f JOIN people p ON p.id = f.person_id "
        "JOIN images i ON i.content_id = f.content_id WHERE p.name IS NOT NULL AND p.hidden = 0"
    ).fetchall()
    return np.array([r[0] for r in rows], np.int64), [r[1] for r in rows]


def people_stamp(catalog: Catalog) -> int:
    """A number that goes up whenever a face joins, leaves or changes person or photo, or a
    person is renamed, hidden, shown or deleted (migration 24's triggers)."""
    return int(catalog.conn.execute("SELECT stamp FROM people_changes WHERE id = 1").fetchone()[0])


def _stamp_moves(conn: sqlite3.Connection) -> None:
    """The people stamp moved by hand, for what its triggers do not see but "Who is this?"
    does (its queue is kept until the stamp moves): a face confirmed, a person refused for a
    face it is not in, a placeholder's face detected (a descriptor now)."""
    conn.execute("UPDATE people_changes SET stamp = stamp + 1 WHERE id = 1")


class FaceTable:
    """The catalog's faces, people, rejections and scans."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.conn = catalog.conn

    # -- the faces stage -------------------------------------------------------------------

    def pending_scans(self, limit: int | None = None) -> list[tuple[str, str]]:
        """(content id, a present path) of each image the detector has not seen yet."""
        sql = """
            SELECT i.content_id, (SELECT f.path FROM files f WHERE f.content_id = i.content_id
                                  AND f.status = 'present' ORDER BY f.path LIMIT 1) AS path
            FROM images i
            WHERE i.kind IN ('image', 'video') AND i.present_files > 0
              AND NOT EXISTS (SELECT 1 FROM face_scans s WHERE s.content_id = i.content_id)
            ORDER BY i.content_id
        """
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [(row[0], row[1]) for row in self.conn.execute(sql) if row[1] is not None]

    def put_scans(self, results: Iterable[ScanResult], model: str) -> list[int]:
        """Store a batch of scans in one transaction; the ids of the new faces that XMP did
        not already name (grouping's work)."""
        new_faces: list[int] = []
        now = time.time()
        with self.catalog.transaction() as conn:
            for result in results:
                conn.execute(
                    "INSERT OR REPLACE INTO face_scans(content_id, model, faces, error, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (result.content_id, model, len(result.faces), result.error, now),
                )
                for face in result.faces:
                    if face.source == "detected" and _fill_placeholder(conn, result.content_id,
                                                                       face, model):  # fmt: skip
                        continue  # a face the backup named before it was found: found now
                    person = _person_named(conn, face.name, now) if face.name else None
                    face_id = conn.execute(
                        "INSERT INTO faces(content_id, left, top, width, height, score, "
                        "descriptor, model, source, person_id, assigned, moment_ms) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            result.content_id, face.left, face.top, face.width, face.height,
                            face.score, face.descriptor,
                            model if face.source == "detected" else None,
                            face.source, person, "xmp" if person is not None else None,
                            face.moment_ms,
                        ),
                    ).lastrowid  # fmt: skip
                    if person is None and face.descriptor is not None:
                        new_faces.append(int(face_id or 0))
        return new_faces

    def scan_counts(self) -> dict[str, int]:
        """Images scanned, with a failure, still pending; faces found; people."""
        scanned, failed = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(error IS NOT NULL), 0) FROM face_scans"
        ).fetchone()
        pending = self.conn.execute(
            "SELECT COUNT(*) FROM images i WHERE i.kind IN ('image', 'video') "
            "AND i.present_files > 0 "
            "AND NOT EXISTS (SELECT 1 FROM face_scans s WHERE s.content_id = i.content_id)"
        ).fetchone()[0]
        faces = self.conn.execute("SELECT COUNT(*) FROM faces").fetchone()[0]
        people = self.conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        named = self.conn.execute("SELECT COUNT(*) FROM people WHERE name IS NOT NULL").fetchone()
        return {
            "scanned": scanned, "failed": failed, "pending": pending, "faces": faces,
            "people": people, "named": named[0],
        }  # fmt: skip

    def scan_errors(self) -> list[tuple[str, str]]:
        """(content id, reason) of each image the detector could not read."""
        return self.conn.execute(
            "SELECT content_id, error FROM face_scans WHERE error IS NOT NULL ORDER BY content_id"
        ).fetchall()

    # -- grouping --------------------------------------------------------------------------

    def ungrouped(self) -> tuple[list[int], list[str], list[bytes]]:
        """(face ids, content ids, descriptors) of the faces in no person, with a descriptor."""
        rows = self.conn.execute(
            "SELECT id, content_id, descriptor FROM faces "
            "WHERE person_id IS NULL AND descriptor IS NOT NULL ORDER BY id"
        ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def grouped(self) -> tuple[list[int], list[int], list[bytes]]:
        """(face ids, person ids, descriptors) of the faces already in a person."""
        rows = self.conn.execute(
            "SELECT id, person_id, descriptor FROM faces "
            "WHERE person_id IS NOT NULL AND descriptor IS NOT NULL ORDER BY id"
        ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def rejections_for(self, face_ids: Sequence[int]) -> dict[int, set[int]]:
        """face id -> the people the user said it is not (by content and face centre)."""
        out: dict[int, set[int]] = {}
        for chunk in _chunks(list(face_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""
                SELECT f.id, r.person_id FROM faces f JOIN face_rejections r
                    ON r.content_id = f.content_id
                   AND r.cx BETWEEN f.left AND f.left + f.width
                   AND r.cy BETWEEN f.top AND f.top + f.height
                WHERE f.id IN ({marks})
                """,
                chunk,
            )
            for face_id, person in rows:
                out.setdefault(face_id, set()).add(person)
        return out

    def assign_groups(
        self, joins: dict[int, int], new_groups: Sequence[Sequence[int]]
    ) -> list[int]:
        """In one transaction: each face of `joins` joins its person, and each new group
        becomes an unnamed person. Only faces still in no person move (a user decision made
        meanwhile wins). The new people's ids."""
        now = time.time()
        created = []
        with self.catalog.transaction() as conn:
            conn.executemany(
                "UPDATE faces SET person_id = ?, assigned = 'auto' "
                "WHERE id = ? AND person_id IS NULL",
                ((person, face) for face, person in joins.items()),
            )
            for group in new_groups:
                person = int(
                    conn.execute(
                        "INSERT INTO people(name, created_at, cover_face) VALUES (NULL, ?, ?)",
                        (now, group[0]),
                    ).lastrowid
                    or 0
                )
                created.append(person)
                conn.executemany(
                    "UPDATE faces SET person_id = ?, assigned = 'auto' "
                    "WHERE id = ? AND person_id IS NULL",
                    ((person, face) for face in group),
                )
        return created

    # -- people ----------------------------------------------------------------------------

    def people(
        self, *, include_hidden: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[PersonRow]:
        """People with at least one present photo, the most photos first."""
        where = "" if include_hidden else "WHERE p.hidden = 0"
        sql = f"""
            SELECT p.id, p.name, p.hidden, p.cover_face,
                   (SELECT COUNT(DISTINCT f.content_id) FROM faces f
                     WHERE f.person_id = p.id AND {PRESENT.format("f.content_id")}) AS photos,
                   (SELECT COUNT(*) FROM faces f WHERE f.person_id = p.id) AS faces
            FROM people p {where}
            ORDER BY photos DESC, p.name IS NULL, p.name COLLATE NOCASE, p.id
        """
        rows = [
            PersonRow(r[0], r[1], bool(r[2]), r[4], r[5], r[3])
            for r in self.conn.execute(sql)
            if r[4] > 0
        ]
        return rows[offset : None if limit is None else offset + limit]

    def person(self, person_id: int) -> PersonRow | None:
        row = self.conn.execute(
            f"""
            SELECT p.id, p.name, p.hidden, p.cover_face,
                   (SELECT COUNT(DISTINCT f.content_id) FROM faces f
                     WHERE f.person_id = p.id AND {PRESENT.format("f.content_id")}),
                   (SELECT COUNT(*) FROM faces f WHERE f.person_id = p.id)
            FROM people p WHERE p.id = ?
            """,
            (person_id,),
        ).fetchone()
        return (
            None if row is None else PersonRow(row[0], row[1], bool(row[2]), row[4], row[5], row[3])
        )

    def person_named(self, name: str) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM people WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
        return None if row is None else int(row[0])

    def photos_of(self, person_id: int) -> list[str]:
        """The present contents showing this person."""
        rows = self.conn.execute(
            f"SELECT DISTINCT f.content_id FROM faces f WHERE f.person_id = ? "
            f"AND {PRESENT.format('f.content_id')} ORDER BY f.content_id",
            (person_id,),
        )
        return [row[0] for row in rows]

    def faces_of_person(self, person_id: int) -> list[FaceRow]:
        return self._faces("f.person_id = ?", (person_id,))

    def faces_in(self, content_id: str) -> list[FaceRow]:
        """The faces of one image, left to right."""
        return self._faces("f.content_id = ?", (content_id,), order="f.left")

    def face(self, face_id: int) -> FaceRow | None:
        found = self._faces("f.id = ?", (face_id,))
        return found[0] if found else None

    def _faces(self, where: str, params: Sequence[Any], order: str = "f.id") -> list[FaceRow]:
        rows = self.conn.execute(
            f"SELECT {FACE_COLUMNS} FROM faces f LEFT JOIN people p ON p.id = f.person_id "
            f"WHERE {where} ORDER BY {order}",
            params,
        )
        return [FaceRow(*row) for row in rows]

    def descriptors_of_person(self, person_id: int) -> npt.NDArray[np.float32]:
        rows = self.conn.execute(
            "SELECT descriptor FROM faces WHERE person_id = ? AND descriptor IS NOT NULL",
            (person_id,),
        )
        return descriptors_of([row[0] for row in rows])

    def face_descriptor(self, face_id: int) -> npt.NDArray[np.float32] | None:
        row = self.conn.execute("SELECT descriptor FROM faces WHERE id = ?", (face_id,)).fetchone()
        return None if row is None or row[0] is None else descriptors_of([row[0]])[0]

    # -- "Who is this?" ---------------------------------------------------------------------

    def review_candidates(self) -> list[tuple[int, int | None, bool, bytes]]:
        """(face id, person id, whether that person is named, descriptor) of each face of a
        present photo whose person no one has confirmed: grouping's ('auto') faces of named
        people, every face of an unnamed person, and the faces in no person. Hidden people's
        faces are left out (the user put them out of sight)."""
        rows = self.conn.execute(
            "SELECT f.id, f.person_id, p.name IS NOT NULL, f.descriptor FROM faces f "
            "LEFT JOIN people p ON p.id = f.person_id WHERE f.descriptor IS NOT NULL "
            "AND (f.person_id IS NULL OR (p.hidden = 0 AND (f.assigned = 'auto' "
            f"OR p.name IS NULL))) AND {PRESENT.format('f.content_id')} ORDER BY f.id"
        )
        return [(r[0], r[1], bool(r[2]), r[3]) for r in rows]

    def confirmed_named(self) -> tuple[list[int], list[bytes]]:
        """(person ids, descriptors) of the faces the user (or XMP) put in a named person:
        what "Who is this?" measures a face against."""
        rows = self.conn.execute(
            "SELECT f.person_id, f.descriptor FROM faces f JOIN people p ON p.id = f.person_id "
            "WHERE p.name IS NOT NULL AND f.assigned IN ('user', 'xmp') "
            "AND f.descriptor IS NOT NULL ORDER BY f.id"
        ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def person_names(self) -> dict[int, str]:
        """person id -> name, of every named person."""
        rows = self.conn.execute("SELECT id, name FROM people WHERE name IS NOT NULL")
        return {row[0]: row[1] for row in rows}

    def people_in(self, content_ids: Sequence[str]) -> dict[str, list[str]]:
        """content id -> the names of the named people in it."""
        out: dict[str, list[str]] = {}
        for chunk in _chunks(list(content_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT DISTINCT f.content_id, p.name FROM faces f JOIN people p "
                f"ON p.id = f.person_id WHERE p.name IS NOT NULL AND f.content_id IN ({marks}) "
                f"ORDER BY p.name",
                chunk,
            )
            for content_id, name in rows:
                out.setdefault(content_id, []).append(name)
        return out

    def name_counts(self) -> list[tuple[str, int]]:
        """(name, present photos) of every named, visible person, the most photos first."""
        return [(p.name, p.photos) for p in self.people() if p.name is not None]

    # -- the user's decisions --------------------------------------------------------------

    def set_name(self, person_id: int, name: str | None) -> None:
        with self.catalog.transaction() as conn:
            conn.execute("UPDATE people SET name = ? WHERE id = ?", (name, person_id))
            # A named person's faces are the user's now: grouping never moves them.
            conn.execute(
                "UPDATE faces SET assigned = 'user' WHERE person_id = ? AND assigned = 'auto'",
                (person_id,),
            )

    def set_hidden(self, person_id: int, hidden: bool) -> None:
        with self.catalog.transaction() as conn:
            conn.execute("UPDATE people SET hidden = ? WHERE id = ?", (int(hidden), person_id))

    def merge(self, source: int, target: int) -> int:
        """Move every face of source to target and delete source; faces moved."""
        with self.catalog.transaction() as conn:
            moved = conn.execute(
                "UPDATE faces SET person_id = ?, assigned = 'user' WHERE person_id = ?",
                (target, source),
            ).rowcount
            conn.execute(
                "INSERT OR IGNORE INTO face_rejections(person_id, content_id, cx, cy, at) "
                "SELECT ?, content_id, cx, cy, at FROM face_rejections WHERE person_id = ?",
                (target, source),
            )
            conn.execute("DELETE FROM people WHERE id = ?", (source,))
            return moved

    def move_face(self, face_id: int, person_id: int) -> None:
        with self.catalog.transaction() as conn:
            conn.execute(
                "UPDATE faces SET person_id = ?, assigned = 'user' WHERE id = ?",
                (person_id, face_id),
            )

    def confirm(self, face_id: int) -> bool:
        """ "Yes, that is them": the face's person is the user's word now (grouping never
        moves it, and "Who is this?" never asks again); whether it is in a person."""
        with self.catalog.transaction() as conn:
            _stamp_moves(conn)
            return (
                conn.execute(
                    "UPDATE faces SET assigned = 'user' WHERE id = ? AND person_id IS NOT NULL",
                    (face_id,),
                ).rowcount
                > 0
            )

    def reject_for(self, face_id: int, person_id: int) -> None:
        """ "Not this person" said of a person the face is not in (a suggestion refused):
        remembered by content and face centre, as reject() remembers it."""
        with self.catalog.transaction() as conn:
            _stamp_moves(conn)
            conn.execute(
                "INSERT OR IGNORE INTO face_rejections(person_id, content_id, cx, cy, at) "
                "SELECT ?, content_id, left + width / 2, top + height / 2, ? FROM faces "
                "WHERE id = ?",
                (person_id, time.time(), face_id),
            )

    def create_person(self, name: str | None) -> int:
        with self.catalog.transaction() as conn:
            return _insert_person(conn, name, time.time())

    def reject(self, face_id: int) -> int | None:
        """ "Not this person": the face leaves its person, and that person is remembered as
        one it is not. The person it left, or None if it was in none."""
        with self.catalog.transaction() as conn:
            row = conn.execute(
                "SELECT person_id, content_id, left + width / 2, top + height / 2 FROM faces "
                "WHERE id = ?",
                (face_id,),
            ).fetchone()
            if row is None or row[0] is None:
                return None
            person, content_id, cx, cy = row
            conn.execute(
                "INSERT OR IGNORE INTO face_rejections(person_id, content_id, cx, cy, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (person, content_id, cx, cy, time.time()),
            )
            conn.execute(
                "UPDATE faces SET person_id = NULL, assigned = NULL WHERE id = ?", (face_id,)
            )
            _recover_cover(conn, person)
            return int(person)

    def forget_all(self) -> dict[str, int]:
        """Delete every face, descriptor, person, rejection and scan."""
        with self.catalog.transaction() as conn:
            counts = {
                "faces": conn.execute("DELETE FROM faces").rowcount,
                "people": conn.execute("DELETE FROM people").rowcount,
            }
            conn.execute("DELETE FROM face_rejections")
            counts["scans"] = conn.execute("DELETE FROM face_scans").rowcount
        return counts

    def drop_empty_people(self) -> int:
        """Unnamed people left with no face (after moves and rejections) are removed."""
        with self.catalog.transaction() as conn:
            return conn.execute(
                "DELETE FROM people WHERE name IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM faces f WHERE f.person_id = people.id)"
            ).rowcount


def box_overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (left, top, width, height)."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def same_face(
    conn: sqlite3.Connection,
    content_id: str,
    box: Box,
    *,
    placeholders: bool = False,
    moment_ms: int | None = None,
):
    """(face id, person id, assigned) of the face of this content whose box overlaps `box`
    most, at SAME_FACE or more (placeholders: only faces without a descriptor); or None.
    moment_ms: a video's face, which is only a face seen within SAME_MOMENT_MS of that
    moment (two moments can have faces in the same place); None: any (a still image, or a
    backup made before moments were kept)."""
    extra = " AND descriptor IS NULL" if placeholders else ""
    best, best_overlap = None, SAME_FACE
    for face_id, left, top, width, height, person, assigned, moment in conn.execute(
        "SELECT id, left, top, width, height, person_id, assigned, moment_ms FROM faces "
        f"WHERE content_id = ?{extra}",
        (content_id,),
    ):
        elsewhen = moment_ms is not None and moment is not None
        if elsewhen and abs(moment - moment_ms) > SAME_MOMENT_MS:
            continue
        overlap = box_overlap(box, (left, top, width, height))
        if overlap >= best_overlap:
            best, best_overlap = (face_id, person, assigned), overlap
    return best


def _fill_placeholder(conn: sqlite3.Connection, content_id: str, face: NewFace, model: str) -> bool:
    """A detected face that a placeholder (a face the backup named, not found yet) stands
    for takes the placeholder's row, keeping its person; whether there was one."""
    found = same_face(conn, content_id, (face.left, face.top, face.width, face.height),
                      placeholders=True, moment_ms=face.moment_ms)  # fmt: skip
    if found is None:
        return False
    conn.execute(
        "UPDATE faces SET left = ?, top = ?, width = ?, height = ?, score = ?, descriptor = ?, "
        "model = ?, source = 'detected', moment_ms = ? WHERE id = ?",
        (face.left, face.top, face.width, face.height, face.score, face.descriptor, model,
         face.moment_ms, found[0]),
    )  # fmt: skip
    _stamp_moves(conn)
    return True


def export_people(catalog: Catalog) -> list[dict[str, Any]]:
    """The people the user made something of (a name, hidden, a merge or a moved face, a
    "not this person"), each with the faces that are theirs by the user's word (all of a
    named or hidden person's) and their rejections, keyed by content id and box (and, for a
    video's face, the moment it was seen at)."""
    conn = catalog.conn
    rejected: dict[int, list[dict[str, Any]]] = {}
    for person, content_id, cx, cy, at in conn.execute(
        "SELECT person_id, content_id, cx, cy, at FROM face_rejections "
        "ORDER BY person_id, content_id, cx, cy"
    ):
        rejected.setdefault(person, []).append(
            {"content_id": content_id, "centre": [cx, cy], "time": at}
        )
    out = []
    for person, name, hidden, created in conn.execute(
        "SELECT id, name, hidden, created_at FROM people ORDER BY name IS NULL, name, id"
    ).fetchall():
        every = name is not None or bool(hidden)
        mine = "" if every else "AND assigned = 'user'"
        faces = [
            {"content_id": cid, "box": [left, top, width, height]}
            | ({} if moment is None else {"moment_ms": moment})
            for cid, left, top, width, height, moment in conn.execute(
                "SELECT content_id, left, top, width, height, moment_ms FROM faces "
                f"WHERE person_id = ? {mine} ORDER BY content_id, moment_ms, left, top",
                (person,),
            )
        ]
        if not (every or faces or person in rejected):
            continue
        out.append({
            "name": name, "hidden": bool(hidden), "created": created, "faces": faces,
            "not": rejected.get(person, []),
        })  # fmt: skip
    return out


def import_person(
    conn: sqlite3.Connection, entry: dict[str, Any], keep_mine: bool, now: float
) -> tuple[int, int, int]:
    """Put one exported person back (in the caller's transaction): found by name (made if
    missing), its faces matched by content and box (a face not found yet is kept as a
    placeholder the faces stage fills), its rejections kept. keep_mine: a face the user
    already put in another person stays there. (people added, faces assigned, rejections
    added)."""
    faces = entry["faces"]
    person, added = None, 0
    if entry["name"] is not None:
        row = conn.execute(
            "SELECT id FROM people WHERE name = ? COLLATE NOCASE", (entry["name"],)
        ).fetchone()
        person = None if row is None else int(row[0])
    else:
        for face in faces:  # an unnamed person imported before: the one its faces are in
            found = same_face(conn, face["content_id"], tuple(face["box"]),
                              moment_ms=face.get("moment_ms"))  # fmt: skip
            if found is not None and found[1] is not None and found[2] == "user":
                person = found[1]
                break
    if person is None:
        person = int(
            conn.execute(
                "INSERT INTO people(name, created_at) VALUES (?, ?)",
                (entry["name"], entry.get("created") or now),
            ).lastrowid
            or 0
        )
        added = 1
    if entry["hidden"]:
        conn.execute("UPDATE people SET hidden = 1 WHERE id = ?", (person,))
    assigned = 0
    for face in faces:
        box, moment = tuple(face["box"]), face.get("moment_ms")
        found = same_face(conn, face["content_id"], box, moment_ms=moment)
        if found is None:
            conn.execute(
                "INSERT INTO faces(content_id, left, top, width, height, source, person_id, "
                "assigned, moment_ms) VALUES (?, ?, ?, ?, ?, 'xmp', ?, 'user', ?)",
                (face["content_id"], *box, person, moment),
            )
            assigned += 1
            continue
        face_id, current, how = found
        if current == person or (keep_mine and current is not None and how == "user"):
            continue
        if _rejected(conn, person, face["content_id"], box):
            continue  # "not this person" since the backup: never put back there
        conn.execute(
            "UPDATE faces SET person_id = ?, assigned = 'user' WHERE id = ?", (person, face_id)
        )
        assigned += 1
    rejections = 0
    for rejection in entry["not"]:
        cid, (cx, cy) = rejection["content_id"], rejection["centre"]
        rejections += conn.execute(
            "INSERT OR IGNORE INTO face_rejections(person_id, content_id, cx, cy, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (person, cid, cx, cy, rejection["time"]),
        ).rowcount
        conn.execute(
            "UPDATE faces SET person_id = NULL, assigned = NULL WHERE person_id = ? "
            "AND content_id = ? AND ? BETWEEN left AND left + width "
            "AND ? BETWEEN top AND top + height",
            (person, cid, cx, cy),
        )
    conn.execute(
        "UPDATE people SET cover_face = (SELECT id FROM faces WHERE person_id = ? "
        "ORDER BY score DESC LIMIT 1) WHERE id = ? AND cover_face IS NULL",
        (person, person),
    )
    if rejections:
        _stamp_moves(conn)
    return added, assigned, rejections


def _rejected(conn: sqlite3.Connection, person: int, content_id: str, box: tuple) -> bool:
    """Whether the user said this face (its box) is not this person."""
    left, top, width, height = box
    return (
        conn.execute(
            "SELECT 1 FROM face_rejections WHERE person_id = ? AND content_id = ? "
            "AND cx BETWEEN ? AND ? AND cy BETWEEN ? AND ? LIMIT 1",
            (person, content_id, left, left + width, top, top + height),
        ).fetchone()
        is not None
    )


def _insert_person(conn: sqlite3.Connection, name: str | None, now: float) -> int:
    return int(
        conn.execute("INSERT INTO people(name, created_at) VALUES (?, ?)", (name, now)).lastrowid
        or 0
    )


def _person_named(conn: sqlite3.Connection, name: str, now: float) -> int:
    row = conn.execute("SELECT id FROM people WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
    return int(row[0]) if row is not None else _insert_person(conn, name, now)


def _recover_cover(conn: sqlite3.Connection, person: int) -> None:
    """A person whose cover face left gets another of its faces (the most confident)."""
    conn.execute(
        "UPDATE people SET cover_face = (SELECT f.id FROM faces f WHERE f.person_id = ? "
        "ORDER BY f.score DESC LIMIT 1) WHERE id = ? AND (cover_face IS NULL OR NOT EXISTS "
        "(SELECT 1 FROM faces g WHERE g.id = people.cover_face AND g.person_id = ?))",
        (person, person, person),
    )


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
