"""The People view (inside the Library tab): one card per person, largest first, paged; a
click shows that person's photos, which open in the shared viewer; name or rename, merge
into another person, hide. The callbacks only translate: the work is indexing.curate.people.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from PIL import Image

from app import detail, selection
from app.components import thumbnails
from app.context import AppContext
from app.safe_text import literal
from indexing.curate.people import People, count_people, label
from indexing.errors import BadImage, PictorError
from indexing.ingest.faces import face_crop
from indexing.names.wording import plural
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceRow, FaceTable, PersonRow
from indexing.store.files import present_paths_of

PAGE = 24
FACES = 60  # the faces shown on a person's page
EMPTY = (
    "No people yet. Faces are found after indexing (PICTOR_FACES=off turns it off); "
    "index a folder, or run `people scan` for a library indexed before."
)


@dataclass
class PeopleView:
    refresh: gr.Button
    hidden: gr.Checkbox
    enabled: gr.Checkbox  # find faces after indexing (PICTOR_FACES), until the app restarts
    write_xmp: gr.Checkbox  # names to XMP sidecars (PICTOR_WRITE_XMP_FACES), likewise
    previous: gr.Button
    next: gr.Button
    page_label: gr.Markdown
    cards: gr.Gallery
    person_title: gr.Markdown
    name: gr.Textbox
    rename: gr.Button
    merge_into: gr.Textbox
    merge: gr.Button
    hide: gr.Button
    message: gr.Markdown
    photos: gr.Gallery
    faces: gr.Gallery  # the person's faces (crops): click one to move it or reject it
    face_title: gr.Markdown  # which face is picked
    move_to: gr.Dropdown  # another person (or a new name) for the face picked
    move: gr.Button
    not_this: gr.Button
    page: gr.State  # 1-based
    people: gr.State  # the person ids of the cards shown, in order
    selected: gr.State  # the person id clicked
    ids: gr.State  # the content ids of the person's photos: the viewer's list
    face_ids: gr.State  # the face ids of the crops shown, in order
    face: gr.State  # the face id picked
    select: selection.SelectionBar | None = None  # select many in their photos
    main: gr.Column | None = None  # all of the above: hidden while "Who is this?" is open
    who: gr.Button | None = None  # opens "Who is this?" (app/tabs/people_review.py)

    @property
    def page_outputs(self) -> list:
        """What cards_values() fills."""
        return [self.cards, self.page_label, self.people, self.page]

    @property
    def person_outputs(self) -> list:
        """What person_values() fills."""
        return [
            self.person_title, self.photos, self.ids, self.name, self.message, self.merge_into,
            self.faces, self.face_ids, self.face, self.face_title, self.move_to,
        ]  # fmt: skip


def render(ctx: AppContext) -> PeopleView:
    with gr.Column(elem_id="people-main") as main:
        with gr.Row(equal_height=True):
            previous = gr.Button("◀ Previous", size="sm", min_width=90, elem_id="people-previous")
            following = gr.Button("Next ▶", size="sm", min_width=90, elem_id="people-next")
            refresh = gr.Button("Refresh", size="sm", min_width=90, elem_id="people-refresh")
            who = gr.Button("Who is this?", size="sm", min_width=110, variant="primary",
                            elem_id="people-review-open")  # fmt: skip
        with gr.Row(equal_height=True):
            page_label = gr.Markdown("", elem_id="people-page")
            hidden = gr.Checkbox(label="Show hidden people", value=False, min_width=160,
                                 elem_id="people-hidden")  # fmt: skip
            enabled = gr.Checkbox(label="Find faces after indexing", value=ctx.settings.faces,
                                  min_width=160, elem_id="people-enabled")  # fmt: skip
            write_xmp = gr.Checkbox(
                label="Write names to XMP sidecars (digiKam, Lightroom)",
                value=ctx.settings.write_xmp_faces, min_width=160, elem_id="people-write-xmp",
            )  # fmt: skip
        cards = thumbnails(
            label="People (click one to see their photos)", columns=8, object_fit="cover",
            elem_id="people-cards",
        )  # fmt: skip
        person_title = gr.Markdown("", elem_id="people-person")
        with gr.Row(equal_height=True):
            name = gr.Textbox(label="Name", placeholder="e.g. Ana Silva", elem_id="people-name")
            rename = gr.Button("Save name", elem_id="people-save-name")
            merge_into = gr.Textbox(label="Merge into (a name or a person's number)",
                                    elem_id="people-merge-into")  # fmt: skip
            merge = gr.Button("Merge", elem_id="people-merge")
            hide = gr.Button("Hide / show", elem_id="people-hide")
        message = gr.Markdown("", elem_id="people-message")
        select = selection.render("people")
        photos = thumbnails(label="Their photos (click one to open it)", columns=8,
                            elem_id="people-photos")  # fmt: skip
        faces = thumbnails(
            label="Their faces (click one to pick it)", columns=8, object_fit="cover", buttons=[],
            elem_id="people-faces",
        )  # fmt: skip
        face_title = gr.Markdown("", elem_id="people-face")
        with gr.Row(equal_height=True):
            move_to = gr.Dropdown(
                label="Move the face to (a person, or type a new name)", choices=[], value=None,
                allow_custom_value=True, scale=3, min_width=260, elem_id="people-move-to",
            )  # fmt: skip
            move = gr.Button("Move face", scale=1, min_width=130, elem_id="people-move")
            not_this = gr.Button("Not this person", scale=1, min_width=130,
                                 elem_id="people-not-this")  # fmt: skip
    return PeopleView(
        refresh, hidden, enabled, write_xmp, previous, following, page_label, cards, person_title,
        name, rename, merge_into, merge, hide, message, photos, faces, face_title, move_to, move,
        not_this, gr.State(1), gr.State([]), gr.State(None), gr.State([]), gr.State([]),
        gr.State(None), select=select, main=main, who=who,
    )  # fmt: skip


def cards_values(ctx: AppContext, page: int, include_hidden: bool) -> tuple:
    """Values for PeopleView.page_outputs: one page of cards."""
    with ctx.catalog() as catalog:
        rows = People(catalog).rows(include_hidden=include_hidden)
        pages = max(1, -(-len(rows) // PAGE))
        page = min(max(1, page), pages)
        shown = rows[(page - 1) * PAGE : page * PAGE]
        items = [(cover_image(ctx, catalog, person), _caption(person)) for person in shown]
    text = f"Page {page} of {pages} · {count_people(len(rows))}" if rows else EMPTY
    return items, text, [p.id for p in shown], page


def person_values(ctx: AppContext, person_id: int | None, message: str = "") -> tuple:
    """Values for PeopleView.person_outputs: a person's page (their photos and faces)."""
    if person_id is None:
        return "", [], [], "", message, "", [], [], None, "", gr.Dropdown(choices=[], value=None)
    with ctx.catalog() as catalog:
        people = People(catalog)
        try:
            row = people.resolve(person_id)
        except PictorError as exc:
            return person_values(ctx, None, f"⚠️ {literal(exc)}")
        ids = people.photos(row.id)
        hints = people.suggest_for(row.id) if row.name is None else []
        faces = people.table.faces_of_person(row.id)
        crops = [face_image(ctx, catalog, face) for face in faces[:FACES]]
        others = [person_choice(p) for p in people.rows(include_hidden=True) if p.id != row.id]
    thumbs = ctx.library.thumbs
    shown = [cid for cid in ids if thumbs.has(cid)]
    title = f"**{literal(label(row))}** · {plural(row.photos, 'photo')}" + (
        " · hidden" if row.hidden else ""
    )
    if hints:  # "Who is this?": the closest named person, one click (Merge) away
        title += f" · could be **{literal(hints[0][0])}**: press Merge if it is"
    first = f", the first {FACES} shown" if len(faces) > FACES else ""
    face_title = (
        f"{plural(len(faces), 'face')}{first}. Pick one, then move it to another person, or "
        "say it is not this person."
    )
    return (
        title, [str(thumbs.path_for(cid)) for cid in shown], shown, row.name or "", message,
        hints[0][0] if hints else "", crops, [f.id for f in faces[:FACES]], None, face_title,
        gr.Dropdown(choices=others, value=None),
    )  # fmt: skip


