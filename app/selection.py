"""Select many, in any gallery: a "Select" switch over the gallery; while it is on a click
toggles an image (✓ in its caption), shift-click selects the range from the last click,
"Select all on this page", "Select all results" (every result of the tab's current query,
kept on the server as ids, never sent to the browser) and Clear. The selection can be
rated, tagged or untagged, added to an album (or removed from the album shown), made the
album's cover, or moved to the trash with Undo: each after one confirmation that says how
many. The work is indexing.curate's bulk calls (Albums.add, Tags.add take many ids at once).

A tab renders the bar with render() beside its gallery and wires it with listen(), giving
what only it knows: how to list all its results, and how to redraw its page after a change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from app.context import AppContext
from app.safe_text import literal
from indexing.curate.albums import Albums
from indexing.curate.rating_service import RatingService
from indexing.curate.tags import Tags, parse_tag
from indexing.curate.trash import Trash
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.ranking import present_paths

MARK = "✓ "
# The shift key of the click, read by app/assets/selection.js (a gallery's select event
# carries no keys): the hidden checkbox is the event's first input.
READ_SHIFT = "(...values) => [!!window.pictorShift, ...values.slice(1)]"


@dataclass(frozen=True)
class Chosen:
    """The selection: content ids in the order chosen, the last one clicked (the start of a
    shift-click range) and, after "Select all results", what they were the results of."""

    ids: dict[str, None] = field(default_factory=dict)
    last: str | None = None
    whole: str = ""

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Pending:
    """An action waiting for its confirmation."""

    action: str  # rate, tag, untag, album, unalbum, cover, trash
    value: Any
    ids: tuple[str, ...]


@dataclass
class SelectionBar:
    prefix: str
    mode: gr.Checkbox
    count: gr.Markdown
    tools: gr.Column  # everything below the switch, shown in selection mode
    page_all: gr.Button
    everything: gr.Button
    clear: gr.Button
    score: gr.Number
    rate: gr.Button
    tag: gr.Dropdown
    add_tag: gr.Button
    remove_tag: gr.Button
    album: gr.Dropdown
    add_album: gr.Button
    remove_album: gr.Button  # only in an album's view
    cover: gr.Button  # only in an album's view
    trash: gr.Button
    undo: gr.Button
    confirm: gr.Group
    question: gr.Markdown
    yes: gr.Button
    no: gr.Button
    message: gr.Markdown
    shift: gr.Checkbox  # hidden: whether the click held shift
    chosen: gr.State
    pending: gr.State
    trashed: gr.State  # the paths the last trash moved, for Undo


@dataclass
class Wiring:
    """What a tab gives the bar: everything(*inputs) lists all its results' content ids (and
    says what they are); refresh(*inputs) redraws its page after a change; album: a
    component holding the album shown (an album's view)."""

    gallery: gr.Gallery
    ids: gr.State
    everything: Callable[..., tuple[list[str], str]]
    everything_inputs: list[Any]
    refresh: Callable[..., Any] | None = None
    refresh_inputs: list[Any] = field(default_factory=list)
    refresh_outputs: list[Any] = field(default_factory=list)
    album: Any = None


def render(prefix: str, *, in_album: bool = False) -> SelectionBar:
    """The bar, above the gallery it selects in."""
    # The switch and the count stay on screen while the gallery scrolls (pictor.css): their
    # row is a sibling of the gallery, not inside a box of its own that sticky cannot leave.
    with gr.Row(equal_height=True, elem_id=f"{prefix}-select-bar",
                elem_classes=["pictor-select-bar"]):  # fmt: skip
        mode = gr.Checkbox(label="Select", value=False, min_width=100, scale=0,
                           elem_id=f"{prefix}-select-mode")  # fmt: skip
        count = gr.Markdown("", elem_id=f"{prefix}-select-count")
    with gr.Column(visible=False, elem_id=f"{prefix}-select-tools") as tools:
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            page_all = _button("Select all on this page", f"{prefix}-select-page")
            everything = _button("Select all results", f"{prefix}-select-all")
            clear = _button("Clear", f"{prefix}-select-clear")
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            score = gr.Number(label="Rating (0–10)", minimum=0, maximum=10, min_width=120,
                              scale=0, elem_id=f"{prefix}-select-score")  # fmt: skip
            rate = _button("Rate them", f"{prefix}-select-rate")
            tag = gr.Dropdown(
                label="Tag (pick, or type a new one: Places/Portugal/Lisbon)",
                choices=[], value=None, allow_custom_value=True, filterable=True,
                min_width=200, scale=2, elem_id=f"{prefix}-select-tag",
            )  # fmt: skip
            add_tag = _button("Add tag", f"{prefix}-select-add-tag")
            remove_tag = _button("Remove tag", f"{prefix}-select-remove-tag")
        with gr.Row(equal_height=False, elem_classes=["pictor-select-actions"]):
            album = gr.Dropdown(
                label="Album (pick, or type a new name; Folder/Name nests it)",
                choices=[], value=None, allow_custom_value=True, filterable=True,
                min_width=200, scale=2, elem_id=f"{prefix}-select-album",
            )  # fmt: skip
            add_album = _button("Add to album", f"{prefix}-select-add-album")
            remove_album = _button("Remove from this album", f"{prefix}-select-unalbum",
                                   visible=in_album)  # fmt: skip
            cover = _button("Set as cover", f"{prefix}-select-cover", visible=in_album)
            trash = _button("Move to trash", f"{prefix}-select-trash", variant="stop")
            undo = _button("Undo: put them back", f"{prefix}-select-undo", visible=False)
    with gr.Group(visible=False, elem_id=f"{prefix}-select-confirm") as confirm:
        question = gr.Markdown("", elem_id=f"{prefix}-select-question")
        with gr.Row():
            yes = _button("Yes, do it", f"{prefix}-select-yes", variant="primary")
            no = _button("Cancel", f"{prefix}-select-no")
    message = gr.Markdown("", elem_id=f"{prefix}-select-message")
    shift = gr.Checkbox(False, elem_classes=["pictor-hidden"], elem_id=f"{prefix}-select-shift")
    return SelectionBar(
        prefix, mode, count, tools, page_all, everything, clear, score, rate, tag, add_tag,
        remove_tag, album, add_album, remove_album, cover, trash, undo, confirm, question, yes,
        no, message, shift, gr.State(Chosen()), gr.State(None), gr.State(None),
    )  # fmt: skip


def _button(label: str, elem_id: str, **options: Any) -> gr.Button:
    return gr.Button(label, size="sm", min_width=100, scale=0, elem_id=elem_id, **options)


def counted(chosen: Chosen | None, selecting: bool = True) -> str:
    """The count line: '12 selected', or how to start."""
    if not selecting:
        return ""
    n = len(chosen) if chosen else 0
    if not n:
        return "Click images to select them; shift-click selects a range."
    text = f"**{n:,} selected**"
    return text + (f" ({literal(chosen.whole)})" if chosen and chosen.whole else "")


def toggled(chosen: Chosen, ids_shown: Sequence[str], index: int, shift: bool) -> Chosen:
    """The selection after a click on the index-th image shown (shift: the range from the
    last click, when that image is on this page, is selected)."""
    if not 0 <= index < len(ids_shown):
        return chosen
    clicked = ids_shown[index]
    ids = dict(chosen.ids)
    if shift and chosen.last in ids_shown:
        start = ids_shown.index(chosen.last)  # type: ignore[arg-type]
        low, high = sorted((start, index))
        ids.update(dict.fromkeys(ids_shown[low : high + 1]))
    elif clicked in ids:
        del ids[clicked]
    else:
        ids[clicked] = None
    return Chosen(ids, clicked, "")


def marked(items: Sequence[Any] | None, ids_shown: Sequence[str], chosen: Chosen | None) -> Any:
    """The gallery's items with ✓ on the selected ones' captions; gr.skip() when they
    already are (a redraw would flash the gallery)."""
    items = list(items or [])
    if len(items) != len(ids_shown):
        return gr.skip()
    picked = chosen.ids if chosen else {}
    out, changed = [], False
    for item, content_id in zip(items, ids_shown, strict=True):
        media, text = (item[0], item[1]) if isinstance(item, list | tuple) else (item, None)
        bare = (text or "").removeprefix(MARK)
        want = MARK + bare if content_id in picked else bare
        changed = changed or want != (text or "")
        out.append((media, want or None))
    return out if changed else gr.skip()


def question(pending: Pending, album_shown: str | None = None) -> str:
    """The confirmation, with how many: 'Tag 1,240 images with Places/Lisbon?'."""
    n = len(pending.ids)
    images = plural(n, "image")
    value = literal(str(pending.value)) if pending.value is not None else ""
    if pending.action == "rate":
        return f"Give {images} the rating **{pending.value:g}**?"
    if pending.action == "tag":
        return f"Tag {images} with **{value}**?"
    if pending.action == "untag":
        return f"Remove the tag **{value}** from {images}?"
    if pending.action == "album":
        return f"Add {images} to the album **{value}**?"
    if pending.action == "unalbum":
        return f"Remove {images} from the album **{value}**? The photos stay in the library."
    if pending.action == "cover":
        return f"Make this image the cover of **{value}**?"
    return f"Move {images} to the trash? Undo puts them back (and so does the Trash tab)."


def listen(bar: SelectionBar, ctx: AppContext, wiring: Wiring) -> None:
    """Wire the bar to its gallery: the switch, clicks, select all, clear and the actions."""
    gallery, ids_state = wiring.gallery, wiring.ids
    # One at a time and in order, every click (none dropped while one is answered): two quick
    # clicks must select two images, each reading the selection the one before left.
    quiet: dict[str, Any] = {
        "show_progress": "hidden",
        "trigger_mode": "multiple",
        "concurrency_limit": 1,
        "concurrency_id": f"{bar.prefix}-select",
    }

    def choices() -> tuple[Any, Any]:
        with ctx.catalog() as catalog:
            tags = [tag for tag, _ in Tags(catalog).counts()]
            albums = [album.path for album in Albums(catalog).listed()]
        return gr.Dropdown(choices=tags), gr.Dropdown(choices=albums)

    def switched(on: bool, items, ids_shown):
        chosen = Chosen()
        return (
            gr.Column(visible=bool(on)), counted(chosen, on), chosen,
            marked(items, ids_shown, chosen), *choices(), gr.Group(visible=False), "",
        )  # fmt: skip

    def click(shift: bool, on: bool, ids_shown: list[str], chosen: Chosen, items,
              evt: gr.SelectData):  # fmt: skip
        if not on:
            return gr.skip(), gr.skip(), gr.skip()
        index = evt.index if isinstance(evt.index, int) else -1
        chosen = toggled(chosen or Chosen(), ids_shown or [], index, bool(shift))
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen)

    def select_page(ids_shown: list[str], chosen: Chosen, items):
        ids = dict((chosen or Chosen()).ids)
        ids.update(dict.fromkeys(ids_shown or []))
        chosen = Chosen(ids, None, "")
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen)

    def select_everything(ids_shown: list[str], items, *values):
        try:
            every, said = wiring.everything(*values)
        except PictorError as exc:
            return gr.skip(), gr.skip(), gr.skip(), f"⚠️ {literal(exc)}"
        chosen = Chosen(dict.fromkeys(every), None, said)
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen), ""

    def cleared(ids_shown: list[str], items):
        chosen = Chosen()
        return chosen, counted(chosen), marked(items, ids_shown or [], chosen), ""

    mode_outputs = [bar.tools, bar.count, bar.chosen, gallery, bar.tag, bar.album, bar.confirm,
                    bar.message]  # fmt: skip
    bar.mode.change(switched, [bar.mode, gallery, ids_state], mode_outputs, **quiet)
    gallery.select(click, [bar.shift, bar.mode, ids_state, bar.chosen, gallery],
                   [bar.chosen, bar.count, gallery], js=READ_SHIFT, **quiet)  # fmt: skip
    picked = [bar.chosen, bar.count, gallery]
    bar.page_all.click(select_page, [ids_state, bar.chosen, gallery], picked, **quiet)
    bar.everything.click(select_everything, [ids_state, gallery, *wiring.everything_inputs],
                         [*picked, bar.message], **quiet)  # fmt: skip
    bar.clear.click(cleared, [ids_state, gallery], [*picked, bar.message], **quiet)
    # A new page (paging, a refresh, the viewer's trash) shows the ✓ of what is selected.
    gallery.change(lambda items, shown, chosen: marked(items, shown or [], chosen),
                   [gallery, ids_state, bar.chosen], [gallery], **quiet)  # fmt: skip
    _listen_actions(bar, ctx, wiring, choices)


