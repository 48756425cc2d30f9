"""The faces and people tables and what the user does to people (indexing.store.faces,
indexing.curate.people), over a real catalog with synthetic descriptors: scans are stored
once, XMP names arrive named, naming, merging, moving and "not this person" are kept and
never undone by a later grouping, errors change nothing, and `forget` deletes it all."""

from __future__ import annotations

import numpy as np
import pytest

from indexing.curate.people import People
from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.records import ImageMetadata, ImageRecord
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable, NewFace, ScanResult, descriptor_blob

rng = np.random.default_rng(7)
CENTRES = rng.normal(0, 0.06, (3, 128)).astype(np.float32)


def face(person: int, left: float = 0.1, name: str | None = None) -> NewFace:
    vector = CENTRES[person] + rng.normal(0, 0.018, 128).astype(np.float32)
    return NewFace(left, 0.1, 0.2, 0.2, 1.5, descriptor_blob(vector), name=name)


def add_image(catalog: Catalog, number: int) -> str:
    content_id = f"{number:032x}"
    with catalog.transaction():
        catalog.put_image(
            ImageRecord(content_id, 100, 64, 64, "JPEG", float(number), 0, 0, ImageMetadata()),
            now=1.0,
        )
        catalog.put_file(f"/photos/{number}.jpg", content_id, 100, 1, now=1.0)
    return content_id


@pytest.fixture
def catalog(tmp_path):
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        yield catalog


def scan(catalog: Catalog, faces_by_image: list[list[NewFace]]) -> list[str]:
    ids = [add_image(catalog, n + 1) for n in range(len(faces_by_image))]
    table = FaceTable(catalog)
    assert [cid for cid, _ in table.pending_scans()] == ids
    results = [ScanResult(c, tuple(f)) for c, f in zip(ids, faces_by_image, strict=True)]
    table.put_scans(results, "m")
    assert table.pending_scans() == []  # scanned once: a re-index does not scan again
    return ids


def test_grouping_names_and_the_person_filter(catalog):
    ids = scan(catalog, [[face(0)], [face(0)], [face(1)], [face(0), face(1, left=0.6)], []])
    people = People(catalog)
    summary = people.group()
    assert summary.new_people == 2 and summary.grouped == 5
    first, second = people.rows()
    assert (first.photos, second.photos) == (3, 2)  # the most photos first
    people.name(first.id, "Ana Silva")
    people.name(second.id, "Rui")
    both = FaceTable(catalog)
    assert both.photos_of(first.id) == sorted([ids[0], ids[1], ids[3]])

    def matching(flt: Filter) -> set[str]:
        where, params = flt.where()
        rows = catalog.conn.execute(f"SELECT i.content_id FROM images i WHERE {where}", params)
        return {row[0] for row in rows}

    assert matching(Filter.parse(people=["ana silva"])) == {ids[0], ids[1], ids[3]}
    assert matching(Filter.parse(people=["Ana Silva", "Rui"])) == {ids[3]}
    assert matching(Filter.parse(max_faces=0)) == {ids[4]}
    assert matching(Filter.parse(min_faces=2)) == {ids[3]}


def test_a_new_face_joins_the_named_person_and_decisions_stay(catalog):
    scan(catalog, [[face(0)], [face(0)], [face(0)]])
    people = People(catalog)
    people.group()
    (ana,) = people.rows()
    people.name(ana.id, "Ana")
    wrong = FaceTable(catalog).faces_of_person(ana.id)[2].id
    assert people.not_this_person(wrong) == ana.id
    later = add_image(catalog, 50)
    FaceTable(catalog).put_scans([ScanResult(later, (face(0),))], "m")
    summary = people.group()
    assert summary.joined == 1  # the new photo of Ana joins her
    assert FaceTable(catalog).face(wrong).person_id != ana.id  # the rejected face does not
    assert people.resolve("ana").photos == 3
    (item,) = people.review().items  # "Who is this?": the face that left, Ana not offered
    assert item.kind == "group" and item.person and item.person.photos == 1
    assert item.suggestions == []  # the user said it is not Ana


