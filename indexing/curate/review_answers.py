""" "Who is this?" answered: one answer to one item of the queue (face_review.ReviewItem.key:
g<person> for an unnamed group, f<face> for one face), as the People view's buttons give it.
"yes" confirms the face in its named person, "no" takes it out of that person for good,
"name" names a whole group (a known name: it joins that person) or puts one face in the
person of that name (made if new). Skip changes nothing, so it is not here.

An answer comes with what was asked about (ReviewItem.asked: the person the face was in,
the group's face count): another window may have moved the face or named the group since,
and then the answer is refused with STALE, never applied to someone else.
"""

from __future__ import annotations

from indexing.curate.face_review import answered
from indexing.curate.people import STALE, People
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.store.faces import people_stamp

ACTIONS = ("yes", "no", "name")


def answer(
    people: People,
    key: str | None,
    action: str,
    name: str | None = None,
    asked: list[int | None] | None = None,
) -> str:
    """Apply one answer to the item `key`, asked about `asked` (ReviewItem.asked; None: not
    checked); the sentence that says what was done (plain text: a front end escapes it).
    The kept queue loses the item."""
    if not key or key[:1] not in ("g", "f") or not key[1:].isdigit():
        raise PictorError("Nothing is being asked.")
    if action not in ACTIONS:
        raise PictorError(f"unknown answer {action!r}")
    before = people_stamp(people.catalog)
    said = _apply(people, key, action, name, asked)
    answered(people.table, key, before)
    return said


def _apply(
    people: People, key: str, action: str, name: str | None, asked: list[int | None] | None
) -> str:
    number = int(key[1:])
    if key.startswith("g"):
        if action != "name":
            raise PictorError("Give this person a name, or skip.")
        if asked is not None and people.table.person(number) is None:
            raise PictorError(STALE)  # merged or gone since
        faces = None if asked is None else asked[1]
        row = people.name_group(number, name or "", faces)
        return f"Saved: {plural(row.faces, 'face')} of {row.name}."
    found = people.table.face(number)
    if found is None and asked is not None:
        raise PictorError(STALE)
    face = found or people.face(number)  # not found and not asked: the plain "no face"
    if asked is not None and face.person_id != asked[0]:
        raise PictorError(STALE)  # moved, named or refused elsewhere since
    if action == "yes":
        row = people.confirm(number)
        return f"Confirmed: that is {row.name}."
    if action == "no":
        if face.person_name is None:
            raise PictorError("This face is in no named person; pick a name, or skip.")
        people.not_person(number)
        return f"Done: that face is not {face.person_name}; never suggested again."
    row = people.name_face(number, name or "")
    return f"Saved: that face is {row.name}."
