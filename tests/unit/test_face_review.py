""" "Who is this?" (indexing.curate.face_review) over a real catalog with descriptors placed
at known distances: which faces are unsure (a face grouping put in Ana near the join
distance, a face in no person, an unnamed face that looks like Ana when its group does
not), the unnamed groups with their suggestions, most faces first and paged; a confirmed
face never comes back and no grouping run moves it; a "No" never suggests that person for
the face again; a group answered with a known name joins that person."""

from __future__ import annotations

import numpy as np
import pytest

from indexing.curate.people import People
from indexing.curate.review_answers import answer
from indexing.errors import PictorError
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable, NewFace, ScanResult, descriptor_blob
from tests.unit.test_people_store import add_image

AXES = np.eye(128, dtype=np.float32)
ANA = AXES[0]
STRANGER = 2 * AXES[10]  # far from Ana (2.2)


def at(vector: np.ndarray) -> NewFace:
    return NewFace(0.1, 0.1, 0.2, 0.2, 1.5, descriptor_blob(vector))


def put(catalog: Catalog, number: int, vector: np.ndarray) -> int:
    """A photo with one face at this descriptor; the face's id."""
    content_id = add_image(catalog, number)
    FaceTable(catalog).put_scans([ScanResult(content_id, (at(vector),))], "m")
    return FaceTable(catalog).faces_in(content_id)[0].id


@pytest.fixture
def library(tmp_path):
    with Catalog(tmp_path / "data" / "catalog.sqlite3") as catalog:
        yield built(catalog)


def built(catalog: Catalog) -> tuple[Catalog, People, dict[str, int]]:
    """Ana named on one photo; then, in one grouping run: a face 0.2 from her (sure), one
    0.46 from her (joins her, unsure), one 0.55 from her (too far to join: an unnamed
    group with Ana suggested) and two faces of a stranger (an unnamed group of two)."""
    people = People(catalog)
    put(catalog, 1, ANA)
    people.group()
    people.name(people.rows()[0].id, "Ana")
    faces = {
        "sure": put(catalog, 2, ANA + 0.2 * AXES[1]),
        "unsure": put(catalog, 3, ANA + 0.46 * AXES[2]),
        "beyond": put(catalog, 4, ANA + 0.55 * AXES[3]),
        "stranger": put(catalog, 5, STRANGER),
        "stranger2": put(catalog, 6, STRANGER + 0.2 * AXES[11]),
    }
    summary = people.group()
    assert summary.joined == 2 and summary.new_people == 2
    return catalog, people, faces


def described(people: People) -> list[tuple]:
    """The queue as (kind, faces, face id or None, suggested names)."""
    return [
        (item.kind, item.faces, item.face.id if item.face else None,
         [name for name, _ in item.suggestions])
        for item in people.review(limit=None).items
    ]  # fmt: skip


def test_the_queue_holds_unnamed_groups_and_unsure_faces_most_faces_first(library):
    _, people, faces = library
    queue = people.review(limit=None)
    assert queue.total == 3
    assert described(people) == [
        ("group", 2, None, []),  # the stranger: two faces, no one like them
        ("unsure", 1, faces["unsure"], ["Ana"]),  # in Ana at 0.46: "Is this Ana?"
        ("group", 1, None, ["Ana"]),  # the face 0.55 from Ana: her, one click away
    ]
    unsure = queue.items[1]
    assert unsure.asks_about == "Ana" and unsure.distance == pytest.approx(0.46, abs=1e-3)
    assert queue.items[2].suggestions[0][1] == pytest.approx(0.55, abs=1e-3)
    assert faces["sure"] not in {i.face.id for i in queue.items if i.face}  # 0.2: sure
    page = people.review(limit=1, offset=1)
    assert page.total == 3 and [i.key for i in page.items] == [queue.items[1].key]


def test_a_confirmed_face_never_comes_back_and_no_run_moves_it(library):
    catalog, people, faces = library
    ana = people.resolve("Ana")
    assert people.confirm(faces["unsure"]).name == "Ana"
    assert [k for k, *_ in described(people)] == ["group", "group"]
    assert people.face(faces["unsure"]).assigned == "user"
    # Another run, with a new face nearer the confirmed one than anything else.
    put(catalog, 7, ANA + 0.46 * AXES[2] + 0.1 * AXES[4])
    people.group()
    assert people.face(faces["unsure"]).person_id == ana.id
    assert people.face(faces["unsure"]).assigned == "user"
    assert faces["unsure"] not in {i.face.id for i in people.review(limit=None).items if i.face}
    with pytest.raises(PictorError, match="no named person"):
        people.confirm(faces["stranger"])  # an unnamed group's face: name it instead
    assert people.face(faces["stranger"]).assigned == "auto"  # nothing changed


