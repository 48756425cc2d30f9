"""The app's one viewer: an image large over whichever tab opened it, its metadata, its
rating, and what can be done with it.

Library, Search, Filters and Duplicates open it from their galleries (a Source each: the
tab's list, which the arrows move through and the trash takes the image out of), the Rate
tab from its Details button. Here: the viewer's box and title, the list it moves through, and
its events (moving, rating, the folder, the trash and undo); its contents are the panel of
app/detail_panel.py, with an AI image's generation section from app/detail_generation.py.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import gradio as gr

from app import detail_organise, detail_people, detail_text
from app.components import COPY_JS
from app.context import AppContext
from app.detail_generation import whole_prompts
from app.detail_panel import HINT, PREFIX, DetailPanel, about_of, render, show
from app.safe_text import literal
from indexing.curate.rating_service import RatingService
from indexing.curate.trash import Trash
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query import details

MOVE_BUTTONS = (
    '<button type="button" data-pictor-move="prev" aria-label="Previous image">◀ Previous</button>'
    '<button type="button" data-pictor-move="next" aria-label="Next image">Next ▶</button>'
)
CLOSED_CLASSES = ["pictor-viewer"]  # hidden by app/assets/pictor.css: see closed()
OPEN_CLASSES = ["pictor-viewer", "pictor-viewer-open"]


@dataclass
class Source:
    """A list the viewer opens from: a tab's ids in order, and the gallery that draws them
    (None where the tab opens the viewer itself: Duplicates, Rate). moments: a state whose
    value has a `moments` mapping (content id -> seconds: where a search found each video)."""

    name: str  # "library", "search", "filters", "duplicates", "rate"
    label: str  # shown in the viewer's title
    ids: gr.State | None  # None: not a list the viewer's trash changes (the Rate tab's)
    gallery: gr.Gallery | None = None
    moments: gr.State | None = None
    selecting: gr.Checkbox | None = None  # on: a click selects (app/selection.py), not opens


@dataclass
class Shown:
    """The viewer's list: where it was opened, the ids there, and the videos' moments."""

    source: str
    label: str
    ids: list[str]
    moments: dict[str, float]


@dataclass
class Viewer:
    """The one viewer of the app: opened over any tab, closed by Esc or its Close button."""

    box: gr.Column
    title: gr.Markdown  # where it was opened, and "3 of 60"
    close: gr.Button
    panel: DetailPanel
    listed: gr.State  # a Shown

    @property
    def open_outputs(self) -> list[Any]:
        """What opened() fills: the box shown, the list, the title and the panel."""
        return [self.box, self.listed, *self.outputs]

    @property
    def outputs(self) -> list[Any]:
        """What moving in the list fills: the title and the panel."""
        return [self.title, *self.panel.outputs]

    @property
    def selected(self) -> gr.State:
        return self.panel.selected


def render_viewer() -> Viewer:
    """The viewer, hidden until an image is opened (app/assets/pictor.css lays it over the
    page). Rendered once, outside the tabs: every tab opens the same one."""
    with gr.Column(visible=False, elem_id=PREFIX, elem_classes=CLOSED_CLASSES) as box:
        with gr.Row(equal_height=True, elem_classes=["pictor-viewer-head"]):
            title = gr.Markdown("", elem_id=f"{PREFIX}-title")
            # Plain buttons (no gradio event of their own): app/assets/keys.js presses the
            # viewer's key button with "prev" or "next", as the arrow keys do.
            gr.HTML(MOVE_BUTTONS, js_on_load=None, elem_id=f"{PREFIX}-moves",
                    elem_classes=["pictor-viewer-moves"])  # fmt: skip
            close = gr.Button("✕ Close (Esc)", size="sm", scale=0, min_width=120,
                              elem_id=f"{PREFIX}-close")  # fmt: skip
        panel = render()
    return Viewer(box, title, close, panel, gr.State(None))


def title_of(shown: Shown | None, content_id: str | None) -> str:
    """The title: where the viewer was opened, and where in that list (with the keys)."""
    if shown is None:
        return ""
    where = f"**From {literal(shown.label)}**"
    if content_id in shown.ids and len(shown.ids) > 1:
        where += f" · {shown.ids.index(content_id) + 1:,} of {len(shown.ids):,} · ← → move"
    return where + " · Esc closes"


def opened(
    ctx: AppContext,
    source: Source,
    ids: list[str],
    content_id: str | None,
    moments: dict[str, float] | None = None,
) -> tuple:
    """Values for Viewer.open_outputs: the viewer shown, over `ids`, at `content_id`."""
    shown = Shown(source.name, source.label, list(ids or []), dict(moments or {}))
    return (open_box(), shown, *view(ctx, shown, content_id))


def view(ctx: AppContext, shown: Shown | None, content_id: str | None, message: str = ""):
    """Values for Viewer.outputs: the title and the panel, at `content_id` of `shown`."""
    at = shown.moments.get(content_id or "") if shown else None
    return (title_of(shown, content_id), *show(ctx, content_id, HINT, message, at=at))


def sections(ctx: AppContext, content_id: str | None, filled: str | None) -> tuple:
    """The values of the sections that follow the image shown (Albums, tags and caption;
    Text in the image; People in this photo, shown without face boxes), then the id they
    were filled for: once per image. gradio runs a state's change listeners two or three
    times per change (docs/testing.md), and a late second fill set back what the user had
    just done (a face picked, words typed to outline, a tag begun); a second call for the
    image already filled changes nothing."""
    if content_id is not None and content_id == filled:
        return (*(gr.skip() for _ in _section_values(ctx, None)), filled)
    return (*_section_values(ctx, content_id), content_id)


def _section_values(ctx: AppContext, content_id: str | None) -> tuple:
    return (
        *detail_organise.values(ctx, content_id),
        *detail_text.values(ctx, content_id),
        *detail_people.values(ctx, content_id),
        False,  # people.drawn: a new image is shown plain
    )


def closed() -> gr.Column:
    """The viewer's box, closed: hidden by a class (app/assets/pictor.css), not made
    invisible. gradio draws no component of an invisible box, so each opening would draw
    its 35 components anew. It is drawn at its first opening, not with the page."""
    return gr.Column(elem_classes=CLOSED_CLASSES)


def open_box() -> gr.Column:
    return gr.Column(visible=True, elem_classes=OPEN_CLASSES)


def unchanged(viewer: Viewer) -> tuple:
    """Viewer.open_outputs left as they are."""
    return tuple(gr.skip() for _ in viewer.open_outputs)


class _InOrder(TypedDict):
    concurrency_id: str
    concurrency_limit: int


def listen(viewer: Viewer, ctx: AppContext, sources: list[Source]) -> dict[str, Any]:
    """Wire the viewer: each source's gallery opens it at the image clicked; the arrows move
    through that list, Esc and Close hide it; rating, the folder, the trash and undo (which
    take the image out of its tab's list and put it back). Returns the trash and undo
    events by name ("trashed", "undone"), to chain on."""
    panel = viewer.panel
    # The sections follow the image shown in one event, not one each: gradio runs a state's
    # change listeners two or three times per change (docs/testing.md), each run a round
    # of status updates in the page. No spinner: the answer takes milliseconds, and on a
    # busy machine an overlay sat over the faces and took the next click.
    panel.selected.change(
        lambda cid, filled: sections(ctx, cid, filled), [panel.selected, panel.filled],
        [*panel.organise.outputs, *panel.text.outputs, *panel.people.outputs,
         panel.people.drawn, panel.filled],
        show_progress="hidden",
    )  # fmt: skip
    detail_organise.listen(panel.organise, ctx, panel.selected)
    detail_text.listen(panel.text, ctx, panel.selected, panel.preview)
    for named in detail_people.listen(panel.people, ctx, panel.selected, panel.preview):
        named.then(lambda cid: about_of(ctx, cid), [panel.selected], [panel.about])
    # One at a time and in order: a quick → → must end two images on, not on the first.
    in_order: _InOrder = {"concurrency_id": f"{PREFIX}-moves", "concurrency_limit": 1}

    for source in sources:
        if source.gallery is not None:
            assert source.ids is not None, source.name  # a gallery draws a list
            extra: list[Any] = [source.moments] if source.moments is not None else []
            opener = _opener(ctx, source)
            if source.selecting is not None:
                opener, extra = _unless_selecting(opener, viewer), [*extra, source.selecting]
            source.gallery.select(opener, [source.ids, *extra],
                                  viewer.open_outputs, **in_order)  # fmt: skip

    def moved(key: str, shown: Shown | None, content_id: str | None):
        """The next or previous image of the list shown (the arrow keys)."""
        ids_shown = shown.ids if shown else []
        if content_id not in ids_shown:
            return view(ctx, shown, ids_shown[0] if ids_shown else content_id)
        at = ids_shown.index(content_id) + (-1 if key == "prev" else 1)
        return view(ctx, shown, ids_shown[min(max(at, 0), len(ids_shown) - 1)])

    def rate(shown: Shown | None, content_id: str | None, score: float | None, clear=False):
        if content_id is None:
            return view(ctx, shown, None, "Click an image first.")
        if score is None and not clear:
            return view(ctx, shown, content_id, "Type a score from 0 to 10 first.")
        try:
            result = RatingService(ctx.library).rate(content_id, None if clear else score)
        except PictorError as exc:
            return view(ctx, shown, content_id, f"⚠️ {literal(exc)}")
        said = "Rating cleared." if clear else f"Saved: {result.change.rating:g}."
        notes = [said, *(f"⚠️ {literal(w)}" for w in result.warnings)]
        return view(ctx, shown, content_id, "  \n".join(notes))

    def present_paths(content_id: str | None) -> list[str]:
        if content_id is None:
            raise PictorError("Click an image first.")
        with ctx.catalog() as catalog:
            detail = details.image_detail(catalog, content_id)
        paths = [p["path"] for p in (detail or {}).get("paths", []) if p["status"] == "present"]
        if not paths:
            raise PictorError("No file of this image is on disk any more.")
        return paths

    def show_folder(content_id: str | None):
        folders = dict.fromkeys(os.path.dirname(path) for path in present_paths(content_id))
        return gr.Textbox(value="\n".join(folders), visible=True)

    # The lists of every source, in and out of trash and undo: only the viewer's source's
    # change (the others are skipped).
    lists: list[Any] = []
    for source in sources:
        assert source.ids is not None, source.name
        lists += [source.ids] + ([source.gallery] if source.gallery is not None else [])

    def source_lists(shown: Shown, ids: list[str], items: list | None) -> list:
        out: list[Any] = []
        for source in sources:
            mine = source.name == shown.source
            out.append(ids if mine else gr.skip())
            if source.gallery is not None:
                out.append(items if mine else gr.skip())
        return out

    def source_values(shown: Shown, values: list[Any]) -> tuple[list[str], list | None]:
        """The source's ids and gallery items, as the page has them now."""
        n = 0
        for source in sources:
            has_gallery = source.gallery is not None
            if source.name == shown.source:
                return list(values[n] or []), list(values[n + 1] or []) if has_gallery else None
            n += 2 if has_gallery else 1
        return list(shown.ids), None

    def trash(content_id: str | None, shown: Shown | None, *values: Any):
        """Move its files to the trash, take it out of the list shown and show the next one."""
        paths = present_paths(content_id)
        shown = shown or Shown("", "", [], {})
        with ctx.catalog() as catalog:
            report = Trash(catalog).trash(paths)
        moved = [entry.original_path for entry in report.moved]
        notes = [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems]
        ids_shown = list(shown.ids)
        tab_ids, items = source_values(shown, list(values))
        undo_state, showing = None, content_id
        if moved:
            what = "its file" if len(moved) == 1 else f"its {len(moved)} files"
            gr.Info(f"Moved {what} to the trash. Undo puts it back.")
            notes.insert(0, f"Moved {what} to the trash.")
            at = ids_shown.index(content_id) if content_id in ids_shown else None
            if at is not None:
                ids_shown.pop(at)
                showing = ids_shown[min(at, len(ids_shown) - 1)] if ids_shown else None
            tab_at = tab_ids.index(content_id) if content_id in tab_ids else None
            item = None
            if tab_at is not None:
                tab_ids.pop(tab_at)
                if items is not None and len(items) == len(tab_ids) + 1:
                    item = items.pop(tab_at)
            undo_state = {"paths": moved, "content_id": content_id, "at": at,
                          "tab_at": tab_at, "item": item}  # fmt: skip
        shown = replace(shown, ids=ids_shown)
        return (*view(ctx, shown, showing, "  \n".join(notes)), shown, undo_state,
                gr.Button(visible=bool(moved)), gr.Textbox(visible=False),
                *source_lists(shown, tab_ids, items))  # fmt: skip

    def undo(state: dict | None, shown: Shown | None, *values: Any):
        """Put the last trashed image's files back, and the image back where it was listed."""
        if not state:
            raise PictorError("Nothing to put back.")
        shown = shown or Shown("", "", [], {})
        with ctx.catalog() as catalog:
            report = Trash(catalog).restore(state["paths"])
        back = len(report.moved)
        notes = [f"Put {plural(back, 'file')} back."]
        notes += [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems]
        gr.Info(notes[0])
        cid = state["content_id"]
        ids_shown = list(shown.ids)
        if state.get("at") is not None and cid not in ids_shown:
            ids_shown.insert(state["at"], cid)
        tab_ids, items = source_values(shown, list(values))
        tab_at = state.get("tab_at")
        if tab_at is not None and cid not in tab_ids:
            if items is not None and state.get("item") is not None and len(items) == len(tab_ids):
                items.insert(tab_at, state["item"])
            tab_ids.insert(tab_at, cid)
        shown = replace(shown, ids=ids_shown)
        return (*view(ctx, shown, cid, "  \n".join(notes)), shown, None, gr.Button(visible=False),
                *source_lists(shown, tab_ids, items))  # fmt: skip

    v = panel.viewer
    v.moves.on_press(moved, [viewer.listed, panel.selected], viewer.outputs, **in_order)
    # Not queued: closing never waits behind a slow image; an arrow answered after it fills
    # the hidden panel and leaves it closed.
    viewer.close.click(closed, None, [viewer.box], queue=False)
    g = panel.generation
    g.show_all.click(lambda cid: whole_prompts(ctx, cid), [panel.selected],
                     [g.prompt, g.negative, g.show_all])  # fmt: skip
    v.show_folder.click(show_folder, [panel.selected], [v.folder]).then(
        None, [v.folder], None, js=COPY_JS % (v.show_folder.elem_id, "Show its folder")
    )
    trashed = v.trash.click(
        trash, [panel.selected, viewer.listed, *lists],
        [*viewer.outputs, viewer.listed, v.trashed, v.undo, v.folder, *lists],
    )  # fmt: skip
    undone = v.undo.click(
        undo, [v.trashed, viewer.listed, *lists],
        [*viewer.outputs, viewer.listed, v.trashed, v.undo, *lists],
    )  # fmt: skip
    gr.on([panel.save.click, panel.score.submit], rate,
          [viewer.listed, panel.selected, panel.score], viewer.outputs)  # fmt: skip
    panel.clear.click(lambda shown, cid: rate(shown, cid, None, clear=True),
                      [viewer.listed, panel.selected], viewer.outputs)  # fmt: skip
    return {"trashed": trashed, "undone": undone}


def _opener(ctx: AppContext, source: Source):
    """The gallery's select: the viewer opened at the card clicked (gradio passes the
    SelectData to the parameter annotated with it)."""

    def at(ids_shown: list[str], evt: gr.SelectData) -> str | None:
        index = evt.index if isinstance(evt.index, int) else None
        return ids_shown[index] if index is not None and 0 <= index < len(ids_shown) else None

    if source.moments is None:

        def selected(ids_shown: list[str], evt: gr.SelectData):
            return opened(ctx, source, ids_shown, at(ids_shown, evt))

        return selected

    def selected_at(ids_shown: list[str], state: Any, evt: gr.SelectData):
        moments = getattr(state, "moments", None)
        return opened(ctx, source, ids_shown, at(ids_shown, evt), moments)

    return selected_at


def _unless_selecting(opener, viewer: Viewer):
    """The opener, except while the gallery's selection mode is on (its last input): then a
    click selects the image and the viewer stays as it is."""

    def selected(ids_shown: list[str], selecting: bool, evt: gr.SelectData):
        return unchanged(viewer) if selecting else opener(ids_shown, evt)

    def selected_at(ids_shown: list[str], state: Any, selecting: bool, evt: gr.SelectData):
        return unchanged(viewer) if selecting else opener(ids_shown, state, evt)

    return selected if len(inspect.signature(opener).parameters) == 2 else selected_at
