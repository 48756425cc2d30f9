"""`people`: the people found in the photos, and what the user does to them.

launch.py people list [--all] [--limit N] [--offset N]   people, most photos first
launch.py people review [--limit N] [--offset N]  "Who is this?": unnamed groups and unsure
                                      faces, with suggestions, the most faces first
launch.py people confirm FACE         "yes, that is them": the face stays, never asked again
launch.py people show PERSON          a person's photos and faces (PERSON: id or name)
launch.py people name PERSON NAME     name or rename a person
launch.py people merge A B            A's faces join B (B keeps its name)
launch.py people hide PERSON          hide from the People view (unhide: --undo)
launch.py people move FACE PERSON     put one face in another person (a new name: a new person)
launch.py people not FACE [PERSON]    "not this person": the face leaves, for good (PERSON:
                                      a suggestion refused; the face stays where it is)
launch.py people scan [--limit N]     find faces in images not scanned yet, then group
launch.py people forget --all --yes   delete every face, descriptor and person
launch.py people xmp                  write every named face to its photo's XMP sidecar
                                      (PICTOR_WRITE_XMP_FACES=on writes them as you name)
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from app.cli.common import Commands, Handler, emit, warn, whole_number
from app.cli.progress import cli_progress
from indexing.curate.face_review import ReviewItem
from indexing.curate.people import People, count_people, face_dict, label, person_dict
from indexing.errors import PictorError
from indexing.library import Library
from indexing.names.wording import plural
from indexing.store.catalog import Catalog
from indexing.store.files import present_paths

ACTIONS = (
    "list", "review", "show", "name", "merge", "hide", "move", "not", "confirm", "scan", "forget",
    "xmp",
)  # fmt: skip
ARITY = {"list": (0,), "review": (0,), "show": (1,), "name": (2,), "merge": (2,), "hide": (1,),
         "move": (2,), "not": (1, 2), "confirm": (1,), "scan": (0,), "forget": (0,),
         "xmp": (0,)}  # fmt: skip


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    people = commands.add_parser(
        "people",
        parents=[common],
        help="people: list | review | show P | name P NAME | merge A B | hide P | move F P | "
        "not F [P] | confirm F | scan | forget --all --yes | xmp",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    people.add_argument("action", choices=ACTIONS)
    people.add_argument("words", nargs="*", metavar="ARG")
    people.add_argument("--all", action="store_true", help="list: hidden people too; forget: all")
    people.add_argument("--yes", action="store_true", help="with forget: yes, delete them")
    people.add_argument("--undo", action="store_true", help="with hide: show the person again")
    people.add_argument("--limit", type=whole_number(1, 1_000_000), default=None)
    people.add_argument("--offset", type=whole_number(0, 10**9), default=0)
    people.add_argument(
        "--progress", choices=("auto", "bar", "json", "none"), default="auto",
        help="with scan: progress on stderr",
    )  # fmt: skip
    people.add_argument("--json", action="store_true", help="print one JSON document")
    return {"people": cmd_people}


def add_person_flags(parser: argparse.ArgumentParser) -> None:
    """--person (repeatable), --faces and --no-faces: the filters by who is in the photo."""
    parser.add_argument(
        "--person", action="append", default=None, metavar="NAME",
        help="only photos with this named person (repeat: all of them together)",
    )  # fmt: skip
    parser.add_argument(
        "--faces", type=whole_number(0, 100_000), default=None, metavar="N",
        help="only photos with at least N faces found",
    )  # fmt: skip
    parser.add_argument(
        "--no-faces", action="store_true", help="only photos in which no face was found"
    )


def person_filter(args: argparse.Namespace) -> dict:
    """The Filter fields of add_person_flags' flags."""
    if args.no_faces and args.faces:
        raise PictorError("--no-faces and --faces N>0 cannot both hold")
    return {
        "people": tuple(args.person or ()),
        "min_faces": args.faces,
        "max_faces": 0 if args.no_faces else None,
    }


