"""The viewer's "People in this photo" section: the people whose faces are in the image (a
click opens that person's photos in the People view, wired in app/ui.py), the faces
numbered as "Show face boxes" draws them with their names on the image (the same drawing
as the text outlines, app/detail_text.py), and for the face picked: a name (one of the
known names, or a new one) and "Not this person".

Naming follows `launch.py people`: a face in an unnamed group named with a new name names
the group (every face of it); naming it with a known person's name moves that one face
there (`people move`); "Not this person" takes the face out of its person for good
(`people not`). The work is indexing.curate.people; this module only translates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image

from app.context import AppContext
from app.detail_text import draw_boxes, plain
from app.safe_text import literal
from indexing.curate.people import People, label
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query import details
from indexing.store.faces import FaceRow


@dataclass
class PeopleInPhoto:
    section: gr.Accordion  # hidden for an image with no face found
    people: gr.Radio  # the people in it, as chips: a click opens their photos
    faces: gr.Radio  # the faces, numbered as the boxes are: the one to name or correct
    name: gr.Dropdown  # the known names; a new name is typed
    save_name: gr.Button
    not_this: gr.Button
    show_boxes: gr.Button
    hide_boxes: gr.Button
    message: gr.Markdown
    drawn: gr.State  # whether the boxes are on the image: a change of names redraws them

    @property
    def outputs(self) -> list[Any]:
        """What following the image fills (in values()' order)."""
        return [self.section, self.people, self.faces, self.name, self.message]


def render(prefix: str) -> PeopleInPhoto:
    with gr.Accordion("People in this photo", open=True, visible=False,
                      elem_id=f"{prefix}-people") as section:  # fmt: skip
        people = gr.Radio(
            label="Click a name to see their photos", choices=[], value=None,
            elem_id=f"{prefix}-people-names",
        )  # fmt: skip
        faces = gr.Radio(
            label="Faces, numbered as the boxes are: pick one to name it or correct it",
            choices=[], value=None, elem_id=f"{prefix}-faces",
        )  # fmt: skip
        name = gr.Dropdown(
            label="Who is it? (a known name, or type a new one)", choices=[], value=None,
            allow_custom_value=True, elem_id=f"{prefix}-face-name",
        )  # fmt: skip
        with gr.Row(equal_height=True):
            save_name = gr.Button("Save name", size="sm", elem_id=f"{prefix}-face-save")
            not_this = gr.Button("Not this person", size="sm", elem_id=f"{prefix}-face-not")
        with gr.Row(equal_height=True):
            show_boxes = gr.Button("Show face boxes", size="sm", elem_id=f"{prefix}-faces-show")
            hide_boxes = gr.Button("Hide face boxes", size="sm", elem_id=f"{prefix}-faces-hide")
        message = gr.Markdown("", elem_id=f"{prefix}-people-message")
    return PeopleInPhoto(
        section, people, faces, name, save_name, not_this, show_boxes, hide_boxes, message,
        gr.State(False),
    )  # fmt: skip


def face_label(number: int, face: FaceRow) -> str:
    """'2 · Ana Silva', '1 · unnamed': a face as the list and its box name it."""
    return f"{number} · {face.person_name or 'unnamed'}"


def person_chips(faces: list[FaceRow]) -> list[tuple[str, int]]:
    """(name, person id) of each person in the image, in the faces' order; unnamed people
    are told apart by the number of their face."""
    chips: dict[int, str] = {}
    for number, face in enumerate(faces, 1):
        if face.person_id is not None and face.person_id not in chips:
            chips[face.person_id] = face.person_name or f"Unnamed person (face {number})"
    return [(name, person) for person, name in chips.items()]


def values(ctx: AppContext, content_id: str | None, message: str = "") -> tuple:
    """Values for PeopleInPhoto.outputs: the section shown when faces were found. The first
    unnamed face is picked, ready to be named."""
    if content_id is None:
        return gr.Accordion(visible=False), gr.Radio(choices=[]), gr.Radio(choices=[]), None, ""
    with ctx.catalog() as catalog:
        people = People(catalog)
        faces = people.table.faces_in(content_id)
        names = sorted((p.name for p in people.rows(include_hidden=True) if p.name), key=str.lower)
    choices = [(face_label(n, face), face.id) for n, face in enumerate(faces, 1)]
    unnamed = [face.id for face in faces if face.person_name is None]
    return (
        gr.Accordion(visible=bool(faces)),
        gr.Radio(choices=person_chips(faces), value=None),
        gr.Radio(choices=choices, value=unnamed[0] if unnamed else None),
        gr.Dropdown(choices=names, value=None),
        message,
    )


def boxed(ctx: AppContext, content_id: str | None) -> Any:
    """The preview with every face's box and its number and name drawn on it."""
    if content_id is None:
        return gr.Image()
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        faces = People(catalog).table.faces_in(content_id)
    if detail is None:
        return gr.Image()
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    preview = ctx.library.previews.get(content_id, present)
    if preview is None or not faces or detail.get("kind") == "video":
        return gr.Image(str(preview) if preview else None)
    with Image.open(preview) as opened:
        picture = opened.convert("RGB")
    size = picture.size
    rects = [
        (f.left * size[0], f.top * size[1], (f.left + f.width) * size[0],
         (f.top + f.height) * size[1])
        for f in faces
    ]  # fmt: skip
    labels = [face_label(n, face) for n, face in enumerate(faces, 1)]
    return draw_boxes(picture, rects, size, labels, fill=0)


def name_face(people: People, face_id: int, typed: str) -> str:
    """Name one face; what was done, as one sentence."""
    face = people.face(face_id)
    current = people.table.person(face.person_id) if face.person_id is not None else None
    known = people.table.person_named(" ".join(str(typed).split()))
    if current is not None and current.name is None and known is None:
        row = people.name(current.id, typed)  # a new name for an unnamed group: all of it
        return f"Saved: {literal(row.name)} ({plural(row.faces, 'face')} named)."
    row = people.name_face(face_id, typed)
    return f"Saved: this face is {literal(label(row))}."


def listen(
    view: PeopleInPhoto, ctx: AppContext, selected: gr.State, preview: gr.Image
) -> list[Any]:
    """Name, reject, draw (app/detail.py fills the section from the image shown, with
    values(); the names' clicks are wired in app/ui.py, which knows the People view). The
    naming and rejecting events, to chain on."""
    # No spinner over the faces and names while they refresh (an answer in milliseconds):
    # on a busy machine the overlay sat over them and took the next click.
    quiet: dict[str, Any] = {"show_progress": "hidden"}

    def act(content_id: str | None, face_id: int | None, do) -> tuple:
        if content_id is None:
            return values(ctx, None)
        if face_id is None:
            return values(ctx, content_id, "Pick a face first.")
        try:
            with ctx.catalog() as catalog:
                people = People(catalog, ctx.settings.write_xmp_faces)
                said = do(people, int(face_id))
                said += "".join(f"  \n⚠️ {literal(w)}" for w in people.sidecar_warnings)
        except PictorError as exc:
            return values(ctx, content_id, f"⚠️ {literal(exc)}")
        return values(ctx, content_id, said)

    def save(content_id: str | None, face_id: int | None, typed: str | None) -> tuple:
        if not (typed or "").strip():
            return values(ctx, content_id, "Pick a name or type a new one first.")
        return act(content_id, face_id, lambda people, face: name_face(people, face, typed or ""))

    def reject(people: People, face_id: int) -> str:
        face = people.face(face_id)
        if face.person_id is None:
            raise PictorError("This face is in no person yet.")
        people.not_this_person(face_id)
        who = face.person_name or "that unnamed person"
        return f"Done: this face is not {literal(who)}; it is never put back there."

    saved = view.save_name.click(save, [selected, view.faces, view.name], view.outputs, **quiet)
    rejected = view.not_this.click(
        lambda cid, face: act(cid, face, reject), [selected, view.faces], view.outputs, **quiet
    )
    view.show_boxes.click(lambda cid: (boxed(ctx, cid), True), [selected], [preview, view.drawn])
    view.hide_boxes.click(lambda cid: (plain(ctx, cid), False), [selected],
                          [preview, view.drawn])  # fmt: skip
    for changed in (saved, rejected):
        changed.then(lambda cid, on: boxed(ctx, cid) if on else gr.skip(), [selected, view.drawn],
                     [preview])  # fmt: skip
    return [saved, rejected]
