"""The detail panel every tab shares: the clicked image large, its metadata, its rating.

Library, Search and Filters each render one (with their own element ids and action
buttons) and wire it to their gallery; the rating editor saves through the same
RatingService as the Rate tab and `launch.py rate`. Below them, for an AI image, its
generation parameters: a table of the settings, the prompt and the negative prompt in
full (plain-text boxes), and a Copy prompt button.
"""

from __future__ import annotations

import html
import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import gradio as gr

from app import key_button
from app.components import detail_markdown
from app.context import AppContext
from app.key_button import KeyButton
from app.safe_text import literal
from indexing.curate.rating_service import RatingService
from indexing.curate.trash import Trash
from indexing.errors import PictorError
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


@dataclass
class GenerationView:
    section: gr.Accordion  # hidden for an image with no generation parameters
    settings: gr.Markdown
    prompt: gr.Textbox
    negative: gr.Textbox
    copy: gr.Button


@dataclass
class ViewerActions:
    """What every detail panel offers besides the rating: find similar, its duplicates,
    rate similar images (wired across tabs in app/ui.py), the folder (shown and copied),
    the trash with undo, and the keys' hidden button (← → move, Esc closes)."""

    similar: gr.Button
    duplicates: gr.Button
    rate_similar: gr.Button
    show_folder: gr.Button
    folder: gr.Textbox
    trash: gr.Button
    undo: gr.Button
    trashed: gr.State  # the last move to the trash, for undo: see listen()
    moves: KeyButton  # "prev", "next" or "close", pressed by keys.js


@dataclass
class DetailPanel:
    preview: gr.Image  # an image large; a video's poster (or the moment found)
    meta: gr.Markdown
    about: gr.Markdown  # date and its source, place, subjects
    score: gr.Number
    save: gr.Button
    clear: gr.Button
    message: gr.Markdown
    buttons: list[gr.Button]  # the tab's own actions
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
            self.player,
        ]