def _listen_actions(bar: SelectionBar, ctx: AppContext, wiring: Wiring, choices) -> None:
    album_input = [wiring.album] if wiring.album is not None else []
    asked = [bar.confirm, bar.question, bar.pending, bar.message]

    def ask(action: str, chosen: Chosen, value: Any, *album_shown: Any):
        ids = tuple((chosen or Chosen()).ids)
        shown_album = album_shown[0] if album_shown else None
        try:
            value = _checked(action, ids, value, shown_album)
        except PictorError as exc:
            return gr.Group(visible=False), "", None, f"⚠️ {literal(exc)}"
        pending = Pending(action, value, ids)
        return gr.Group(visible=True), question(pending), pending, ""

    def ask_for(action: str, control: Any = None):
        inputs = [bar.chosen] + ([control] if control is not None else []) + album_input

        def asking(chosen, *values):
            value = values[0] if control is not None else None
            return ask(action, chosen, value, *values[1 if control is not None else 0 :])

        return asking, inputs

    for action, button, control in (
        ("rate", bar.rate, bar.score),
        ("tag", bar.add_tag, bar.tag),
        ("untag", bar.remove_tag, bar.tag),
        ("album", bar.add_album, bar.album),
        ("unalbum", bar.remove_album, None),
        ("cover", bar.cover, None),
        ("trash", bar.trash, None),
    ):
        fn, inputs = ask_for(action, control)
        button.click(fn, inputs, asked, show_progress="hidden")

    def run(pending: Pending | None, chosen: Chosen):
        if pending is None:
            return (gr.Group(visible=False), None, "", gr.skip(), gr.skip(), gr.skip(),
                    gr.skip(), *choices())  # fmt: skip
        try:
            said, trashed = _do(ctx, pending)
        except PictorError as exc:
            return (gr.Group(visible=False), None, f"⚠️ {literal(exc)}", gr.skip(), gr.skip(),
                    gr.skip(), gr.skip(), *choices())  # fmt: skip
        gr.Info(said)
        if trashed is not None:  # what was trashed is no longer there to select
            chosen = Chosen()
        return (gr.Group(visible=False), None, said, chosen, counted(chosen),
                trashed if trashed is not None else gr.skip(),
                gr.Button(visible=trashed is not None and bool(trashed)), *choices())  # fmt: skip

    def put_back(trashed: list[str] | None):
        if not trashed:
            return "Nothing to put back.", None, gr.Button(visible=False)
        with ctx.catalog() as catalog:
            report = Trash(catalog).restore(list(trashed))
        notes = [f"Put {plural(len(report.moved), 'file')} back."]
        notes += [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems]
        gr.Info(notes[0])
        return "  \n".join(notes), None, gr.Button(visible=False)

    ran = bar.yes.click(
        run, [bar.pending, bar.chosen],
        [bar.confirm, bar.pending, bar.message, bar.chosen, bar.count, bar.trashed, bar.undo,
         bar.tag, bar.album],
    )  # fmt: skip
    bar.no.click(lambda: (gr.Group(visible=False), None), None, [bar.confirm, bar.pending],
                 queue=False)  # fmt: skip
    undone = bar.undo.click(put_back, [bar.trashed], [bar.message, bar.trashed, bar.undo])
    if wiring.refresh is not None:
        for event in (ran, undone):
            event.then(wiring.refresh, wiring.refresh_inputs, wiring.refresh_outputs,
                       show_progress="hidden")  # fmt: skip


