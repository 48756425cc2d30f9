"""The People view (inside the Library tab): one card per person, largest first, paged; a
click shows that person's photos, which open in the shared viewer; name or rename, merge
into another person, hide. The callbacks only translate: the work is indexing.curate.people.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from PIL import Image

from app import selection
from app.components import thumbnails
from app.context import AppContext
from app.safe_text import literal
from indexing.curate.people import People, count_people, label
from indexing.errors import BadImage, PictorError
from indexing.ingest.faces import face_crop
from indexing.names.wording import plural
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable, PersonRow
from indexing.store.files import present_paths_of

PAGE = 24
EMPTY = (
    "No people yet. Faces are found after indexing (PICTOR_FACES=off turns it off); "
    "index a folder, or run `people scan` for a library indexed before."
)


@dataclass
class PeopleView:
    refresh: gr.Button
    hidden: gr.Checkbox
    enabled: gr.Checkbox  # find faces after indexing (PICTOR_FACES), until the app restarts
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
    page: gr.State  # 1-based
    people: gr.State  # the person ids of the cards shown, in order
    selected: gr.State  # the person id clicked
    ids: gr.State  # the content ids of the person's photos: the viewer's list
    select: selection.SelectionBar | None = None  # select many in their photos


def render(ctx: AppContext) -> PeopleView:
    with gr.Row(equal_height=True):
        previous = gr.Button("◀ Previous", size="sm", min_width=90, elem_id="people-previous")
        following = gr.Button("Next ▶", size="sm", min_width=90, elem_id="people-next")
        refresh = gr.Button("Refresh", size="sm", min_width=90, elem_id="people-refresh")
    with gr.Row(equal_height=True):
        page_label = gr.Markdown("", elem_id="people-page")
        hidden = gr.Checkbox(label="Show hidden people", value=False, min_width=160,
                             elem_id="people-hidden")  # fmt: skip
        enabled = gr.Checkbox(label="Find faces after indexing", value=ctx.settings.faces,
                              min_width=160, elem_id="people-enabled")  # fmt: skip
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
    return PeopleView(
        refresh, hidden, enabled, previous, following, page_label, cards, person_title, name,
        rename, merge_into, merge, hide, message, photos, gr.State(1), gr.State([]),
        gr.State(None), gr.State([]), select=select,
    )  # fmt: skip


def listen(view: PeopleView, ctx: AppContext, opened: gr.Accordion) -> None:
    page_outputs = [view.cards, view.page_label, view.people, view.page]
    person_outputs = [
        view.person_title, view.photos, view.ids, view.name, view.message, view.merge_into
    ]  # fmt: skip

    def cards(page: int, include_hidden: bool):
        with ctx.catalog() as catalog:
            rows = People(catalog).rows(include_hidden=include_hidden)
            pages = max(1, -(-len(rows) // PAGE))
            page = min(max(1, page), pages)
            shown = rows[(page - 1) * PAGE : page * PAGE]
            items = [(_cover(ctx, catalog, person), _caption(person)) for person in shown]
        text = f"Page {page} of {pages} · {count_people(len(rows))}" if rows else EMPTY
        return items, text, [p.id for p in shown], page

    def person(person_id: int | None, message: str = ""):
        if person_id is None:
            return "", [], [], "", message, ""
        with ctx.catalog() as catalog:
            people = People(catalog)
            try:
                row = people.resolve(person_id)
            except PictorError as exc:
                return "", [], [], "", f"⚠️ {literal(exc)}", ""
            ids = people.photos(row.id)
            hints = people.suggest_for(row.id) if row.name is None else []
        thumbs = ctx.library.thumbs
        shown = [cid for cid in ids if thumbs.has(cid)]
        title = f"**{literal(label(row))}** · {plural(row.photos, 'photo')}" + (
            " · hidden" if row.hidden else ""
        )
        if hints:  # "Who is this?": the closest named person, one click (Merge) away
            title += f" · could be **{literal(hints[0][0])}**: press Merge if it is"
        return (
            title, [str(thumbs.path_for(cid)) for cid in shown], shown, row.name or "", message,
            hints[0][0] if hints else "",
        )  # fmt: skip

    def select(people_ids: list[int], evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else -1
        chosen = people_ids[index] if 0 <= index < len(people_ids) else None
        return (chosen, *person(chosen))

    def act(action, person_id: int | None, page: int, include_hidden: bool, *values):
        if person_id is None:
            return (*cards(page, include_hidden), person_id, *person(None, "Click a person first."))
        try:
            with ctx.catalog() as catalog:
                said, person_id = action(People(catalog), person_id, *values)
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

    act_outputs = [*page_outputs, view.selected, *person_outputs]
    common = [view.selected, view.page, view.hidden]
    opened.expand(cards, [view.page, view.hidden], page_outputs)
    view.refresh.click(cards, [view.page, view.hidden], page_outputs)
    view.hidden.change(lambda h: cards(1, h), [view.hidden], page_outputs)
    view.enabled.change(lambda on: ctx.set_stage("faces", bool(on)), [view.enabled], None)
    view.previous.click(lambda p, h: cards(p - 1, h), [view.page, view.hidden], page_outputs)
    view.next.click(lambda p, h: cards(p + 1, h), [view.page, view.hidden], page_outputs)
    view.cards.select(select, [view.people], [view.selected, *person_outputs])
    view.rename.click(lambda *a: act(rename, *a), [*common, view.name], act_outputs)
    view.name.submit(lambda *a: act(rename, *a), [*common, view.name], act_outputs)
    view.merge.click(lambda *a: act(merge, *a), [*common, view.merge_into], act_outputs)
    view.hide.click(lambda *a: act(hide, *a), common, act_outputs)


def _caption(person: PersonRow) -> str:
    return f"{label(person)} · {plural(person.photos, 'photo')}"


def _cover(ctx: AppContext, catalog: Catalog, person: PersonRow) -> Image.Image:
    """The person's face, cropped from its photo (cached in the data folder)."""
    table = FaceTable(catalog)
    face = table.face(person.cover_face) if person.cover_face is not None else None
    if face is None or face.person_id != person.id:
        faces = table.faces_of_person(person.id)
        face = max(faces, key=lambda f: f.score or 0.0) if faces else None
    if face is None:
        return Image.new("RGB", (160, 160), "#ddd")
    cache = ctx.settings.data_dir / "face-crops" / f"{face.id}.jpg"
    if cache.exists():
        return Image.open(cache)
    for path in present_paths_of(catalog, face.content_id):
        try:
            crop = face_crop(path, (face.left, face.top, face.width, face.height))
        except (OSError, BadImage):
            continue
        cache.parent.mkdir(parents=True, exist_ok=True)
        crop.save(cache, quality=88)
        return crop
    return Image.new("RGB", (160, 160), "#ddd")
