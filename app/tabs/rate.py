"""The Rate tab: score images 0-10 by slider or keys, or pick the best of 2 or 4.

Callbacks only translate: widgets -> Rater / Chooser calls (indexing.curate) -> widgets.
Keys are handled by app/assets/keys.js, which clicks this tab's buttons (some hidden).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import gradio as gr

from app import detail, key_button
from app.components import detail_markdown, thumbnails
from app.context import AppContext
from app.key_button import KeyButton
from app.safe_text import literal
from app.tabs.rate_sessions import Lazy, Sessions
from indexing.curate.preference_session import Chooser, PreferenceView
from indexing.curate.rate_session import Rater, RateSession, RateView
from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.rate_queue import QueueSpec

QUEUES = {
    "Unrated, shuffled": "unrated",
    "Random (everything)": "random",
    "Most informative": "informative",
    "A folder": "folder",
}
SEARCH_QUEUE, FILTERS_QUEUE = "Search results", "Filters results"
SIMILAR_QUEUE = "Similar images"  # the viewer's "Rate similar images"
MODES = ("Score 0–10", "Best of 2", "Best of 4")
NUDGES = (
    ("−1", -1.0, "down-1"),
    ("−0.1", -0.1, "down-01"),
    ("+0.1", 0.1, "up-01"),
    ("+1", 1.0, "up-1"),
)
SCORE_KEYS = (
    "Keys: **0–9** score · **t** 10 · **←/→** previous/next · **s** skip · **⌫** clear · "
    "**z** undo · **[ ]** ±0.1 · **{ }** ±1 · **Enter** accept the prediction"
)
PREFERENCE_KEYS = "Keys: **1–4** pick · **e** they are equal · **s** skip · **z** undo"


@dataclass
class RateTab:
    mode: gr.Radio
    queue: gr.Dropdown
    folder: gr.Textbox
    start: gr.Button
    write_xmp: gr.Checkbox
    score_panel: gr.Column
    image: gr.Image
    meta: gr.Markdown
    slider: gr.Slider
    predicted: gr.Markdown
    pending: gr.Number
    nudges: list[gr.Button]
    accept: gr.Button
    back: gr.Button
    skip: gr.Button
    forward: gr.Button
    clear: gr.Button
    undo: gr.Button
    keys: KeyButton  # 0..10, pressed by keys.js
    progress: gr.Markdown
    message: gr.Markdown
    pref_panel: gr.Column
    pref_gallery: gr.Gallery
    pref_picks: KeyButton  # 1..4
    pref_equal: gr.Button
    pref_skip: gr.Button
    pref_undo: gr.Button
    pref_progress: gr.Markdown
    pref_message: gr.Markdown
    queue_ids: gr.State  # what "Rate these" handed over: ("ids", ids) or ("filter", Filter)
    current: gr.State  # the content id shown, for the viewer actions below it
    similar: gr.Button  # Find similar (wired in app/ui.py, as every viewer's)
    duplicates: gr.Button  # Show its duplicates
    details: gr.Button  # opens the image in the app's viewer (app/detail.py)
    start_chain: tuple[Any, ...] = ()  # (fn, inputs, outputs) of Start, set by listen()


def render(ctx: AppContext) -> RateTab:
    with gr.Column(elem_id="rate-panel"):
        with gr.Row(equal_height=True):
            mode = gr.Radio(list(MODES), value=MODES[0], label="Mode", elem_id="rate-mode")
            queue = gr.Dropdown(
                list(QUEUES), value="Unrated, shuffled", label="Queue", elem_id="rate-queue"
            )
            folder = gr.Textbox(label="Folder (for the folder queue)", elem_id="rate-folder")
            start = gr.Button("Start", variant="primary", elem_id="rate-start")
        write_xmp = gr.Checkbox(
            value=ctx.settings.write_xmp,
            label="Also write my ratings to XMP sidecars (digiKam, darktable, Lightroom); "
            "image files are never changed",
            elem_id="rate-write-xmp",
        )
        with gr.Column(elem_id="rate-score-mode") as score_panel:
            score = _render_score_panel()
        with gr.Column(visible=False, elem_id="rate-pref-mode") as pref_panel:
            preference = _render_preference_panel()
    *widgets, similar, duplicates, details = score
    fields = (
        mode, queue, folder, start, write_xmp, score_panel, *widgets, pref_panel, *preference,
        gr.State(None), gr.State(None), similar, duplicates, details,
    )  # fmt: skip
    return RateTab(*fields)


def _render_score_panel() -> tuple:
    with gr.Row():
        image = gr.Image(
            label="Image", type="filepath", interactive=False, height=620, elem_id="rate-image"
        )
        with gr.Column(scale=1, min_width=280):
            progress = gr.Markdown("", elem_id="rate-progress")
            message = gr.Markdown("Choose a queue and press Start.", elem_id="rate-message")
            slider = gr.Slider(0, 10, value=5, step=0.5, label="Your score", elem_id="rate-slider")
            predicted = gr.Markdown("", elem_id="rate-predicted")
            with gr.Row():
                pending = gr.Number(label="Score to accept", precision=1, elem_id="rate-pending")
                accept = gr.Button("Accept ⏎", variant="primary", elem_id="rate-accept")
            with gr.Row():
                nudges = [
                    gr.Button(label, size="sm", elem_id=f"rate-nudge-{key}")
                    for label, _, key in NUDGES
                ]
            with gr.Row():
                back = gr.Button("◀ Back", size="sm", elem_id="rate-back")
                skip = gr.Button("Skip", size="sm", elem_id="rate-skip")
                forward = gr.Button("Next ▶", size="sm", elem_id="rate-next")
            with gr.Row():
                clear = gr.Button("Clear rating", size="sm", elem_id="rate-clear")
                undo = gr.Button("Undo", size="sm", elem_id="rate-undo")
            with gr.Row():
                similar = gr.Button("Find similar", size="sm", elem_id="rate-find-similar")
                duplicates = gr.Button(
                    "Show its duplicates", size="sm", elem_id="rate-show-duplicates"
                )
                details = gr.Button("Details", size="sm", elem_id="rate-details")
            meta = gr.Markdown("", elem_id="rate-meta")
            gr.Markdown(SCORE_KEYS, elem_id="rate-help")
    keys = key_button.render("rate-key")  # 0-9 and t (10)
    return (image, meta, slider, predicted, pending, nudges, accept, back, skip, forward, clear,
            undo, keys, progress, message, similar, duplicates, details)  # fmt: skip


def _render_preference_panel() -> tuple:
    message = gr.Markdown("", elem_id="pref-message")
    gallery = thumbnails(
        label="Click the one you like best",
        columns=4,  # one row: 2 of 2 (the gallery fits its columns to the images), 4 of 4
        height="auto",
        allow_preview=False,
        object_fit="contain",
        elem_id="pref-gallery",
    )
    with gr.Row():
        equal = gr.Button("They are equal", elem_id="pref-equal")
        skip = gr.Button("Skip", elem_id="pref-skip")
        undo = gr.Button("Undo", elem_id="pref-undo")
    progress = gr.Markdown("", elem_id="pref-progress")
    gr.Markdown(PREFERENCE_KEYS, elem_id="pref-help")
    picks = key_button.render("pref-pick")  # 1-4
    return gallery, picks, equal, skip, undo, progress, message


def queue_spec(choice: str, folder: str, handed: Any, seed: int) -> QueueSpec:
    """The QueueSpec a dropdown choice (and the folder box, or "Rate these") describes."""
    if choice in (SEARCH_QUEUE, SIMILAR_QUEUE) and handed and handed[0] == "ids":
        return QueueSpec("ids", seed, ids=tuple(handed[1]))
    if choice == FILTERS_QUEUE and handed and handed[0] == "filter":
        return QueueSpec("filter", seed, filter=handed[1])
    kind = QUEUES.get(choice, "unrated")
    if kind == "folder":
        if not (folder or "").strip():
            raise PictorError("Type the folder to rate, then press Start.")
        return QueueSpec("folder", seed, folder=Filter.parse(folder=folder).folder)
    return QueueSpec(kind, seed)


def show_score(view: RateView) -> tuple:
    """Widget values for one RateView (image, meta, slider, predicted, pending, ...)."""
    notes = [view.message, *view.warnings]
    message = "  \n".join(literal(n) for n in notes if n)
    if view.content_id is None:
        return None, "", gr.skip(), "", None, view.progress, message, None
    rating = view.rating
    predicted = ""
    if view.predicted is not None:
        spread = f" ± {view.uncertainty:.1f}" if view.uncertainty is not None else ""
        predicted = f"**predicted {view.predicted:.1f}**{spread}: nudge it, then Accept"
    mine = f"Your rating: **{rating:g}**" if rating is not None else "Not rated by you yet"
    start = rating if rating is not None else (view.predicted if view.predicted is not None else 5)
    # Enter accepts this box: the prediction, or your rating; nothing when there is neither.
    accepted = view.predicted if view.predicted is not None else rating
    pending = round(accepted, 1) if accepted is not None else None
    meta = mine + "  \n" + detail_markdown(view.detail) if view.detail else mine
    preview = str(view.preview) if view.preview else None
    return (preview, meta, round(start * 2) / 2, predicted, pending, view.progress, message,
            view.content_id)  # fmt: skip


def show_preferences(view: PreferenceView) -> tuple:
    items = [
        (str(path), caption)
        for path, caption in zip(view.previews, view.captions, strict=True)
        if path
    ]
    return items, literal(view.message), view.progress


# Key presses skip gradio's queue (a plain request, no event stream): the per-tab lock in
# Sessions keeps them in order, and no progress bar flickers over the image.
class _Quick(TypedDict):
    queue: bool
    show_progress: Literal["full", "minimal", "hidden"]


QUICK: _Quick = {"queue": False, "show_progress": "hidden"}
NOT_STARTED = RateView(None, message="Choose a queue and press Start.")


def listen(tab: RateTab, ctx: AppContext, tabs: gr.Tabs) -> None:
    rater, chooser = Lazy(ctx, Rater), Lazy(ctx, Chooser)
    scores, choices = Sessions(), Sessions()
    score_out = [tab.image, tab.meta, tab.slider, tab.predicted, tab.pending, tab.progress,
                 tab.message, tab.current]  # fmt: skip
    pref_out = [tab.pref_gallery, tab.pref_message, tab.pref_progress]

    def start(mode: str, choice: str, folder: str, handed: Any, request: gr.Request):
        seed = random.randrange(1, 1_000_000)
        if mode != MODES[0]:
            with choices.use(request) as slot:
                slot.session, view = chooser.start(2 if mode == MODES[1] else 4, seed)
            return (gr.skip(),) * len(score_out) + show_preferences(view)
        try:
            spec = queue_spec(choice, folder, handed, seed)
        except PictorError as exc:
            message = literal(exc)
            return (*((gr.skip(),) * 6), message, gr.skip(), *((gr.skip(),) * len(pref_out)))
        with scores.use(request) as slot:
            slot.session, view = rater.start(spec)
        return show_score(view) + (gr.skip(),) * len(pref_out)

    def perform(action, request: gr.Request | None, *values: Any) -> tuple:
        with scores.use(request) as slot:
            if slot.session is None:
                return show_score(NOT_STARTED)
            return show_score(action(slot.session, *values))

    def act(action):
        """A handler with no input (gradio passes the request by its annotation)."""

        def run(request: gr.Request):
            return perform(action, request)

        return run

    def act_on(action):
        """A handler with one input value (the slider, the pending score)."""

        def run(value: Any, request: gr.Request):
            return perform(action, request, value)

        return run

    def rate_or_say(session: RateSession, score: Any) -> RateView:
        try:
            return rater.rate(session, score)
        except PictorError as exc:
            return rater.view(session, str(exc))

    start_inputs = [tab.mode, tab.queue, tab.folder, tab.queue_ids]
    tab.start_chain = (start, start_inputs, score_out + pref_out)
    tab.start.click(*tab.start_chain)
    tab.mode.change(
        lambda mode: (gr.Column(visible=mode == MODES[0]), gr.Column(visible=mode != MODES[0])),
        [tab.mode],
        [tab.score_panel, tab.pref_panel],
    ).then(start, start_inputs, score_out + pref_out)
    tab.keys.on_press(act_on(lambda s, key: rate_or_say(s, int(key))), [], score_out, **QUICK)
    tab.slider.release(act_on(rate_or_say), [tab.slider], score_out, **QUICK)
    tab.accept.click(act_on(rate_or_say), [tab.pending], score_out, **QUICK)
    for button, (_, delta, _) in zip(tab.nudges, NUDGES, strict=True):
        button.click(
            lambda v, d=delta: round(min(10.0, max(0.0, (v or 0) + d)), 1),
            [tab.pending],
            [tab.pending],
        )
    tab.back.click(act(rater.go_back), None, score_out, **QUICK)
    tab.forward.click(act(rater.go_forward), None, score_out, **QUICK)
    tab.skip.click(act(rater.skip), None, score_out, **QUICK)
    tab.clear.click(act(rater.clear), None, score_out, **QUICK)
    tab.undo.click(act(rater.undo), None, score_out, **QUICK)
    tab.write_xmp.change(lambda on: ctx.set_write_xmp(bool(on)), [tab.write_xmp], None)
    _listen_preferences(tab, chooser, choices, pref_out)


def listen_handoff(
    tab: RateTab,
    tabs: gr.Tabs,
    button: gr.Button,
    inputs: list[Any],
    handoff: Any,
    label: str,
    message: gr.Markdown,
    closes: gr.Column | None = None,
) -> None:
    """Another tab's "Rate these": hand its results to the Rate tab as a queue and start
    (and close the viewer, `closes`, where it was pressed there).

    handoff(*inputs) returns ("ids", [content ids]) or ("filter", Filter), or raises
    PictorError, whose message goes to that tab's `message`.
    """
    closing = [closes] if closes is not None else []

    def hand(*values: Any):
        try:
            handed = handoff(*values)
        except PictorError as exc:
            kept = (gr.skip(),) * len(closing)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), f"⚠️ {literal(exc)}", *kept
        queue = gr.Dropdown(choices=[*QUEUES, label], value=label)
        closed = (detail.closed(),) * len(closing)
        return gr.Tabs(selected="rate"), queue, MODES[0], handed, "", *closed

    outputs = [tabs, tab.queue, tab.mode, tab.queue_ids, message, *closing]
    button.click(hand, inputs, outputs).then(*tab.start_chain)


def _listen_preferences(tab: RateTab, chooser: Any, choices: Sessions, pref_out: list) -> None:
    def perform(action, request: gr.Request | None, *values: Any) -> tuple:
        with choices.use(request) as slot:
            if slot.session is None:
                return [], "Choose Best of 2 or 4 and press Start.", ""
            return show_preferences(action(slot.session, *values))

    def act(action):
        def run(request: gr.Request):
            return perform(action, request)

        return run

    def picked(evt: gr.SelectData, request: gr.Request):
        return perform(chooser.pick, request, evt.index)

    tab.pref_gallery.select(picked, None, pref_out)

    def pick(key: str, request: gr.Request):
        return perform(chooser.pick, request, int(key) - 1)

    tab.pref_picks.on_press(pick, [], pref_out)
    tab.pref_equal.click(act(chooser.equal), None, pref_out)
    tab.pref_skip.click(act(chooser.skip), None, pref_out)
    tab.pref_undo.click(act(chooser.undo), None, pref_out)
