"""The app's one viewer: an image large over whichever tab opened it, its metadata, its
rating, and what can be done with it.

Library, Search, Filters and Duplicates open it from their galleries (a Source each: the
tab's list, which the arrows move through and the trash takes the image out of), the Rate
tab from its Details button. The rating editor saves through the same RatingService as the
Rate tab and `launch.py rate`. Below it, for an AI image, its generation parameters: a
table of the settings, the prompt and the negative prompt (plain-text boxes), and a Copy
prompt button. A prompt longer than EXCERPT characters shows its beginning, with a Show all
button that puts the whole text in the box (to read or copy): a browser takes seconds to lay
out a megabyte of text, and nobody reads that much to find an image.
"""

from __future__ import annotations

import html
import os
import threading
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import gradio as gr

from app import key_button
from app.components import detail_markdown, thumbnails
from app.context import AppContext
from app.key_button import KeyButton
from app.safe_text import literal
from indexing.curate.rating_service import RatingService
from indexing.curate.trash import Trash
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query import details
from indexing.records import timecode
from indexing.store.vectors import frame_id

# Copies the prompt box's text, also where the Clipboard API is missing (plain http from
# another machine), and says so on the button for a moment.
COPY_JS = """(text) => {
  const button = document.getElementById("%s");
  const copied = () => {
    if (!button) return;
    button.textContent = "Copied ✓";
    setTimeout(() => { button.textContent = "%s"; }, 1500);
  };
  const fallback = () => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    if (document.execCommand("copy")) copied();
    area.remove();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(copied, fallback);
  } else {
    fallback();
  }
  return [];
}"""
SETTINGS_VALUE_LIMIT = 300
EXCERPT = 5_000  # characters of a prompt shown before "Show all"


@dataclass
class GenerationView:
    section: gr.Accordion  # hidden for an image with no generation parameters
    settings: gr.Markdown
    prompt: gr.Textbox
    negative: gr.Textbox
    copy: gr.Button
    show_all: gr.Button  # shown when a prompt is cut to its EXCERPT


@dataclass
class ViewerActions:
    """What every detail panel offers besides the rating: find similar, its duplicates,
    rate similar images (wired across tabs in app/ui.py), the folder (shown and copied),
    the trash with undo, and the keys' hidden button (← →)."""

    similar: gr.Button
    duplicates: gr.Button
    rate_similar: gr.Button
    show_folder: gr.Button
    folder: gr.Textbox
    trash: gr.Button
    undo: gr.Button
    trashed: gr.State  # the last move to the trash, for undo: see listen()
    moves: KeyButton  # "prev" or "next", pressed by keys.js (Esc presses the Close button)


@dataclass
class DetailPanel:
    preview: gr.Image  # an image large; a video's poster (or the moment found)
    meta: gr.Markdown
    about: gr.Markdown  # date and its source, place, subjects
    score: gr.Number
    save: gr.Button
    clear: gr.Button
    message: gr.Markdown
    generation: GenerationView
    why: gr.Gallery  # for a predicted rating: the rated images nearest to this one
    selected: gr.State  # the content id shown
    viewer: ViewerActions
    player: gr.HTML  # a video: its player, from the moment found

    @property
    def outputs(self) -> list[Any]:
        g = self.generation
        return [
            self.preview,
            self.meta,
            self.score,
            self.message,
            self.why,
            self.selected,
            self.about,
            g.section,
            g.settings,
            g.prompt,
            g.negative,
            g.show_all,
            self.player,
        ]


MOVE_BUTTONS = (
    '<button type="button" data-pictor-move="prev" aria-label="Previous image">◀ Previous</button>'
    '<button type="button" data-pictor-move="next" aria-label="Next image">Next ▶</button>'
)
PREFIX = "viewer"  # the element ids: #viewer-image, #viewer-meta, #viewer-score, ...
HINT = "Click an image to see it here."
CLOSED_CLASSES = ["pictor-viewer"]  # hidden by app/assets/pictor.css: see closed()
OPEN_CLASSES = ["pictor-viewer", "pictor-viewer-open"]


