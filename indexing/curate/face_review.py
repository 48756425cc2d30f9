""" "Who is this?": one review queue of the unnamed groups and of the faces the model is
unsure about, each with the closest named people as suggestions.

What is unsure is measured against the faces a user put in a named person (named, moved,
confirmed, or named in XMP), never against grouping's own guesses, so a chain of guesses
cannot make itself look sure:
- a face grouping put in a named person ('auto') whose nearest confirmed face of that
  person is UNSURE_FROM or further (or none within SUGGEST_DISTANCE): "Is this Ana?";
- a face in no person (one the user said is not the person it was in): "Who is this?";
- a face of an unnamed group (of two faces or more) that looks like a named person
  (within SUGGEST_DISTANCE) whom the rest of its group does not: naming the group would
  carry it along, so it is asked about alone.
An unnamed group is one item: its answer names all its faces. A confirmed face is the
user's ('user') and never comes back; a "No" is a rejection, and a person refused is never
suggested for that face again. Items with the most faces come first; at one face, the unsure
faces before the unnamed groups of one; a face asked about alone just before its group.

Thresholds (docs/people.md): on the labelled real faces, every face's nearest other
photograph of the same person is 0.39 or closer, and the same person's photographs are at
most 0.45 apart; so a face that joined a person at 0.42 or further (up to the 0.5 join
distance) is as far as the furthest same-person pairs: worth a question.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from indexing.curate.face_groups import (
    JOIN_DISTANCE,
    SUGGEST_DISTANCE,
    DescriptorIndex,
    Descriptors,
)
from indexing.store.faces import FaceRow, FaceTable, PersonRow, descriptors_of, people_stamp
from indexing.store.kept import PerCatalog

UNSURE_FROM = 0.42
SUGGESTIONS = 3
NEIGHBOURS = 30  # confirmed faces looked at per face (several per person nearby)
GROUP_SAMPLE = 10  # faces of an unnamed group searched for suggestions, spread over it
Candidate = tuple[int, int | None, bool, bytes]  # FaceTable.review_candidates' rows


@dataclass
class ReviewItem:
    """One question of the queue. kind 'group': an unnamed person (its faces all named by
    the answer); 'unsure': one face (`person` is the one it is in, or None)."""

    kind: str
    faces: int
    person: PersonRow | None
    face: FaceRow | None = None
    distance: float | None = None  # unsure: to the nearest confirmed face of its person
    # (name, distance): the closest named people, nearest first; an unsure face's own person
    # comes first, with None when none of their confirmed faces is within reach
    suggestions: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Names the item across pages and answers: g<person> or f<face>."""
        if self.kind == "group" and self.person is not None:
            return f"g{self.person.id}"
        return f"f{self.face.id if self.face is not None else 0}"

    @property
    def asked(self) -> list[int | None]:
        """What the question was asked about, kept by a page next to the key so a late
        answer is refused when it changed (review_answers): [the person the face or group
        was in (None: in no one), the faces it had]."""
        return [self.person.id if self.person is not None else None, self.faces]

    @property
    def asks_about(self) -> str | None:
        """The named person an unsure face is in ("Is this Ana?"), else None."""
        if self.kind == "unsure" and self.person is not None:
            return self.person.name
        return None


@dataclass
class ReviewQueue:
    items: list[ReviewItem]
    total: int


