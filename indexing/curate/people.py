"""People: grouping the faces found, and what the user does to people (name, rename, merge,
hide, move a face, "not this person", forget). Both front ends call this; the tables are
indexing.store.faces and the grouping rule is face_groups.

Every user decision is stored so that grouping never undoes it: a named person's faces,
merged and moved faces are marked as the user's, and a "not this person" is kept by
content and face centre, so it survives re-indexing and re-detection.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

import numpy as np

from indexing.curate.face_groups import SUGGEST_DISTANCE, plan_grouping
from indexing.curate.face_review import ReviewQueue, queue
from indexing.curate.xmp_faces import NamedFace, write_sidecar_regions
from indexing.errors import PictorError
from indexing.ingest.scan import is_video_name
from indexing.ingest.xmp_read import SidecarError
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceRow, FaceTable, PersonRow, descriptors_of
from indexing.store.files import present_paths_of

MAX_NAME = 100
STALE = "This face changed since it was asked about; here is the next one."


@dataclass
class GroupingSummary:
    """What a grouping run did."""

    joined: int = 0  # faces that joined an existing person
    new_people: int = 0
    grouped: int = 0  # faces in the new people

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def person_dict(person: PersonRow) -> dict:
    return {
        "id": person.id, "name": person.name, "label": label(person), "photos": person.photos,
        "faces": person.faces, "hidden": person.hidden, "cover_face": person.cover_face,
    }  # fmt: skip


def face_dict(face: FaceRow) -> dict:
    return {
        "id": face.id, "content_id": face.content_id,
        "box": [round(v, 4) for v in (face.left, face.top, face.width, face.height)],
        "score": None if face.score is None else round(face.score, 3),
        "person_id": face.person_id, "person": face.person_name, "assigned": face.assigned,
        "source": face.source,
    }  # fmt: skip


def count_people(count: int) -> str:
    """'1 person', '12 people'."""
    return f"{count:,} {'person' if count == 1 else 'people'}"


def label(person: PersonRow) -> str:
    return person.name or "Unnamed person"


def clean_name(name: str) -> str:
    """A person's name as stored: spaces collapsed; one clear error if it cannot be one."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise PictorError("a person's name cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise PictorError(
            f"a person's name is at most {MAX_NAME} characters ({len(cleaned)} given)"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise PictorError("a person's name cannot hold control characters")
    if cleaned.isdigit():
        raise PictorError(f"{cleaned!r} looks like a person id; a name needs a letter")
    return cleaned


class People:
    """The people of one catalog. write_xmp: each decision also writes the names of the
    faces of the photos it touched to their XMP sidecars (Settings.write_xmp_faces); what
    could not be written is in sidecar_warnings, one line each."""

    def __init__(self, catalog: Catalog, write_xmp: bool = False):
        self.catalog = catalog
        self.table = FaceTable(catalog)
        self.write_xmp = write_xmp
        self.sidecar_warnings: list[str] = []

    # -- grouping --------------------------------------------------------------------------

    def group(self) -> GroupingSummary:
        """Put every face in no person into one: an existing person when close enough,
        else a new unnamed person with the faces like it (face_groups)."""
        face_ids, _contents, blobs = self.table.ungrouped()
        summary = GroupingSummary()
        if not face_ids:
            return summary
        _grouped_ids, persons, grouped_blobs = self.table.grouped()
        rejected_by_face = self.table.rejections_for(face_ids)
        rejected = {
            index: rejected_by_face[face]
            for index, face in enumerate(face_ids)
            if face in rejected_by_face
        }
        plan = plan_grouping(
            descriptors_of(blobs),
            descriptors_of(grouped_blobs),
            np.asarray(persons, np.int64),
            rejected,
        )
        joins = {face_ids[index]: person for index, person in plan.joins.items()}
        groups = [[face_ids[index] for index in group] for group in plan.groups]
        created = self.table.assign_groups(joins, groups)
        summary.joined = len(joins)
        summary.new_people = len(created)
        summary.grouped = sum(len(group) for group in groups)
        return summary

    # -- reading ---------------------------------------------------------------------------

    def rows(
        self, *, include_hidden: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[PersonRow]:
        return self.table.people(include_hidden=include_hidden, limit=limit, offset=offset)

    def resolve(self, ref: str | int) -> PersonRow:
        """A person by id or by name (case-insensitive); one clear error if none."""
        text = str(ref).strip()
        person_id = int(text) if text.isdigit() else self.table.person_named(text)
        person = self.table.person(person_id) if person_id is not None else None
        if person is None:
            raise PictorError(f"no person {text!r} (see: people list)")
        return person

    def face(self, face_id: int) -> FaceRow:
        face = self.table.face(face_id)
        if face is None:
            raise PictorError(f"no face {face_id} (see: people show PERSON)")
        return face

    def photos(self, ref: str | int) -> list[str]:
        return self.table.photos_of(self.resolve(ref).id)

    def suggestions(self, face_id: int, count: int = 3) -> list[tuple[str, float]]:
        """The named people closest to a face (within SUGGEST_DISTANCE), nearest first."""
        descriptor = self.table.face_descriptor(face_id)
        if descriptor is None:
            return []
        best: list[tuple[str, float]] = []
        for person in self.table.people(include_hidden=True):
            if person.name is None:
                continue
            rows = self.table.descriptors_of_person(person.id)
            if len(rows) == 0:
                continue
            distance = float(np.min(np.linalg.norm(rows - descriptor, axis=1)))
            if distance <= SUGGEST_DISTANCE:
                best.append((person.name, round(distance, 3)))
        return sorted(best, key=lambda pair: pair[1])[:count]

    def review(self, limit: int | None = 20, offset: int = 0) -> ReviewQueue:
        """ "Who is this?": one page of the queue of unnamed groups and unsure faces, each
        with the closest named people as suggestions, the most faces first
        (indexing.curate.face_review; the built queue is kept until the people change)."""
        items = queue(self.table)
        end = None if limit is None else offset + limit
        return ReviewQueue(items[offset:end], len(items))

    def suggest_for(self, person_id: int, faces: int = 5) -> list[tuple[str, float]]:
        """The named people closest to a person's first few faces, nearest first."""
        best: dict[str, float] = {}
        for face in self.table.faces_of_person(person_id)[:faces]:
            for name, distance in self.suggestions(face.id):
                best[name] = min(distance, best.get(name, distance))
        return sorted(best.items(), key=lambda pair: pair[1])[:3]

    # -- the user's decisions --------------------------------------------------------------

    def name(self, ref: str | int, name: str) -> PersonRow:
        """Name or rename a person; naming makes its faces the user's."""
        person = self.resolve(ref)
        cleaned = clean_name(name)
        other = self.table.person_named(cleaned)
        if other is not None and other != person.id:
            raise PictorError(
                f"{cleaned!r} is already person {other}; to make them one, use: "
                f"people merge {person.id} {other}"
            )
        self.table.set_name(person.id, cleaned)
        self._sidecars(self.table.photos_of(person.id))
        return self.resolve(person.id)

    def merge(self, source_ref: str | int, target_ref: str | int) -> PersonRow:
        """Merge source into target (target keeps its name, or takes source's)."""
        source, target = self.resolve(source_ref), self.resolve(target_ref)
        if source.id == target.id:
            raise PictorError(f"cannot merge {label(source)!r} into itself")
        name = target.name or source.name
        self.table.merge(source.id, target.id)
        if name is not None and target.name is None:
            self.table.set_name(target.id, name)
        self._sidecars(self.table.photos_of(target.id))
        return self.resolve(target.id)

    def hide(self, ref: str | int, hidden: bool = True) -> PersonRow:
        person = self.resolve(ref)
        self.table.set_hidden(person.id, hidden)
        return self.resolve(person.id)

    def not_this_person(self, face_id: int) -> int:
        """The face leaves its person and never goes back automatically; the person id."""
        face = self.face(face_id)
        if face.person_id is None:
            raise PictorError(f"face {face_id} is in no person")
        person = self.table.reject(face_id)
        self.table.drop_empty_people()
        self._sidecars([face.content_id])
        return int(person or face.person_id)

    def move_face(self, face_id: int, ref: str | int) -> PersonRow:
        """Put a face in another person (by id or name; a new name makes a new person)."""
        face = self.face(face_id)
        text = str(ref).strip()
        try:
            target = self.resolve(text)
        except PictorError:
            if text.isdigit():
                raise
            target_id = self.table.create_person(clean_name(text))
            target = self.resolve(target_id)
        self.table.move_face(face_id, target.id)
        self.table.drop_empty_people()
        self._sidecars([face.content_id])
        return self.resolve(target.id)

    def name_face(self, face_id: int, name: str) -> PersonRow:
        """Name one face: it joins the person of that name (made if new)."""
        return self.move_face(face_id, clean_name(name))

    def confirm(self, face_id: int) -> PersonRow:
        """ "Yes, that is them": the face stays in its named person as the user's decision,
        never asked about again and never moved by grouping."""
        face = self.face(face_id)
        if face.person_id is None or face.person_name is None:
            raise PictorError(
                f"face {face_id} is in no named person; name it instead "
                f"(people move {face_id} NAME)"
            )
        self.table.confirm(face_id)
        return self.resolve(face.person_id)

    def not_person(self, face_id: int, ref: str | int | None = None) -> int:
        """ "No, not them": the face is not this person (by default the one it is in). A face
        in that person leaves it (not_this_person); one elsewhere stays, and the person is
        never suggested for it again. The person id."""
        face = self.face(face_id)
        if ref is None:
            return self.not_this_person(face_id)
        person = self.resolve(ref)
        if face.person_id == person.id:
            return self.not_this_person(face_id)
        self.table.reject_for(face_id, person.id)
        return person.id

    def name_group(self, ref: str | int, name: str, faces: int | None = None) -> PersonRow:
        """An unnamed group answered with a name: a new name names it; a known person's
        name puts all its faces in that person (a merge). Refused (STALE) when the group has
        a name by now, or no longer the `faces` it had when it was asked about."""
        person = self.resolve(ref)
        if person.name is not None or (faces is not None and person.faces != faces):
            raise PictorError(STALE)
        other = self.table.person_named(clean_name(name))
        if other is not None and other != person.id:
            return self.merge(person.id, other)
        return self.name(person.id, name)

    def forget_all(self) -> dict[str, int]:
        return self.table.forget_all()

    # -- XMP sidecars ----------------------------------------------------------------------

    def write_sidecars(self, content_ids: list[str] | None = None) -> int:
        """Write the named faces of these photos (None: of every photo with a named face)
        to their sidecars, whatever the setting; the sidecars written."""
        if content_ids is None:
            content_ids = sorted(
                {cid for person in self.rows(include_hidden=True) if person.name
                 for cid in self.table.photos_of(person.id)}
            )  # fmt: skip
        return self._sidecars(content_ids, force=True)

    def _sidecars(self, content_ids: list[str], force: bool = False) -> int:
        if not (self.write_xmp or force):
            return 0
        written = 0
        for content_id in dict.fromkeys(content_ids):
            faces = self.table.faces_in(content_id)
            if any(face.moment_ms is not None for face in faces):
                continue  # a video's faces are of its moments, not of one picture
            named = [NamedFace(f.person_name, (f.left, f.top, f.width, f.height)) for f in faces]
            for path in present_paths_of(self.catalog, content_id):
                if is_video_name(path):
                    continue
                try:
                    written += write_sidecar_regions(path, named) is not None
                except SidecarError as exc:
                    self.sidecar_warnings.append(str(exc))
        return written
