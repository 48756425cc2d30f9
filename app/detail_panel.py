"""The viewer's panel: an image large (or a video's player) beside its metadata, its
rating, what can be done with it, and for an AI image its generation parameters
(app/detail_generation.py). The rating editor saves through the same RatingService as the
Rate tab and `launch.py rate` (wired in app/detail.py, with the rest of the viewer).
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from app import detail_generation, detail_organise, detail_people, detail_text, key_button
from app.components import detail_markdown, thumbnails
from app.context import AppContext
from app.detail_generation import GenerationView
from app.detail_people import PeopleInPhoto
from app.detail_text import TextView
from app.key_button import KeyButton
from app.safe_text import literal
from indexing.query import details
from indexing.records import timecode
from indexing.store.vectors import frame_id

PREFIX = "viewer"  # the element ids: #viewer-image, #viewer-meta, #viewer-score, ...
HINT = "Click an image to see it here."


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
    organise: detail_organise.OrganiseView  # albums, tags, caption (loaded on selection)
    text: TextView  # the text read in the image (app/detail_text.py follows `selected`)
    people: PeopleInPhoto  # the faces and people in it (app/detail_people.py)
    filled: gr.State  # the content id the three sections above were filled for (detail.py)

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
            people = detail_people.render(prefix)
            organise = detail_organise.render(prefix)
            generation = detail_generation.render(prefix)
            text = detail_text.render(prefix)
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
        viewer, player, organise, text, people, gr.State(None),
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


def show(
    ctx: AppContext,
    content_id: str | None,
    hint: str,
    message: str = "",
    at: float | None = None,
) -> tuple:
    """Panel values (in DetailPanel.outputs' order) for one image, or one video (from the
    moment `at`, in seconds, when a search found one)."""
    if content_id is None:
        return _nothing(hint)
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
        neighbours = _why(ctx, catalog, detail) if detail else []
    if detail is None:
        return _nothing("This image is no longer in the catalog.")
    present = [p["path"] for p in detail["paths"] if p["status"] == "present"]
    no_player = gr.HTML("", visible=False)
    player = no_player
    preview: str | Path | None
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
        *detail_generation.values(detail.get("generation")),
        player,
    )


def _nothing(text: str) -> tuple:
    """Panel values with no image: the text where its metadata goes, the rest empty."""
    return (
        gr.Image(None, visible=True), text, None, "", gr.Gallery(visible=False), None,
        *_about(None), *detail_generation.values(None), gr.HTML("", visible=False),
    )  # fmt: skip


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
    if detail.get("people"):
        lines.append("People: " + people_line(detail["people"]))
    return "  \n".join(lines)


def people_line(faces: list[dict[str, Any]]) -> str:
    """'Ana Silva, Rui and 1 unnamed person': who the faces in an image are."""
    named = list(dict.fromkeys(f["name"] for f in faces if f.get("name")))
    unnamed = sum(1 for f in faces if not f.get("name"))
    parts = [literal(name) for name in named]
    if unnamed:
        parts.append(f"{unnamed} unnamed {'person' if unnamed == 1 else 'people'}")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def about_of(ctx: AppContext, content_id: str | None) -> gr.Markdown:
    """The about lines of one image, read again (the people in it just changed)."""
    if content_id is None:
        return gr.Markdown("", visible=False)
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, content_id)
    return _about(detail)[0]


def _about(detail: dict[str, Any] | None) -> tuple[gr.Markdown]:
    text = about_markdown(detail) if detail else ""
    return (gr.Markdown(text, visible=bool(text)),)


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