def near_people(table: FaceTable, candidates: list[Candidate]) -> list[dict[int, float]]:
    """For each candidate face, person id -> distance to that named person's nearest
    confirmed face (within SUGGEST_DISTANCE), the people the user said it is not left out.
    A face of a named person is measured exactly against that person's own faces first;
    only the ones found unsure, the faces in no person and up to GROUP_SAMPLE faces of each
    unnamed group (spread over it) are searched among everyone's (DescriptorIndex: exact up
    to 20,000 confirmed faces, an inverted file above)."""
    out: list[dict[int, float]] = [{} for _ in candidates]
    persons, confirmed = table.confirmed_named()
    if not persons or not candidates:
        return out
    data = descriptors_of(confirmed)
    queries = descriptors_of([c[3] for c in candidates])
    rows_of: dict[int, list[int]] = defaultdict(list)
    for row, person in enumerate(persons):
        rows_of[person].append(row)
    asked = _own_distances(candidates, data, queries, rows_of, out)
    if not asked:
        return out
    found = DescriptorIndex(data).search(queries[asked], NEIGHBOURS, SUGGEST_DISTANCE)
    owner = np.asarray(persons, np.int64)
    refused = table.rejections_for([candidates[i][0] for i in asked])
    for query, row, distance in zip(
        found.query.tolist(), found.data.tolist(), found.distance.tolist(), strict=True
    ):
        at, person = asked[query], int(owner[row])
        near = out[at]
        if person in refused.get(candidates[at][0], ()) or person == candidates[at][1]:
            continue  # refused; or its own person, measured exactly already
        if person not in near or distance < near[person]:
            near[person] = distance
    return out