def render() -> DetailPanel:
    """The panel's contents: the image (or a video's player) beside its details."""
    prefix = PREFIX
    with gr.Row():
        with gr.Column():
            preview = gr.Image(
                label="Image", type="filepath", interactive=False, height=560,
                elem_id=f"{prefix}-image",
            )  # fmt: skip
            player = gr.HTML("", visible=False, js_on_load=None, elem_id=f"{prefix}-player")
        with gr.Column():
            meta = gr.Markdown(HINT, elem_id=f"{prefix}-meta")
            about = gr.Markdown("", visible=False, elem_id=f"{prefix}-about")
            with gr.Row(equal_height=True):
                score = gr.Number(
                    label="Your rating (0–10)",
                    minimum=0,
                    maximum=10,
                    step=0.5,
                    elem_id=f"{prefix}-score",
                )
                save = gr.Button("Save rating", size="sm", elem_id=f"{prefix}-save-rating")
                clear = gr.Button("Clear rating", size="sm", elem_id=f"{prefix}-clear-rating")
            message = gr.Markdown("", elem_id=f"{prefix}-rating-message")
            viewer = _render_viewer(prefix)
            generation = _render_generation(prefix)
            why = thumbnails(
                label="Why this prediction: the rated images nearest to it",
                columns=5,
                height="auto",
                allow_preview=False,
                visible=False,
                elem_id=f"{prefix}-why",
            )
    return DetailPanel(
        preview, meta, about, score, save, clear, message, generation, why, gr.State(None),
        viewer, player,
    )  # fmt: skip


def _render_viewer(prefix: str) -> ViewerActions:
    with gr.Row(equal_height=True):
        similar = gr.Button("Find similar", size="sm", elem_id=f"{prefix}-find-similar")
        duplicates = gr.Button(
            "Show its duplicates", size="sm", elem_id=f"{prefix}-show-duplicates"
        )
        rate_similar = gr.Button("Rate similar images", size="sm", elem_id=f"{prefix}-rate-similar")
    with gr.Row(equal_height=True):
        show_folder = gr.Button("Show its folder", size="sm", elem_id=f"{prefix}-show-folder")
        trash = gr.Button("Move to trash", size="sm", elem_id=f"{prefix}-trash")
        undo = gr.Button("Undo: put it back", size="sm", visible=False, elem_id=f"{prefix}-undo")
    folder = gr.Textbox(
        label="Its folder (copied; paste it into your file manager)",
        interactive=False,
        visible=False,
        buttons=["copy"],
        elem_id=f"{prefix}-folder",
    )
    return ViewerActions(
        similar, duplicates, rate_similar, show_folder, folder, trash, undo, gr.State(None),
        key_button.render(f"{prefix}-key"),
    )  # fmt: skip


def _render_generation(prefix: str) -> GenerationView:
    with gr.Accordion("Generation", open=True, visible=False) as section:
        prompt = gr.Textbox(
            label="Prompt",
            lines=2,
            max_lines=12,
            interactive=False,
            buttons=["copy"],
            elem_id=f"{prefix}-prompt",
        )
        copy = gr.Button("Copy prompt", size="sm", elem_id=f"{prefix}-copy-prompt")
        negative = gr.Textbox(
            label="Negative prompt",
            lines=1,
            max_lines=8,
            interactive=False,
            buttons=["copy"],
            elem_id=f"{prefix}-negative-prompt",
        )
        show_all = gr.Button(
            "Show all", size="sm", visible=False, elem_id=f"{prefix}-show-all-prompt"
        )
        settings = gr.Markdown("", elem_id=f"{prefix}-generation")
    copy.click(None, [prompt], None, js=COPY_JS % (f"{prefix}-copy-prompt", "Copy prompt"))
    return GenerationView(section, settings, prompt, negative, copy, show_all)