def test_merge_move_hide_and_their_errors(catalog):
    scan(catalog, [[face(0)], [face(1)], [face(2)]])
    people = People(catalog)
    people.group()
    a, b, c = (p.id for p in people.rows())
    people.name(a, "Ana")
    with pytest.raises(PictorError, match="already person"):
        people.name(b, "ANA")
    for bad in ("", "   ", "x" * 101, "12", "bell\x07ring"):
        with pytest.raises(PictorError):
            people.name(b, bad)
    with pytest.raises(PictorError, match="into itself"):
        people.merge(a, "ana")
    with pytest.raises(PictorError, match="no person"):
        people.merge(a, 999)
    assert people.resolve(b).name is None  # nothing changed
    merged = people.merge(b, a)
    assert merged.name == "Ana" and merged.photos == 2
    with pytest.raises(PictorError, match="no person"):
        people.resolve(b)
    moved = people.move_face(FaceTable(catalog).faces_of_person(c)[0].id, "Rui Costa")
    assert moved.name == "Rui Costa" and moved.photos == 1
    people.hide(a)
    assert [p.name for p in people.rows()] == ["Rui Costa"]
    assert {p.name for p in people.rows(include_hidden=True)} == {"Ana", "Rui Costa"}


def test_xmp_names_arrive_named_and_forget_deletes_everything(catalog):
    scan(catalog, [[face(0, name="Ana Silva")], [face(0)], [face(1)]])
    people = People(catalog)
    people.group()
    ana = people.resolve("Ana Silva")
    assert ana.photos == 2  # the second photo joined the person XMP named
    counts = people.forget_all()
    assert counts["faces"] == 3 and counts["people"] == 2
    assert people.rows() == [] and len(FaceTable(catalog).pending_scans()) == 3


def test_a_person_filter_naming_nobody_says_so(catalog):
    """`--person Rui` (a typo, or a person never named) is one clear error, as an unknown
    album or tag is, rather than an empty page that looks like "no photos of Rui"."""
    from indexing.errors import PictorError
    from indexing.query.organised import check_known

    scan(catalog, [[face(0)], [face(0)]])
    people = People(catalog)
    people.group()
    [ana] = people.rows()
    people.name(ana.id, "Ana Silva")
    check_known(catalog, Filter.parse(people=["ana silva"]))  # any case: known
    with pytest.raises(PictorError, match="no person named 'Rui'"):
        check_known(catalog, Filter.parse(people=["Ana Silva", "Rui"]))


def _ana_named_and_reads_counted(catalog, monkeypatch):
    """Three photos, two of one face named Ana and one of another, unnamed; every read of
    the named faces' rows counted. Returns (ids, people, the unnamed person, the reads)."""
    from indexing.query import people_facet

    ids = scan(catalog, [[face(0)], [face(0)], [face(1)]])
    people = People(catalog)
    people.group()
    ana, other = people.rows()
    people.name(ana.id, "Ana")
    reads: list[int] = []
    real = people_facet.faces.named_faces
    monkeypatch.setattr(people_facet.faces, "named_faces", lambda c: reads.append(1) or real(c))
    return ids, people, other, reads


def test_the_people_facet_is_kept_until_who_is_where_changes(catalog, monkeypatch):
    """The People facet reads the face rows once, answers from what it kept, and reads
    them again after a name, a move or a hide (migration 24's stamp), with the new counts."""
    from indexing.query.facets import facets

    ids, people, other, reads = _ana_named_and_reads_counted(catalog, monkeypatch)

    def counted() -> list[tuple[str, int]]:
        found = facets(catalog, names=("people",)).get("people")
        return [(v.label, v.count) for v in found.values] if found else []

    assert counted() == [("Ana", 2)]
    assert counted() == [("Ana", 2)] and len(reads) == 1  # kept: no second read
    people.name(other.id, "Rui")
    assert counted() == [("Ana", 2), ("Rui", 1)]
    people.move_face(FaceTable(catalog).faces_in(ids[1])[0].id, "Rui")
    assert counted() == [("Rui", 2), ("Ana", 1)]
    people.hide("Rui")
    assert counted() == [("Ana", 1)]
    assert len(reads) == 4


def test_a_rating_does_not_read_the_faces_again_and_counts_stay_right(catalog, monkeypatch):
    """A rating moves the facet index's position but not who is where: the People facet
    maps its kept pairs onto the new rows without reading the face rows, and counts under a
    rating filter see the new rating."""
    from indexing.query.facets import facets
    from indexing.store.ratings import Ratings

    ids, _, _, reads = _ana_named_and_reads_counted(catalog, monkeypatch)

    def counted(flt: Filter | None = None) -> list[tuple[str, int]]:
        found = facets(catalog, flt, names=("people",)).get("people")
        return [(v.label, v.count) for v in found.values] if found else []

    assert counted() == [("Ana", 2)] and len(reads) == 1
    Ratings(catalog).set(ids[0], 5)
    assert counted() == [("Ana", 2)]
    assert counted(Filter.parse(min_rating=5)) == [("Ana", 1)]
    assert len(reads) == 1  # a rating later, the faces were read once