def cmd_people(args: argparse.Namespace, library: Library) -> int:
    expected = ARITY[args.action]
    if len(args.words) not in expected:
        words = {0: "no argument", 1: "one argument", 2: "two arguments"}
        usage = " or ".join(words[n] for n in expected)
        raise PictorError(f"people {args.action} takes {usage} (see: people --help)")
    if args.action == "scan":
        return _scan(args, library)
    if args.action == "forget":
        return _forget(args, library)
    write = library.settings.write_xmp_faces
    with library.open_catalog() as catalog, _warned(People(catalog, write)) as people:
        if args.action == "xmp":
            written = people.write_sidecars()
            emit(args, {"sidecars": written, "warnings": people.sidecar_warnings},
                 f"Wrote the named faces to {plural(written, 'XMP sidecar')}.")  # fmt: skip
            return 0
        if args.action == "list":
            rows = people.rows(include_hidden=args.all, limit=args.limit, offset=args.offset)
            lines = [f"{p.id:>6}  {label(p)}  ({plural(p.photos, 'photo')})"
                     + ("  [hidden]" if p.hidden else "") for p in rows]  # fmt: skip
            emit(args, {"people": [person_dict(p) for p in rows]},
                 "\n".join(lines) or "No people yet (faces are found after indexing).")  # fmt: skip
            return 0
        if args.action == "review":
            queue = people.review(args.limit or 20, args.offset)
            data = {"review": [review_dict(item) for item in queue.items], "total": queue.total,
                    "offset": args.offset}  # fmt: skip
            lines = [review_line(item) for item in queue.items]
            if queue.total > len(queue.items):
                lines.append(f"({args.offset + len(queue.items)} of {queue.total}: --offset N)")
            emit(args, data, "\n".join(lines) or "Nothing to review: every face found is sure.")
            return 0
        if args.action == "show":
            person = people.resolve(args.words[0])
            faces = people.table.faces_of_person(person.id)
            paths = library_paths(catalog, people.photos(person.id))
            text = "\n".join([f"{label(person)} ({plural(person.photos, 'photo')})", *paths])
            emit(args, {"person": person_dict(person), "faces": [face_dict(f) for f in faces],
                        "photos": paths}, text)  # fmt: skip
            return 0
        if args.action == "name":
            before = people.resolve(args.words[0])
            person = people.name(before.id, args.words[1])
            emit(args, {"person": person_dict(person)}, f"Person {person.id} is now {person.name}.")
            return 0
        if args.action == "merge":
            source = people.resolve(args.words[0])
            person = people.merge(source.id, args.words[1])
            emit(args, {"merged": person_dict(source), "into": person_dict(person)},
                 f"Merged {label(source)} into {label(person)} "
                 f"({plural(person.photos, 'photo')}).")  # fmt: skip
            return 0
        if args.action == "hide":
            person = people.hide(args.words[0], not args.undo)
            state = "hidden" if person.hidden else "shown"
            emit(args, {"person": person_dict(person)}, f"{label(person)} is {state}.")
            return 0
        face_id = _face_id(args.words[0])
        if args.action == "move":
            person = people.move_face(face_id, args.words[1])
            emit(args, {"face": face_dict(people.face(face_id)), "person": person_dict(person)},
                 f"Face {face_id} is now {label(person)}.")  # fmt: skip
            return 0
        if args.action == "confirm":
            person = people.confirm(face_id)
            emit(args, {"face": face_dict(people.face(face_id)), "person": person_dict(person)},
                 f"Face {face_id} is {label(person)}: confirmed.")  # fmt: skip
            return 0
        was_in = people.face(face_id).person_id
        refused = people.not_person(face_id, args.words[1] if len(args.words) > 1 else None)
        after = people.face(face_id)
        text = (
            f"Face {face_id} left person {refused}; it will not be put back there."
            if was_in == refused
            else f"Face {face_id} is not person {refused}; it will not be suggested there."
        )
        emit(args, {"face": face_dict(after), "left": refused if was_in == refused else None,
                    "not": refused}, text)  # fmt: skip
        return 0


def review_dict(item: ReviewItem) -> dict:
    """One item of `people review --json`: kind 'group' (an unnamed person: naming it names
    all its faces) or 'unsure' (one face: `person` is the one it is in, or null)."""
    return {
        "kind": item.kind, "key": item.key, "faces": item.faces,
        "person": None if item.person is None else person_dict(item.person),
        "face": None if item.face is None else face_dict(item.face),
        "distance": item.distance, "asks_about": item.asks_about,
        "suggestions": [{"name": n, "distance": d} for n, d in item.suggestions],
    }  # fmt: skip


def review_line(item: ReviewItem) -> str:
    hints = ", ".join(n if d is None else f"{n} ({d:.2f})" for n, d in item.suggestions)
    if item.kind == "group" and item.person is not None:
        head = f"person {item.person.id:>6}  unnamed, {plural(item.faces, 'face')}"
    elif item.asks_about is not None and item.face is not None:
        head = f"face {item.face.id:>8}  is this {item.asks_about}? (confirm, or not)"
    else:
        head = f"face {item.face.id if item.face else 0:>8}  who is this?"
    return head + (f"  maybe: {hints}" if hints else "")


@contextmanager
def _warned(people: People) -> Iterator[People]:
    """The people; afterwards, each sidecar that could not be written, one line each."""
    try:
        yield people
    finally:
        for message in people.sidecar_warnings:
            warn(message)


def library_paths(catalog: Catalog, content_ids: list[str]) -> list[str]:
    """A present path per content (its first by path), in the order given."""
    found = present_paths(catalog, content_ids)
    return sorted(found[cid][0] for cid in content_ids if found.get(cid))


def _face_id(text: str) -> int:
    if not text.strip().isdigit():
        raise PictorError(f"{text!r} is not a face id (see: people show PERSON --json)")
    return int(text)


def _scan(args: argparse.Namespace, library: Library) -> int:
    progress = cli_progress(args.progress)
    try:
        report = library.find_faces(progress, limit=args.limit)
    finally:
        progress.close()
    if "message" in report:
        raise PictorError(report["message"])
    new = report["new_people"]
    text = (
        f"Scanned {plural(report['scanned'], 'image')}: {plural(report['faces'], 'face')} found, "
        f"{count_people(new)} new, {report['joined']} joined a known person."
    )
    emit(args, report, text)
    return 0


def _forget(args: argparse.Namespace, library: Library) -> int:
    if not args.all:
        raise PictorError("people forget needs --all (it deletes every face and person)")
    if not args.yes:
        raise PictorError("people forget --all deletes every face, descriptor and name; add --yes")
    counts = library.forget_faces()
    people = count_people(counts["people"])
    emit(args, {"forgot": counts}, f"Forgot {plural(counts['faces'], 'face')} and {people}.")
    return 0