def show(
    ctx: AppContext,
    content_id: str | None,
    hint: str,
    message: str = "",
    at: float | None = None,
) -> tuple:
    """Panel values (in DetailPanel.outputs' order) for one image, or one video (from the
    moment `at`, in seconds, when a search found one)."""
    hidden = gr.Gallery(visible=False)
    no_player = gr.HTML("", visible=False)
    blank = gr.Image(None, visible=True)
    if content_id is None:
        return blank, hint, None, "", hidden, None, *_about(None), *_generation(None), no_player
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        neighbours = _why(ctx, catalog, detail) if detail else []
    if detail is None:
        gone = "This image is no longer in the catalog."
        return blank, gone, None, "", hidden, None, *_about(None), *_generation(None), no_player
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    player = no_player
    if detail.get("kind") == "video":
        preview = video_poster(ctx, content_id, at)
        if present:
            player = gr.HTML(video_player(present[0], at), visible=True)
    else:
        preview = ctx.library.previews.get(content_id, present)
    # A video's player takes the picture's place (its poster above it pushed the player below
    # the window); the poster stays where the file is gone.
    picture = gr.Image(str(preview) if preview else None, visible=player is no_player)
    return (
        picture,
        detail_markdown(detail, dated=False, prompt=detail.get("generation") is None),
        detail.get("rating"),
        message,
        gr.Gallery(value=neighbours, visible=bool(neighbours)),
        content_id,
        *_about(detail),
        *_generation(detail.get("generation")),
        player,
    )


_SERVED: set[str] = set()
_SERVED_LOCK = threading.Lock()


def video_player(path: str, at: float | None) -> str:
    """An HTML5 player of the video file, starting at `at` seconds. The file (that one file,
    not its folder) is served in place through gradio's file route, behind the app's login,
    with range requests, so a long video is neither copied nor read whole."""
    with _SERVED_LOCK:
        if path not in _SERVED:
            gr.set_static_paths([path])
            _SERVED.add(path)
    start = f"#t={at:.2f}" if at else ""
    source = html.escape(f"/gradio_api/file={quote(path)}{start}", quote=True)
    when = f" (from {timecode(at)})" if at else ""
    return (
        f'<video class="pictor-video" src="{source}" controls preload="metadata" '
        f'playsinline style="width:100%;max-height:70vh"></video>'
        f'<p class="pictor-video-note">Plays the video file{html.escape(when)}.</p>'
    )


def video_poster(ctx: AppContext, content_id: str, at: float | None) -> str | None:
    """The frame of the moment found (its thumbnail), else the video's poster."""
    thumbs = ctx.library.thumbs
    if at is not None and thumbs.has(frame_id(content_id, at)):
        return str(thumbs.path_for(frame_id(content_id, at)))
    return str(thumbs.path_for(content_id)) if thumbs.has(content_id) else None


def about_markdown(detail: dict[str, Any]) -> str:
    """When (and by which clock), where, and what: one line each, the lines it has."""
    lines = []
    if detail.get("day"):
        source = "EXIF" if detail.get("date_source") == "exif" else "file date"
        lines.append(f"Date: {literal(detail['day'])} ({source})")
    place = detail.get("place") or {}
    named = [place.get(k) for k in ("city", "region", "country")]
    if any(named):
        lines.append("Place: " + literal(", ".join(p for p in named if p)))
    if detail.get("subjects"):
        lines.append("Subjects: " + literal(", ".join(detail["subjects"])))
    return "  \n".join(lines)


def _about(detail: dict[str, Any] | None) -> tuple[gr.Markdown]:
    text = about_markdown(detail) if detail else ""
    return (gr.Markdown(text, visible=bool(text)),)


def generation_markdown(generation: dict[str, Any]) -> str:
    """The settings of a generation as a two-column table, every value literal text; below
    it, where the settings were cut (too many to read), the note saying where."""
    cfg = generation.get("cfg")
    rows = [
        ("Tool", generation.get("tool")),
        ("Model", generation.get("model")),
        ("Size", generation.get("size")),
        ("Steps", generation.get("steps")),
        ("Sampler", generation.get("sampler")),
        ("CFG scale", f"{cfg:g}" if cfg is not None else None),
        ("Seed", generation.get("seed")),
        *(generation.get("extras") or {}).items(),
    ]
    cells = [
        f"| {literal(key)} | {literal(value, limit=SETTINGS_VALUE_LIMIT)} |"
        for key, value in rows
        if value is not None and value != ""
    ]
    table = "\n".join(["| Setting | Value |", "|---|---|", *cells])
    cut = generation.get("cut")
    return f"{table}\n\n{literal(cut)}" if cut else table


