"""People in the ratings backup (indexing.curate.people_backup, version 4), over real
catalogs with synthetic descriptors: names, merges, hidden people, moved faces and "not
this person" go out and come back into a fresh catalog of the same photos, matched by
content and box; a face not found yet waits and is named when found; a bad entry imports
nothing; version 3 files still import."""

from __future__ import annotations

import json

import pytest

from indexing.curate.people import People
from indexing.curate.ratings_file import import_document, read_document, write_export
from indexing.errors import PictorError
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable, NewFace, ScanResult
from tests.unit.test_people_store import add_image, face


def faces_of(shift: float = 0.0) -> list[list[NewFace]]:
    """Five photos: person 0 in 1, 2 and 4, person 1 in 3 and 4, person 2 in 5; `shift`
    moves every box a little, as a re-detection would."""

    def moved(new: NewFace) -> NewFace:
        return NewFace(new.left + shift, new.top + shift, new.width, new.height, new.score,
                       new.descriptor)  # fmt: skip

    photos = [[face(0)], [face(0)], [face(1)], [face(0), face(1, left=0.6)], [face(2)]]
    return [[moved(f) for f in photo] for photo in photos]


def scan(catalog: Catalog, photos: list[list[NewFace]]) -> list[str]:
    ids = [add_image(catalog, n + 1) for n in range(len(photos))]
    results = [ScanResult(c, tuple(f)) for c, f in zip(ids, photos, strict=True)]
    FaceTable(catalog).put_scans(results, "m")
    People(catalog).group()
    return ids


def who(catalog: Catalog) -> dict[str, list[str]]:
    """name -> the content ids of its photos, of every named person, the hidden ones too."""
    people = People(catalog)
    return {
        (p.name or "") + (" (hidden)" if p.hidden else ""): people.photos(p.id)
        for p in people.rows(include_hidden=True)
        if p.name is not None
    }


@pytest.fixture
def exported(tmp_path):
    """A catalog where the user named, merged, moved, hid and rejected; its backup."""
    with Catalog(tmp_path / "old.sqlite3") as catalog:
        ids = scan(catalog, faces_of())
        people = People(catalog)
        ana = people.resolve(people.table.faces_in(ids[0])[0].person_id or 0)
        people.name(ana.id, "Ana")
        rui = people.table.faces_in(ids[2])[0].person_id or 0
        people.name(rui, "Rui")
        stranger = people.table.faces_in(ids[4])[0].id
        people.move_face(stranger, "Rui")  # wrong, then corrected by "not this person"
        people.not_this_person(stranger)
        people.move_face(people.table.faces_in(ids[1])[0].id, "Eva")  # a face moved out of Ana
        people.hide("Eva")
        before = who(catalog)
        write_export(catalog, tmp_path / "backup.json")
    return tmp_path / "backup.json", ids, before


def test_people_come_back_into_a_fresh_catalog_of_the_same_photos(exported, tmp_path):
    path, ids, before = exported
    assert before == {"Ana": [ids[0], ids[3]], "Rui": [ids[2], ids[3]],
                      "Eva (hidden)": [ids[1]]}  # fmt: skip
    document = read_document(path)
    assert document["version"] == 4
    assert sorted(p["name"] or "" for p in document["people"]) == ["Ana", "Eva", "Rui"]
    with Catalog(tmp_path / "fresh.sqlite3") as fresh:
        scan(fresh, faces_of(shift=0.03))  # the same photos, boxes found a little apart
        assert all(p.name is None for p in People(fresh).rows(include_hidden=True))
        report = import_document(fresh, document, "keep")
        assert (report.people_added, report.rejections_added) == (3, 1)
        assert who(fresh) == before
        again = import_document(fresh, document, "keep")  # idempotent
        assert (again.people_added, again.faces_assigned, again.rejections_added) == (0, 0, 0)
        assert People(fresh).group().joined == 0  # grouping undoes none of it
        assert who(fresh) == before
        stranger = FaceTable(fresh).faces_in(ids[4])[0]
        rui = People(fresh).resolve("Rui").id
        assert FaceTable(fresh).rejections_for([stranger.id]) == {stranger.id: {rui}}
        assert stranger.person_id != rui  # "not Rui" came back with the rest


def test_faces_not_found_yet_are_named_when_the_faces_stage_finds_them(exported, tmp_path):
    path, ids, before = exported
    with Catalog(tmp_path / "fresh.sqlite3") as fresh:
        import_document(fresh, read_document(path), "keep")  # before any photo is indexed
        scan(fresh, faces_of(shift=0.02))
        assert who(fresh) == before
        assert sum(len(FaceTable(fresh).faces_in(cid)) for cid in ids) == 6  # no doubles
    with Catalog(tmp_path / "far.sqlite3") as far:
        scan(far, faces_of(shift=0.15))  # boxes elsewhere: not the same faces
        import_document(far, read_document(path), "keep")
        ana = People(far).resolve("Ana")
        assert FaceTable(far).faces_of_person(ana.id)[0].left == pytest.approx(0.1)  # waiting