def _checked(action: str, ids: tuple[str, ...], value: Any, album_shown: str | None) -> Any:
    """The action's value, checked before anything is asked (one clear line if not)."""
    if not ids:
        raise PictorError("Select images first: click them, or Select all.")
    if action == "rate":
        if value is None or value == "":
            raise PictorError("Type a rating from 0 to 10 first.")
        score = float(value)
        if not 0 <= score <= 10:
            raise PictorError("A rating is from 0 to 10.")
        return score
    if action in ("tag", "untag"):
        if not (value or "").strip():
            raise PictorError("Pick or type a tag first.")
        return parse_tag(value)
    if action == "album":
        if not (value or "").strip():
            raise PictorError("Pick an album or type a new name first.")
        return value.strip()
    if action in ("unalbum", "cover"):
        if not album_shown:
            raise PictorError("Open an album first.")
        if action == "cover" and len(ids) != 1:
            raise PictorError("Select the one image to be the album's cover.")
        return album_shown
    return None


def _do(ctx: AppContext, pending: Pending) -> tuple[str, list[str] | None]:
    """Carry out a confirmed action: (what was done, the paths trashed, for Undo)."""
    ids, value = list(pending.ids), pending.value
    if pending.action == "rate":
        return _rate(ctx, ids, value), None
    with ctx.catalog() as catalog:
        if pending.action == "tag":
            stored, added = Tags(catalog).add(value, ids)
            return f"Tagged {plural(added, 'image')} with {literal(stored)}.", None
        if pending.action == "untag":
            stored, removed = Tags(catalog).remove(value, ids)
            return f"Removed {literal(stored)} from {plural(removed, 'image')}.", None
        albums = Albums(catalog)
        if pending.action == "album":
            created = _ensure_album(albums, value)
            change = albums.add(value, ids)
            where = ("the new album " if created else "") + literal(change.album.path)
            return f"Added {plural(change.changed, 'image')} to {where}.", None
        if pending.action == "unalbum":
            change = albums.remove(value, ids)
            return f"Removed {plural(change.changed, 'image')} from {literal(value)}.", None
        if pending.action == "cover":
            row = albums.set_cover(value, ids[0])
            return f"The cover of {literal(row.path)} is set.", None
        paths = [p for found in present_paths(catalog, ids).values() for p in found]
        if not paths:
            raise PictorError("None of the selected images has a file on disk.")
        report = Trash(catalog).trash(paths)
    moved = [entry.original_path for entry in report.moved]
    notes = [f"Moved {plural(len(moved), 'file')} to the trash."]
    notes += [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems[:5]]
    return "  \n".join(notes), moved


def _rate(ctx: AppContext, ids: list[str], score: float) -> str:
    service = RatingService(ctx.library)
    warnings: list[str] = []
    for content_id in ids:
        warnings += service.rate(content_id, score).warnings
    said = f"Rated {plural(len(ids), 'image')} {score:g}."
    return "  \n".join([said, *(f"⚠️ {literal(w)}" for w in warnings[:5])])


def _ensure_album(albums: Albums, path: str) -> bool:
    """Create the album if no album has this name (or Folder/Name); whether it was made."""
    try:
        albums.get(path)
    except PictorError:
        albums.create(path)
        return True
    return False