def person_choice(person: PersonRow) -> tuple[str, str]:
    """(what the Move to list shows, its value: the person's number)."""
    if person.name is not None:
        return f"{person.name} · {plural(person.photos, 'photo')}", str(person.id)
    return f"Unnamed person #{person.id} · {plural(person.photos, 'photo')}", str(person.id)


def listen(view: PeopleView, ctx: AppContext, opened: gr.Accordion) -> None:
    page_outputs, person_outputs = view.page_outputs, view.person_outputs

    def cards(page: int, include_hidden: bool):
        return cards_values(ctx, page, include_hidden)

    def person(person_id: int | None, message: str = ""):
        return person_values(ctx, person_id, message)

    def select(people_ids: list[int], evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else -1
        chosen = people_ids[index] if 0 <= index < len(people_ids) else None
        return (chosen, *person(chosen))

    def act(action, person_id: int | None, page: int, include_hidden: bool, *values):
        if person_id is None:
            return (*cards(page, include_hidden), person_id, *person(None, "Click a person first."))
        try:
            with ctx.catalog() as catalog:
                people = People(catalog, ctx.settings.write_xmp_faces)
                said, person_id = action(people, person_id, *values)
                said += "".join(f"  \n⚠️ {literal(w)}" for w in people.sidecar_warnings)
        except PictorError as exc:
            return (
                *cards(page, include_hidden),
                person_id,
                *person(person_id, f"⚠️ {literal(exc)}"),
            )
        return (*cards(page, include_hidden), person_id, *person(person_id, said))

    def rename(people: People, person_id: int, name: str):
        row = people.name(person_id, name)
        return f"Saved: this is {literal(row.name)}.", row.id

    def merge(people: People, person_id: int, target: str):
        if not target.strip():
            raise PictorError("Type the name (or number) of the person to merge into.")
        source = people.resolve(person_id)
        row = people.merge(person_id, target)
        return f"Merged {literal(label(source))} into {literal(label(row))}.", row.id

    def hide(people: People, person_id: int):
        row = people.hide(person_id, not people.resolve(person_id).hidden)
        return ("Hidden from this view." if row.hidden else "Shown again."), row.id

    def pick_face(face_ids: list[int], evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else -1
        face = face_ids[index] if 0 <= index < len(face_ids) else None
        if face is None:
            return None, ""
        return face, f"Face {face} picked: move it, or press Not this person."

    def move(people: People, person_id: int, face: int | None, target: str | None):
        if face is None:
            raise PictorError("Click one of their faces first.")
        if not (target or "").strip():
            raise PictorError("Pick the person to move the face to, or type a new name.")
        row = people.move_face(face, str(target))
        still = people.table.person(person_id)
        return f"Moved the face to {literal(label(row))}.", (
            person_id if still is not None and still.faces else row.id
        )

    def reject(people: People, person_id: int, face: int | None):
        if face is None:
            raise PictorError("Click one of their faces first.")
        if people.face(face).person_id != person_id:
            raise PictorError("That face is no longer this person's.")
        was = label(people.resolve(person_id))
        people.not_this_person(face)
        still = people.table.person(person_id)
        said = f"Done: that face is not {literal(was)}; it is never put back there automatically."
        return said, person_id if still is not None else None

    act_outputs = [*page_outputs, view.selected, *person_outputs]
    common = [view.selected, view.page, view.hidden]
    opened.expand(cards, [view.page, view.hidden], page_outputs)
    view.refresh.click(cards, [view.page, view.hidden], page_outputs)
    view.hidden.change(lambda h: cards(1, h), [view.hidden], page_outputs)
    view.enabled.change(lambda on: ctx.set_stage("faces", bool(on)), [view.enabled], None)
    view.write_xmp.change(lambda on: ctx.set_write_xmp_faces(bool(on)), [view.write_xmp], None)
    view.previous.click(lambda p, h: cards(p - 1, h), [view.page, view.hidden], page_outputs)
    view.next.click(lambda p, h: cards(p + 1, h), [view.page, view.hidden], page_outputs)
    view.cards.select(select, [view.people], [view.selected, *person_outputs])
    view.rename.click(lambda *a: act(rename, *a), [*common, view.name], act_outputs)
    view.name.submit(lambda *a: act(rename, *a), [*common, view.name], act_outputs)
    view.merge.click(lambda *a: act(merge, *a), [*common, view.merge_into], act_outputs)
    view.hide.click(lambda *a: act(hide, *a), common, act_outputs)
    view.faces.select(pick_face, [view.face_ids], [view.face, view.face_title])
    view.move.click(lambda *a: act(move, *a), [*common, view.face, view.move_to], act_outputs)
    view.not_this.click(lambda *a: act(reject, *a), [*common, view.face], act_outputs)


def open_person(ctx: AppContext, person_id: int | None, include_hidden: bool) -> tuple:
    """The People view opened on one person (from the viewer): the Library tab, the view
    open, its cards, and the person's page; values for opening_outputs()."""
    return (
        gr.Tabs(selected="library"), gr.Accordion(open=True),
        *cards_values(ctx, 1, include_hidden), person_id, *person_values(ctx, person_id),
    )  # fmt: skip


def listen_viewer(
    view: PeopleView, ctx: AppContext, viewer: detail.Viewer, tabs: gr.Tabs, opened: gr.Accordion
) -> None:
    """A name clicked in the viewer's "People in this photo": the viewer closes and the
    People view opens on that person, their photos and faces, as a click on their card."""

    chips = viewer.panel.people.people

    def chosen(person_id: int | None, include_hidden: bool):
        # The chip is let go (a checked radio gives no event when clicked again).
        opening = open_person(ctx, person_id, include_hidden or False)
        return (detail.closed(), gr.Radio(value=None), *opening)

    chips.select(
        chosen, [chips, view.hidden],
        [viewer.box, chips, tabs, opened, *view.page_outputs, view.selected, *view.person_outputs],
    )  # fmt: skip


def _caption(person: PersonRow) -> str:
    return f"{label(person)} · {plural(person.photos, 'photo')}"


def cover_image(ctx: AppContext, catalog: Catalog, person: PersonRow) -> Image.Image:
    """The person's face, cropped from its photo (cached in the data folder)."""
    table = FaceTable(catalog)
    face = table.face(person.cover_face) if person.cover_face is not None else None
    if face is None or face.person_id != person.id:
        faces = table.faces_of_person(person.id)
        face = max(faces, key=lambda f: f.score or 0.0) if faces else None
    if face is None:
        return Image.new("RGB", (160, 160), "#ddd")
    return face_image(ctx, catalog, face)


def face_image(ctx: AppContext, catalog: Catalog, face: FaceRow) -> Image.Image:
    """A face cropped from its photo (cached in the data folder by face id); grey when no
    file of it can be read."""
    cache = ctx.settings.data_dir / "face-crops" / f"{face.id}.jpg"
    if cache.exists():
        return Image.open(cache)
    for path in present_paths_of(catalog, face.content_id):
        try:
            crop = face_crop(path, (face.left, face.top, face.width, face.height),
                             moment_ms=face.moment_ms)  # fmt: skip
        except (OSError, BadImage):
            continue
        cache.parent.mkdir(parents=True, exist_ok=True)
        crop.save(cache, quality=88)
        return crop
    return Image.new("RGB", (160, 160), "#ddd")