def test_a_bad_person_imports_nothing_and_version_3_still_imports(exported, tmp_path):
    path, _, _ = exported
    document = json.loads(path.read_text())
    broken = json.loads(path.read_text())
    broken["people"][0]["faces"][0]["box"] = [0.1, 0.1, 0, 0.2]
    with Catalog(tmp_path / "fresh.sqlite3") as fresh:
        scan(fresh, faces_of())
        with pytest.raises(PictorError, match=r"people\[0\]: a face's box"):
            import_document(fresh, broken, "keep")
        broken["people"][0]["faces"] = []
        broken["people"][1]["name"] = " "
        with pytest.raises(PictorError, match=r"people\[1\]: name"):
            import_document(fresh, broken, "keep")
        assert all(p.name is None for p in People(fresh).rows(include_hidden=True))
        old = {k: v for k, v in document.items() if k != "people"} | {"version": 3}
        assert import_document(fresh, old, "keep").people_added == 0


def test_an_old_backup_undoes_no_later_decision_on_a_face(exported, tmp_path):
    """After the backup the user moves one of Ana's faces to Rui and says another is not
    Ana; importing the older backup (the default, newer, and keep) puts neither back."""
    path, ids, _ = exported
    with Catalog(tmp_path / "old.sqlite3") as catalog:
        people, table = People(catalog), FaceTable(catalog)
        ana = people.resolve("Ana").id
        moved, rejected = (
            next(f for f in table.faces_in(cid) if f.person_id == ana) for cid in (ids[0], ids[3])
        )
        people.move_face(moved.id, "Rui")
        people.not_this_person(rejected.id)
        after = who(catalog)
        for on_conflict in ("newer", "keep"):
            import_document(catalog, read_document(path), on_conflict)
            assert who(catalog) == after, on_conflict
        assert not {ids[0], ids[3]} & set(who(catalog).get("Ana", []))


def test_a_video_face_comes_back_at_its_moment(tmp_path):
    """Two people seen in the same place of one video, at two moments (Ana at 1 s, Rui at
    8 s): each comes back on the face of their own moment, and a v4 backup written without
    moments still imports by box alone."""

    def video_faces() -> list[NewFace]:
        ana, rui = face(0), face(1)
        return [
            NewFace(0.3, 0.2, 0.2, 0.3, 1.5, ana.descriptor, moment_ms=1000),
            NewFace(0.3, 0.2, 0.2, 0.3, 1.4, rui.descriptor, moment_ms=8000),
        ]

    def named(catalog: Catalog) -> dict[int | None, str | None]:
        return {f.moment_ms: f.person_name for f in FaceTable(catalog).faces_in(video)}

    with Catalog(tmp_path / "old.sqlite3") as catalog:
        (video,) = scan(catalog, [video_faces()])
        people = People(catalog)
        for found in FaceTable(catalog).faces_in(video):
            people.name(found.person_id or 0, "Ana" if found.moment_ms == 1000 else "Rui")
        assert named(catalog) == {1000: "Ana", 8000: "Rui"}
        write_export(catalog, tmp_path / "backup.json")
    document = read_document(tmp_path / "backup.json")
    with Catalog(tmp_path / "fresh.sqlite3") as fresh:
        scan(fresh, [video_faces()])
        import_document(fresh, document, "keep")
        assert named(fresh) == {1000: "Ana", 8000: "Rui"}
    with Catalog(tmp_path / "waiting.sqlite3") as waiting:  # imported before the stage ran
        import_document(waiting, document, "keep")
        scan(waiting, [video_faces()])
        assert named(waiting) == {1000: "Ana", 8000: "Rui"}
        assert len(FaceTable(waiting).faces_in(video)) == 2  # no doubles
    broken = json.loads(json.dumps(document))
    broken["people"][0]["faces"][0]["moment_ms"] = -5
    bad = pytest.raises(PictorError, match="moment")
    with Catalog(tmp_path / "broken.sqlite3") as catalog, bad:
        import_document(catalog, broken, "keep")
    for person in document["people"]:
        for entry in person["faces"]:
            entry.pop("moment_ms", None)  # as a backup made before moments were kept
    with Catalog(tmp_path / "older.sqlite3") as older:
        scan(older, [video_faces()])
        report = import_document(older, document, "keep")
        assert report.people_added == 2  # still imports, matched by box