def _own_distances(
    candidates: list[Candidate],
    data: Descriptors,
    queries: Descriptors,
    rows_of: dict[int, list[int]],
    out: list[dict[int, float]],
) -> list[int]:
    """Each named person's faces measured against that person's confirmed faces (into
    `out`); the candidates still to search among everyone: the unsure, the unnamed."""
    by_person: dict[int, list[int]] = defaultdict(list)
    by_group: dict[int, list[int]] = defaultdict(list)
    asked = []
    for at, (_face, person, named, _blob) in enumerate(candidates):
        if person is None:
            asked.append(at)
        else:
            (by_person if named else by_group)[person].append(at)
    for ats in by_group.values():
        step = max(1, len(ats) // GROUP_SAMPLE)
        asked.extend(ats[::step][:GROUP_SAMPLE])
    for person, ats in by_person.items():
        mine = rows_of.get(person, [])
        if mine:
            found = DescriptorIndex(data[mine]).search(queries[ats], 1, SUGGEST_DISTANCE)
            for query, distance in zip(found.query.tolist(), found.distance.tolist(), strict=True):
                out[ats[query]][person] = distance
        asked.extend(at for at in ats if out[at].get(person, SUGGEST_DISTANCE) >= UNSURE_FROM)
    return sorted(asked)


def build_queue(table: FaceTable) -> list[ReviewItem]:
    """Every item, in the queue's order (_order)."""
    candidates = table.review_candidates()
    nearness = near_people(table, candidates)
    names = table.person_names()
    unnamed = {p.id: p for p in table.people() if p.name is None}
    group_near: dict[int, dict[int, float]] = defaultdict(dict)
    for (_face, person, named, _), near in zip(candidates, nearness, strict=True):
        if person is not None and not named:
            best = group_near[person]
            for other, distance in near.items():
                best[other] = min(distance, best.get(other, distance))
    items = [
        ReviewItem("group", p.faces, p, suggestions=_ranked(group_near.get(p.id, {}), names))
        for p in unnamed.values()
    ]
    for (face_id, person, named, _), near in zip(candidates, nearness, strict=True):
        item = _unsure(table, face_id, person, named, near, names, unnamed, group_near)
        if item is not None:
            items.append(item)
    items.sort(key=_order)
    return items


def _unsure(
    table: FaceTable,
    face_id: int,
    person: int | None,
    named: bool,
    near: dict[int, float],
    names: dict[int, str],
    unnamed: dict[int, PersonRow],
    group_near: dict[int, dict[int, float]],
) -> ReviewItem | None:
    """The face's item when the model is unsure of it, else None."""
    if person is None:
        return _face_item(table, face_id, None, None, _ranked(near, names))
    if named:
        own = near.get(person)
        if own is not None and own < UNSURE_FROM:
            return None
        others = _ranked({p: d for p, d in near.items() if p != person}, names)
        first: list[tuple[str, float | None]] = [
            (names[person], None if own is None else round(own, 3))
        ]
        return _face_item(table, face_id, table.person(person), own, first + others)
    group = unnamed.get(person)
    if group is None or group.faces < 2 or not near:
        return None
    nearest = min(near, key=near.__getitem__)
    ranked = _ranked(group_near.get(person, {}), names)
    if ranked and ranked[0][0] == names.get(nearest):
        return None  # the group's own suggestion: its answer covers this face
    return _face_item(table, face_id, group, near[nearest], _ranked(near, names))


def _face_item(
    table: FaceTable,
    face_id: int,
    person: PersonRow | None,
    distance: float | None,
    suggestions: list[tuple[str, float | None]],
) -> ReviewItem | None:
    face = table.face(face_id)
    if face is None:
        return None
    rounded = None if distance is None else round(distance, 3)
    return ReviewItem("unsure", 1, person, face, rounded, suggestions[:SUGGESTIONS])


def _ranked(near: dict[int, float], names: dict[int, str]) -> list[tuple[str, float | None]]:
    pairs = sorted((distance, names[p]) for p, distance in near.items() if p in names)
    return [(name, round(distance, 3)) for distance, name in pairs[:SUGGESTIONS]]


def _order(item: ReviewItem) -> tuple:
    """Most faces first; at one face, the unsure faces ("Is this Ana?") before the unnamed
    groups of one face; a face asked about alone (it looks like someone its unnamed group
    does not) just before its group, so it is answered before the group's name would carry
    it along; then the face furthest from its person (none within reach first), the oldest."""
    doubt = -(item.distance if item.distance is not None else JOIN_DISTANCE * 10)
    face = item.face.id if item.face is not None else 0
    person = item.person
    if item.kind == "group" and person is not None:
        return (-item.faces, 1, person.id, 1, 0, 0)
    if person is not None and person.name is None:  # alone, out of its group
        return (-person.faces, 1, person.id, 0, doubt, face)
    return (-item.faces, 0, 0, 0, doubt, face)


# The built queue of each library, kept until its people change stamp (migration 24) moves
# from elsewhere: an answer drops its item and carries the kept queue to the new stamp, so a
# click does not rebuild the queue (seconds at 100,000 faces).
_KEPT: PerCatalog[tuple[int, list[ReviewItem]]] = PerCatalog()  # (stamp, the queue)


def queue(table: FaceTable) -> list[ReviewItem]:
    """The whole queue as of now: kept, or built again if the people changed elsewhere."""
    path = table.catalog.path.resolve()
    stamp = people_stamp(table.catalog)
    kept = _KEPT.get(path)
    if kept is not None and kept[0] == stamp:
        return list(kept[1])
    items = build_queue(table)
    _KEPT.put(path, (stamp, items))
    return list(items)


def answered(table: FaceTable, key: str, before: int) -> None:
    """An answer to `key` was saved, the stamp being `before` until then: the kept queue
    (when it was current) loses that item, its group (a face asked alone) is read again,
    and the queue is current again. Anything else the answer changed (a suggestion's new
    name, a refused face now asked "Who is this?") shows when the queue is next built."""
    path = table.catalog.path.resolve()
    with _KEPT.lock:
        kept = _KEPT.get(path)
        if kept is None or kept[0] != before:
            return
        items, group = [], None
        for item in kept[1]:
            if item.key != key:
                items.append(item)
            elif item.kind == "unsure" and item.person is not None:
                group = item.person.id  # the face's person then: a group loses a face
        _KEPT.put(path, (people_stamp(table.catalog), _reread(table, items, group)))


def _reread(table: FaceTable, items: list[ReviewItem], group: int | None) -> list[ReviewItem]:
    """The items with the group `group` read again (its face count; gone when empty)."""
    if group is None:
        return items
    person = table.person(group)
    out = []
    for item in items:
        if item.kind == "group" and item.person is not None and item.person.id == group:
            if person is None or person.name is not None or not person.faces:
                continue
            item = replace(item, person=person, faces=person.faces)
        out.append(item)
    return out


def forget() -> None:
    """Drop every kept queue (a benchmark measures the build)."""
    _KEPT.clear()