def _generation(generation: dict[str, Any] | None) -> tuple:
    """Values for (section, settings, prompt, negative, show all): all hidden for a non-AI
    image; each prompt cut to its EXCERPT, with Show all where one was cut."""
    if not generation:
        hidden = gr.Button(visible=False)
        return gr.Accordion(visible=False), "", gr.Textbox(value=""), gr.Textbox(value=""), hidden
    prompt, negative = _prompts(generation)
    return (
        gr.Accordion(label=f"Generation ({generation.get('tool')})", visible=True),
        generation_markdown(generation),
        _prompt_box("Prompt", prompt, EXCERPT),
        _prompt_box("Negative prompt", negative, EXCERPT, hide_empty=True),
        gr.Button(visible=max(len(prompt), len(negative)) > EXCERPT),
    )


def _prompts(generation: dict[str, Any]) -> tuple[str, str]:
    return generation.get("prompt") or "", generation.get("negative_prompt") or ""


def _prompt_box(label: str, text: str, limit: int | None, hide_empty=False) -> gr.Textbox:
    """A prompt's box: the whole text, or (limit given) its first `limit` characters with
    the label saying how much is shown."""
    shown = text
    if limit is not None and len(text) > limit:
        label = f"{label} (the first {limit:,} of {len(text):,} characters; Show all for the rest)"
        shown = text[:limit]
    return gr.Textbox(value=shown, label=label, visible=bool(text) or not hide_empty)


def whole_prompts(ctx: AppContext, content_id: str | None) -> tuple:
    """Values for (prompt, negative, show all): the whole texts, for Show all."""
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id) if content_id else None
    prompt, negative = _prompts((detail or {}).get("generation") or {})
    return (
        _prompt_box("Prompt", prompt, None),
        _prompt_box("Negative prompt", negative, None, hide_empty=True),
        gr.Button(visible=False),
    )


def _why(ctx: AppContext, catalog, detail: dict) -> list[tuple[str, str]]:
    """Thumbnails of the rated images nearest to a predicted one, captioned with ratings."""
    if detail.get("predicted") is None or detail.get("rating") is not None:
        return []
    from evaluator.explain import nearest_rated

    try:
        stamp = catalog.embedding_stamp(ctx.library.model_id)  # unchanged: no Chroma check
        mirror = ctx.library.vector_mirror().sync(ctx.library.vectors(), stamp=stamp)
        found = nearest_rated(catalog, mirror, detail["content_id"])
    except Exception:  # no vectors here (no weights, a Chroma server away): nothing to show
        return []
    thumbs = ctx.library.thumbs
    return [(str(thumbs.path_for(n.content_id)), f"{n.rating:g} yours · {n.similarity:.2f} alike")
            for n in found if thumbs.has(n.content_id)]  # fmt: skip


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


def listen(viewer: Viewer, ctx: AppContext, sources: list[Source]) -> dict[str, Any]:
    """Wire the viewer: each source's gallery opens it at the image clicked; the arrows move
    through that list, Esc and Close hide it; rating, the folder, the trash and undo (which
    take the image out of its tab's list and put it back). Returns the trash and undo
    events by name ("trashed", "undone"), to chain on."""
    panel = viewer.panel
    # One at a time and in order: a quick → → must end two images on, not on the first.
    in_order = {"concurrency_id": f"{PREFIX}-moves", "concurrency_limit": 1}

    for source in sources:
        if source.gallery is not None:
            extra = [source.moments] if source.moments is not None else []
            source.gallery.select(_opener(ctx, source), [source.ids, *extra],
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
