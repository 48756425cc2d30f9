""" "Who is this?" (Library → People → Who is this?): the review queue of unnamed groups and
of the faces the model is unsure about, one question at a time, the most faces first. Each
shows the face crops with the closest named people's faces beside them, and answers in one
click: "Yes, that's Ana" (confirmed, never asked again), "No" (not this person), one of the
suggested names, another name picked or typed (a group's name names all its faces), or
Skip (asked again later). The queue is indexing.curate.face_review; this only translates.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.components import thumbnails
from app.context import AppContext
from app.safe_text import literal
from app.tabs.people import PeopleView, cards_values, cover_image, face_image
from indexing.curate.face_review import ReviewItem
from indexing.curate.people import People
from indexing.curate.review_answers import answer
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.store.catalog import Catalog

CROPS = 8  # a group's faces shown
SUGGESTED = 3  # suggestion buttons
DONE = "Nothing to review: every face found has a name or is one the model is sure of."


@dataclass
class ReviewView:
    box: gr.Column  # hidden until "Who is this?" is pressed
    back: gr.Button
    title: gr.Markdown  # where in the queue, and the question
    crops: gr.Gallery  # the face(s) asked about, then the suggested people's faces
    yes: gr.Button  # "Yes, that's Ana": only for a face in a named person
    no: gr.Button
    suggest: list[gr.Button]  # one click per suggested name
    name: gr.Dropdown  # someone else: a known name picked, or a new one typed
    save: gr.Button
    skip: gr.Button
    message: gr.Markdown
    key: gr.State  # the item shown (face_review.ReviewItem.key)
    asked: gr.State  # what it asked about (ReviewItem.asked): a late answer is refused
    skipped: gr.State  # keys skipped in this visit: asked again after the rest
    offered: gr.State  # the names on the suggestion buttons, in order

    @property
    def outputs(self) -> list:
        """What item_values() fills."""
        return [self.title, self.crops, self.yes, self.no, *self.suggest, self.name,
                self.message, self.key, self.skipped, self.offered, self.asked]  # fmt: skip

    @property
    def answers(self) -> list:
        """The buttons that change something (hidden from a viewer)."""
        return [self.yes, self.no, *self.suggest, self.save]


def render() -> ReviewView:
    with gr.Column(visible=False, elem_id="people-review") as box:
        with gr.Row(equal_height=True):
            back = gr.Button("◀ Back to people", size="sm", min_width=120, scale=0,
                             elem_id="people-review-back")  # fmt: skip
        title = gr.Markdown("", elem_id="people-review-title")
        crops = thumbnails(label="Faces", columns=6, object_fit="cover", buttons=[],
                           elem_id="people-review-faces")  # fmt: skip
        with gr.Row(equal_height=True, elem_id="people-review-answers"):
            yes = gr.Button("Yes", variant="primary", min_width=150, visible=False,
                            elem_id="people-review-yes")  # fmt: skip
            no = gr.Button("No", min_width=110, visible=False, elem_id="people-review-no")
            suggest = [
                gr.Button("", min_width=130, visible=False, elem_id=f"people-review-suggest-{n}")
                for n in range(SUGGESTED)
            ]
            skip = gr.Button("Skip ▶", min_width=90, elem_id="people-review-skip")
        with gr.Row(equal_height=True):
            name = gr.Dropdown(
                label="Someone else: pick a name, or type a new one", choices=[], value=None,
                allow_custom_value=True, scale=3, min_width=220, elem_id="people-review-name",
            )  # fmt: skip
            save = gr.Button("Save name", scale=1, min_width=110, elem_id="people-review-save")
        message = gr.Markdown("", elem_id="people-review-message")
    return ReviewView(box, back, title, crops, yes, no, suggest, name, save, skip, message,
                      gr.State(None), gr.State(None), gr.State([]), gr.State([]))  # fmt: skip


def item_values(ctx: AppContext, skipped: list[str], message: str = "") -> tuple:
    """Values for ReviewView.outputs: the first item of the queue not skipped (when only
    skipped ones are left, they come round again)."""
    with ctx.catalog() as catalog:
        people = People(catalog)
        items = people.review(limit=None).items
        waiting = [item for item in items if item.key not in skipped]
        if items and not waiting:
            skipped, waiting = [], items
            message = message or "That was all; here are the ones you skipped."
        if not waiting:
            hidden = gr.Button(visible=False)
            return (DONE, [], hidden, hidden, *[hidden] * SUGGESTED,
                    gr.Dropdown(choices=[], value=None), message, None, [], [], None)  # fmt: skip
        item = waiting[0]
        crops = _crops(ctx, catalog, people, item)
        names = sorted(p.name for p in people.rows(include_hidden=True) if p.name)
    place = f"{items.index(item) + 1} of {len(items)}"
    title = f"**Who is this?** · {plural(len(items), 'question')} · {place}  \n{_question(item)}"
    asked = item.asks_about
    offered = [name for name, _ in item.suggestions if name != asked][:SUGGESTED]
    buttons = [
        gr.Button(f"It's {offered[n]}" if n < len(offered) else "", visible=n < len(offered))
        for n in range(SUGGESTED)
    ]
    return (
        title, crops,
        gr.Button(f"Yes, that's {asked}", visible=asked is not None),
        gr.Button(f"No, not {asked}", visible=asked is not None),
        *buttons, gr.Dropdown(choices=names, value=None, label=_name_label(item)), message,
        item.key, skipped, offered, item.asked,
    )  # fmt: skip


def _name_label(item: ReviewItem) -> str:
    if item.suggestions:
        return "Someone else: pick a name, or type a new one"
    return "Who is it? Pick a name, or type a new one"


def _question(item: ReviewItem) -> str:
    if item.kind == "group":
        faces = plural(item.faces, "face")
        return f"An unnamed person ({faces}): a name here names every one of them."
    if item.asks_about is not None:
        return f"Is this **{literal(item.asks_about)}**? The model is not sure."
    if item.person is not None:
        return "This face looks like someone the rest of its unnamed group does not."
    return "This face is in no one now (it was said not to be who it was with)."


def _crops(ctx: AppContext, catalog: Catalog, people: People, item: ReviewItem) -> list:
    """The face(s) asked about, then a face of each suggested person, captioned."""
    if item.kind == "group" and item.person is not None:
        faces = people.table.faces_of_person(item.person.id)[:CROPS]
        shown = [(face_image(ctx, catalog, face), "This person") for face in faces]
    elif item.face is not None:
        shown = [(face_image(ctx, catalog, item.face), "This face")]
    else:
        shown = []
    for name, _ in item.suggestions:
        person_id = people.table.person_named(name)
        person = people.table.person(person_id) if person_id is not None else None
        if person is not None:
            shown.append((cover_image(ctx, catalog, person), name))
    return shown


def listen(view: ReviewView, people_view: PeopleView, ctx: AppContext) -> None:
    if people_view.main is None or people_view.who is None:
        return
    main = people_view.main

    def opened(skipped: list[str]):
        return (gr.Column(visible=False), gr.Column(visible=True),
                *item_values(ctx, skipped or []))  # fmt: skip

    def act(
        action: str,
        key: str | None,
        asked: list | None,
        skipped: list[str],
        name: str | None = None,
    ):
        if action == "name" and not (name or "").strip():
            return item_values(ctx, skipped, "⚠️ Pick a name, or type a new one.")
        try:
            with ctx.catalog() as catalog:
                people = People(catalog, ctx.settings.write_xmp_faces)
                said = literal(answer(people, key, action, name, asked or [None, 0]))
                said += "".join(f"  \n⚠️ {literal(w)}" for w in people.sidecar_warnings)
        except PictorError as exc:
            return item_values(ctx, skipped, f"⚠️ {literal(exc)}")
        return item_values(ctx, skipped, said)

    def suggested(index: int):
        def pick(key: str | None, asked: list | None, skipped: list[str], offered: list[str]):
            if index >= len(offered or []):
                return item_values(ctx, skipped)
            return act("name", key, asked, skipped, offered[index])

        return pick

    def skip(key: str | None, asked: list | None, skipped: list[str]):
        return item_values(ctx, [*skipped, key] if key else skipped, "Skipped: asked again later.")

    def back(page: int, include_hidden: bool):
        shown = (gr.Column(visible=True), gr.Column(visible=False))
        return (*shown, *cards_values(ctx, page, include_hidden))

    state = [view.key, view.asked, view.skipped]
    people_view.who.click(opened, [view.skipped], [main, view.box, *view.outputs])

    view.back.click(
        back, [people_view.page, people_view.hidden], [main, view.box, *people_view.page_outputs]
    )
    view.yes.click(lambda *a: act("yes", *a), state, view.outputs)
    view.no.click(lambda *a: act("no", *a), state, view.outputs)
    for index, button in enumerate(view.suggest):
        button.click(suggested(index), [*state, view.offered], view.outputs)
    view.save.click(lambda k, a, s, n: act("name", k, a, s, n), [*state, view.name], view.outputs)
    view.skip.click(skip, state, view.outputs)