def test_no_means_that_person_is_never_suggested_again(library):
    _, people, faces = library
    ana = people.resolve("Ana")
    assert people.not_person(faces["unsure"]) == ana.id  # "No": the existing reject
    assert people.face(faces["unsure"]).person_id is None
    asked = {i.face.id: i for i in people.review(limit=None).items if i.face}[faces["unsure"]]
    assert asked.person is None and asked.suggestions == []  # "Who is this?", Ana not offered
    people.group()  # the next run: it is grouped, never back into Ana
    alone = people.face(faces["unsure"]).person_id
    assert alone not in (None, ana.id)
    group = {i.person.id: i for i in people.review(limit=None).items if i.kind == "group"}
    assert group[alone].suggestions == []  # 0.46 from Ana, yet she is not offered
    beyond = people.face(faces["beyond"])
    assert people.not_person(beyond.id, "Ana") == ana.id  # a suggestion refused
    assert people.face(beyond.id).person_id == beyond.person_id  # it stays where it was
    assert all(names == [] for _, _, _, names in described(people))


def test_a_group_answered_with_a_known_name_joins_that_person(library):
    _, people, faces = library
    beyond = people.face(faces["beyond"])
    assert people.name_group(beyond.person_id or 0, "ana").name == "Ana"
    assert people.face(beyond.id).person_name == "Ana"
    assert people.resolve("Ana").photos == 4
    stranger = people.face(faces["stranger"]).person_id or 0
    with pytest.raises(PictorError, match="cannot be empty"):
        people.name_group(stranger, "  ")
    assert people.name_group(stranger, "Rui Costa").faces == 2  # a new name: both faces
    assert described(people) == [("unsure", 1, faces["unsure"], ["Ana"])]


def test_the_cli_lists_both_kinds_and_confirms(library, tmp_path, capsys):
    """`people review --json` (kind group | unsure, paged), `people confirm FACE`, `people
    not FACE PERSON`, in process as launch.py runs them."""
    import json

    import launch

    _, _, faces = library
    data = ["--data-dir", str(tmp_path / "data")]

    def run(*words: str) -> tuple[int, dict | str]:
        code = launch.main([*data, "people", *words])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if code == 0 and "--json" in words else err)

    code, page = run("review", "--json", "--limit", "2")
    assert code == 0 and isinstance(page, dict)
    assert page["total"] == 3 and [i["kind"] for i in page["review"]] == ["group", "unsure"]
    code, rest = run("review", "--json", "--offset", "2")
    assert isinstance(rest, dict) and [i["kind"] for i in rest["review"]] == ["group"]
    assert rest["review"][0]["suggestions"][0]["name"] == "Ana"
    unsure = page["review"][1]
    assert unsure["face"]["id"] == faces["unsure"] and unsure["asks_about"] == "Ana"
    code, said = run("confirm", str(faces["unsure"]), "--json")
    assert code == 0 and isinstance(said, dict) and said["face"]["assigned"] == "user"
    code, said = run("not", str(faces["beyond"]), "Ana", "--json")
    assert code == 0 and isinstance(said, dict) and said["left"] is None
    code, page = run("review", "--json")
    assert isinstance(page, dict) and page["total"] == 2  # the confirmed face is gone
    assert all(i["suggestions"] == [] for i in page["review"])  # Ana refused for that face
    code, err = run("confirm", str(faces["stranger"]))
    assert code == 2 and isinstance(err, str) and err.count("\n") == 1
    assert "no named person" in err
    code, err = run("confirm", "1", "2")
    assert code == 2 and "one argument" in str(err)


def test_the_views_answers_do_what_their_buttons_say(library):
    """The "Who is this?" view's buttons (indexing.curate.review_answers): Yes confirms, No
    is "not this person", a name names a whole group or one face; what each says."""
    _, people, faces = library
    queue = {item.key: item for item in people.review(limit=None).items}
    stranger, beyond = (f"g{people.face(faces[k]).person_id}" for k in ("stranger", "beyond"))
    assert set(queue) == {stranger, beyond, f"f{faces['unsure']}"}
    with pytest.raises(PictorError, match="Give this person a name"):
        answer(people, stranger, "yes")
    assert answer(people, stranger, "name", "Rui") == "Saved: 2 faces of Rui."
    assert answer(people, f"f{faces['unsure']}", "yes") == "Confirmed: that is Ana."
    assert people.face(faces["unsure"]).assigned == "user"
    assert answer(people, f"f{faces['sure']}", "no").startswith("Done: that face is not Ana")
    assert people.face(faces["sure"]).person_id is None
    assert answer(people, f"f{faces['sure']}", "name", "rui") == "Saved: that face is Rui."
    assert [item.key for item in people.review(limit=None).items] == [beyond]