def render(
    *,
    image_id: str,
    meta_id: str,
    prefix: str,
    hint: str,
    height: int = 560,
    buttons: tuple[tuple[str, str], ...] = (),
) -> DetailPanel:
    with gr.Row():
        with gr.Column():
            preview = gr.Image(
                label="Image", type="filepath", interactive=False, height=height, elem_id=image_id
            )
            player = gr.HTML("", visible=False, js_on_load=None, elem_id=f"{prefix}-player")
        with gr.Column():
            meta = gr.Markdown(hint, elem_id=meta_id)
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
            made = [gr.Button(label, elem_id=elem_id) for label, elem_id in buttons]
            viewer = _render_viewer(prefix)
            generation = _render_generation(prefix)
            why = gr.Gallery(
                label="Why this prediction: the rated images nearest to it",
                columns=5,
                height="auto",
                allow_preview=False,
                visible=False,
                elem_id=f"{prefix}-why",
            )
    return DetailPanel(
        preview, meta, about, score, save, clear, message, made, generation, why,
        gr.State(None), viewer, player,
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
        key_button.render(f"{prefix}-viewer-key"),
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
        settings = gr.Markdown("", elem_id=f"{prefix}-generation")
    copy.click(None, [prompt], None, js=COPY_JS % (f"{prefix}-copy-prompt", "Copy prompt"))
    return GenerationView(section, settings, prompt, negative, copy)


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
    if content_id is None:
        return None, hint, None, "", hidden, None, *_about(None), *_generation(None), no_player
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        neighbours = _why(ctx, catalog, detail) if detail else []
    if detail is None:
        gone = "This image is no longer in the catalog."
        return None, gone, None, "", hidden, None, *_about(None), *_generation(None), no_player
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    player = no_player
    if detail.get("kind") == "video":
        preview = video_poster(ctx, content_id, at)
        if present:
            player = gr.HTML(video_player(present[0], at), visible=True)
    else:
        preview = ctx.library.previews.get(content_id, present)
    return (
        str(preview) if preview else None,
        detail_markdown(detail, dated=False, prompt=detail.get("generation") is None),
        detail.get("rating"),
        message,
        gr.Gallery(value=neighbours, visible=bool(neighbours)),
        content_id,
        *_about(detail),
        *_generation(detail.get("generation")),
        player,
    )


def moment_of(shown: Any, content_id: str | None) -> float | None:
    """Where the list shown found this video (seconds), if it says."""
    found = getattr(shown, "moments", None) or {}
    return found.get(content_id) if content_id else None


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
    """The settings of a generation as a two-column table, every value literal text."""
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
    return "\n".join(["| Setting | Value |", "|---|---|", *cells])


def _generation(generation: dict[str, Any] | None) -> tuple:
    """Values for (section, settings, prompt, negative): all hidden for a non-AI image."""
    if not generation:
        return gr.Accordion(visible=False), "", gr.Textbox(value=""), gr.Textbox(value="")
    negative = generation.get("negative_prompt") or ""
    return (
        gr.Accordion(label=f"Generation ({generation.get('tool')})", visible=True),
        generation_markdown(generation),
        gr.Textbox(value=generation.get("prompt") or ""),
        gr.Textbox(value=negative, visible=bool(negative)),
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


def listen(
    panel: DetailPanel,
    ctx: AppContext,
    gallery: gr.Gallery | None,
    ids: gr.State,
    moments: gr.State | None = None,
) -> tuple[Any, Any]:
    """Wire a panel to the list it shows (ids, and the gallery drawing them, if one: the
    Duplicates view selects for itself). moments: a state whose value has a `moments`
    mapping (content id -> seconds: where a search found each video). Returns the trash
    and undo events, to chain on."""
    hint = "Click an image to see it here."

    def selected(ids_shown: list[str], evt: gr.SelectData):
        return selected_at(ids_shown, None, evt)

    def selected_at(ids_shown: list[str], shown: Any, evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else None
        inside = index is not None and 0 <= index < len(ids_shown)
        chosen = ids_shown[index] if inside else None
        return show(ctx, chosen, hint, at=moment_of(shown, chosen))

    def rate(content_id: str | None, score: float | None, clear: bool = False):
        if content_id is None:
            return show(ctx, None, hint, "Click an image first.")
        if score is None and not clear:
            return show(ctx, content_id, hint, "Type a score from 0 to 10 first.")
        try:
            result = RatingService(ctx.library).rate(content_id, None if clear else score)
        except PictorError as exc:
            return show(ctx, content_id, hint, f"⚠️ {literal(exc)}")
        said = "Rating cleared." if clear else f"Saved: {result.change.rating:g}."
        notes = [said, *(f"⚠️ {literal(w)}" for w in result.warnings)]
        return show(ctx, content_id, hint, "  \n".join(notes))

    def step(ids_shown: list[str], content_id: str | None, by: int, shown: Any = None):
        """The next or previous image of the list shown (the arrow keys)."""
        if content_id not in (ids_shown or []):
            first = ids_shown[0] if ids_shown else None
            return show(ctx, first, hint, at=moment_of(shown, first))
        at = ids_shown.index(content_id) + by
        chosen = ids_shown[min(max(at, 0), len(ids_shown) - 1)]
        return show(ctx, chosen, hint, at=moment_of(shown, chosen))

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

    def trash(content_id: str | None, ids_shown: list[str], items: list | None = None):
        """Move its files to the trash, take it out of the list shown and show the next one."""
        paths = present_paths(content_id)
        with ctx.catalog() as catalog:
            report = Trash(catalog).trash(paths)
        moved = [entry.original_path for entry in report.moved]
        notes = [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems]
        ids_shown, items = list(ids_shown or []), list(items or [])
        undo_state, shown = None, content_id
        if moved:
            what = "its file" if len(moved) == 1 else f"its {len(moved)} files"
            gr.Info(f"Moved {what} to the trash. Undo puts it back.")
            notes.insert(0, f"Moved {what} to the trash.")
            at = ids_shown.index(content_id) if content_id in ids_shown else None
            item = None
            if at is not None:
                ids_shown.pop(at)
                item = items.pop(at) if len(items) == len(ids_shown) + 1 else None
                shown = ids_shown[min(at, len(ids_shown) - 1)] if ids_shown else None
            undo_state = {"paths": moved, "content_id": content_id, "at": at, "item": item}
        values = show(ctx, shown, hint, "  \n".join(notes))
        lists = (ids_shown, items) if gallery is not None else (ids_shown,)
        return (*values, undo_state, gr.Button(visible=bool(moved)), gr.Textbox(visible=False),
                *lists)  # fmt: skip

    def undo(state: dict | None, ids_shown: list[str], items: list | None = None):
        """Put the last trashed image's files back, and the image back where it was listed."""
        if not state:
            raise PictorError("Nothing to put back.")
        with ctx.catalog() as catalog:
            report = Trash(catalog).restore(state["paths"])
        back = len(report.moved)
        notes = [f"Put {back} file{'' if back == 1 else 's'} back."]
        notes += [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems]
        gr.Info(notes[0])
        ids_shown, items = list(ids_shown or []), list(items or [])
        at = state.get("at")
        if at is not None and state["content_id"] not in ids_shown:
            if state.get("item") is not None and len(items) == len(ids_shown):
                items.insert(at, state["item"])
            ids_shown.insert(at, state["content_id"])
        values = show(ctx, state["content_id"], hint, "  \n".join(notes))
        lists = (ids_shown, items) if gallery is not None else (ids_shown,)
        return (*values, None, gr.Button(visible=False), *lists)

    v = panel.viewer
    listed = [ids, gallery] if gallery is not None else [ids]
    # One at a time and in order: a quick ← then Esc must end closed, not on the late ←.
    in_order = {"concurrency_id": f"{v.moves.button.elem_id}-moves", "concurrency_limit": 1}
    if gallery is not None and moments is None:
        gallery.select(selected, [ids], panel.outputs, **in_order)
    elif gallery is not None:
        gallery.select(selected_at, [ids, moments], panel.outputs, **in_order)

    def moved(key: str, ids_shown: list[str], content_id: str | None, shown: Any = None):
        if key == "close":
            return show(ctx, None, hint)
        return step(ids_shown, content_id, -1 if key == "prev" else 1, shown)

    extra = [moments] if moments is not None else []
    v.moves.on_press(moved, [ids, panel.selected, *extra], panel.outputs, **in_order)
    v.show_folder.click(show_folder, [panel.selected], [v.folder]).then(
        None, [v.folder], None, js=COPY_JS % (v.show_folder.elem_id, "Show its folder")
    )
    trashed = v.trash.click(
        trash, [panel.selected, *listed], [*panel.outputs, v.trashed, v.undo, v.folder, *listed]
    )
    undone = v.undo.click(undo, [v.trashed, *listed], [*panel.outputs, v.trashed, v.undo, *listed])
    gr.on([panel.save.click, panel.score.submit], rate, [panel.selected, panel.score],
          panel.outputs)  # fmt: skip
    panel.clear.click(lambda cid: rate(cid, None, clear=True), [panel.selected], panel.outputs)
    return trashed, undone