def test_a_late_answer_is_refused_when_the_face_or_group_changed_elsewhere(library):
    """Two windows: A shows a question, B answers or moves first; A's click then changes
    nothing and says so (never rejecting the person B moved the face to, never merging the
    person B named)."""
    _, people, faces = library
    queue = {item.key: item for item in people.review(limit=None).items}
    unsure = queue[f"f{faces['unsure']}"]  # A: "Is this Ana?"
    people.move_face(faces["unsure"], "Rui")  # B: it is Rui
    for action in ("no", "yes"):
        with pytest.raises(PictorError, match="changed since it was asked about"):
            answer(people, unsure.key, action, asked=unsure.asked)
    moved = people.face(faces["unsure"])
    assert moved.person_name == "Rui" and moved.assigned == "user"  # Rui kept, not refused
    stranger = queue[f"g{people.face(faces['stranger']).person_id}"]  # A: an unnamed group
    assert answer(people, stranger.key, "name", "Bob", stranger.asked) == "Saved: 2 faces of Bob."
    with pytest.raises(PictorError, match="changed since it was asked about"):
        answer(people, stranger.key, "name", "Ana", stranger.asked)  # A, late
    assert people.resolve("Bob").faces == 2 and people.resolve("Ana").faces == 2
    beyond = queue[f"g{people.face(faces['beyond']).person_id}"]  # one face when asked
    people.move_face(faces["sure"], beyond.person.id if beyond.person else 0)  # B adds one
    with pytest.raises(PictorError, match="changed since it was asked about"):
        answer(people, beyond.key, "name", "Eve", beyond.asked)
    assert people.face(faces["sure"]).person_name is None  # still unnamed: nothing done


def test_a_face_asked_alone_comes_just_before_its_group(library):
    """A face of an unnamed group that looks like Ana when its group looks like Bo is asked
    about before the group, so naming the group does not carry it along unasked."""
    catalog, people, _ = library
    bo = put(catalog, 10, ANA + 1.2 * AXES[5])
    people.group()
    people.name(people.face(bo).person_id or 0, "Bo")
    group = [put(catalog, 11, ANA + 0.68 * AXES[5]),
             put(catalog, 12, ANA + 0.68 * AXES[5] + 0.1 * AXES[6])]  # fmt: skip
    alone = put(catalog, 13, ANA + 0.55 * AXES[5])  # 0.55 from Ana, 0.13 from the group
    people.group()
    person = people.face(alone).person_id
    assert person == people.face(group[0]).person_id == people.face(group[1]).person_id
    keys = [item.key for item in people.review(limit=None).items]
    assert keys.index(f"f{alone}") == keys.index(f"g{person}") - 1
    queue = people.review(limit=None).items
    item = queue[keys.index(f"g{person}")]
    assert item.suggestions[0][0] == "Bo" and item.faces == 3
    odd = queue[keys.index(f"f{alone}")]
    assert [name for name, _ in odd.suggestions][:1] == ["Ana"]
    assert answer(people, odd.key, "name", "Ana", odd.asked) == "Saved: that face is Ana."
    group_now = people.review(limit=None).items[keys.index(f"f{alone}")]  # next: the group
    assert group_now.key == f"g{person}" and group_now.faces == 2
    assert answer(people, group_now.key, "name", "Bo", group_now.asked) == "Saved: 3 faces of Bo."
    assert people.face(alone).person_name == "Ana"  # not carried along into Bo


def test_the_queue_is_built_once_and_an_answer_only_drops_its_item(library, monkeypatch):
    """The built queue is kept (per library, until the people change stamp moves): paging
    and answering do not build it again; a change made elsewhere does."""
    from indexing.curate import face_review

    _, people, faces = library
    builds: list[int] = []
    real = face_review.build_queue
    monkeypatch.setattr(face_review, "build_queue", lambda t: builds.append(1) or real(t))
    first = [item.key for item in people.review(limit=None).items]
    assert people.review(limit=1, offset=1).items[0].key == first[1] and len(builds) == 1
    stranger = people.review(limit=None).items[0]
    answer(people, stranger.key, "name", "Rui", stranger.asked)
    assert [item.key for item in people.review(limit=None).items] == first[1:]
    assert len(builds) == 1  # the answer dropped its item: no build
    people.confirm(faces["unsure"])  # elsewhere (the CLI, another window)
    assert [item.key for item in people.review(limit=None).items] == first[2:]
    assert len(builds) == 2
