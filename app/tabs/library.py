"""The Library tab: add folders, watch indexing, browse the gallery, inspect an image.

While a run indexes, the stats and (while it is empty) the gallery follow what it has
committed, and an empty gallery says why it is empty: the run's progress, or that no
folder has been added yet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app import selection
from app.components import (
    caption,
    errors_markdown,
    stats_markdown,
    summary_markdown,
    thumbnails,
)
from app.context import AppContext
from app.jobs import BackgroundJob
from app.safe_text import literal
from app.tabs import model_settings
from indexing.errors import PictorError
from indexing.ingest.scan import outside_home_and_roots, resolve_root
from indexing.library import forget_sentence
from indexing.names.wording import plural
from indexing.query import details
from indexing.query.filters import Filter, SortKey
from indexing.query.listing import Listing, ListRequest, list_images
from indexing.query.ranking import allowed_ids

PAGE_SIZE = 48
FOLLOW_EVERY = 2.0  # seconds between refreshes of the stats while a run commits
NO_IMAGES = "No images yet: add a folder above."


@dataclass
class LibraryTab:
    folder: gr.Textbox
    add: gr.Button
    reindex: gr.Button
    cancel: gr.Button
    progress: gr.Markdown
    stats: gr.Markdown
    errors: gr.Markdown
    prev: gr.Button
    next: gr.Button
    page_label: gr.Markdown
    empty: gr.Markdown  # what an empty gallery is waiting for
    page: gr.State
    ids: gr.State
    gallery: gr.Gallery
    roots: gr.Dropdown
    reindex_root: gr.Button
    forget: gr.Button
    confirm: gr.Group
    confirm_text: gr.Markdown
    forget_yes: gr.Button
    forget_no: gr.Button
    add_confirm: gr.Group  # the question before adding a folder outside home and roots
    add_confirm_text: gr.Markdown
    add_yes: gr.Button
    add_no: gr.Button
    add_pending: gr.State  # the folder the question is about
    model_status: gr.Markdown | None = None  # model_settings' line, current after each run
    select: selection.SelectionBar | None = None  # select many in the gallery
    refresh: Any = None  # set by listen: (page) -> gallery outputs (the page the user is on)
    gallery_outputs: list[Any] | None = None


def render() -> LibraryTab:
    with gr.Row(equal_height=True):
        folder = gr.Textbox(
            label="Folder", placeholder="/home/you/Pictures", scale=5, elem_id="folder-input"
        )
        add = gr.Button("Add folder", variant="primary", scale=1, elem_id="add-folder")
        reindex = gr.Button("Re-index all", scale=1, elem_id="reindex")
        cancel = gr.Button("Cancel", variant="stop", scale=1, elem_id="cancel-index")
    with gr.Row(equal_height=True):
        roots = gr.Dropdown(
            [], label="Library folders", scale=5, elem_id="root-pick", allow_custom_value=False
        )
        reindex_root = gr.Button("Re-index this folder", scale=1, elem_id="reindex-root")
        forget = gr.Button("Forget this folder…", scale=1, elem_id="forget-root")
    with gr.Group(visible=False, elem_id="forget-confirm") as confirm:
        confirm_text = gr.Markdown("", elem_id="forget-confirm-text")
        with gr.Row():
            forget_yes = gr.Button("Forget it", variant="stop", elem_id="forget-yes")
            forget_no = gr.Button("Keep it", elem_id="forget-no")
    with gr.Group(visible=False, elem_id="add-confirm") as add_confirm:
        add_confirm_text = gr.Markdown("", elem_id="add-confirm-text")
        with gr.Row():
            add_yes = gr.Button("Index it", variant="primary", elem_id="add-yes")
            add_no = gr.Button("Cancel", elem_id="add-no")
    progress = gr.Markdown("", elem_id="index-progress")
    stats = gr.Markdown("", elem_id="library-stats")
    with gr.Accordion("Indexing errors", open=False):
        errors = gr.Markdown("", elem_id="index-errors")
    with gr.Row(equal_height=True):
        prev = gr.Button("◀ Newer", size="sm", elem_id="page-prev")
        page_label = gr.Markdown("", elem_id="page-label")
        next_ = gr.Button("Older ▶", size="sm", elem_id="page-next")
    empty = gr.Markdown(NO_IMAGES, elem_id="library-empty")
    select = selection.render("library")
    gallery = thumbnails(
        label="Images, newest first",
        columns=8,
        height="auto",
        allow_preview=False,
        object_fit="cover",
        elem_id="library-gallery",
    )
    return LibraryTab(
        folder,
        add,
        reindex,
        cancel,
        progress,
        stats,
        errors,
        prev,
        next_,
        page_label,
        empty,
        gr.State(1),
        gr.State([]),
        gallery,
        roots,
        reindex_root,
        forget,
        confirm,
        confirm_text,
        forget_yes,
        forget_no,
        add_confirm,
        add_confirm_text,
        add_yes,
        add_no,
        gr.State(None),
        select=select,
    )


def listen(tab: LibraryTab, ctx: AppContext, demo: gr.Blocks) -> None:
    gallery_outputs = [tab.gallery, tab.ids, tab.page, tab.page_label, tab.empty]
    overview_outputs = [tab.stats, tab.errors, tab.roots]
    if tab.model_status is not None:
        overview_outputs.append(tab.model_status)
    page_outputs = [*gallery_outputs, *overview_outputs]

    def turn_page(page: int):
        """Only the gallery: paging leaves the library's stats as they are."""
        with ctx.catalog() as catalog:
            result = newest_first(catalog, page)
            if result.items == [] and page > 1:
                result = newest_first(catalog, result.pages)
        items = [(str(ctx.library.thumbs.path_for(i.content_id)), caption(i)) for i in result.items]
        page = result.request.page
        label = f"Page {page} of {result.pages} ({result.total:,} images)"
        return items, [i.content_id for i in result.items], page, label, empty_note(result.total)

    def empty_note(total: int, running: str | None = None) -> gr.Markdown:
        """Hidden once there are images; else the run in progress, or how to start one."""
        if total:
            return gr.Markdown("", visible=False)
        job = ctx.jobs.current
        if running is None and job is not None and not job.done:
            running = job.progress.describe() if job.progress is not None else "Starting…"
        read = ". The images appear here as they are read."
        note = running.rstrip("….") + read if running else NO_IMAGES
        return gr.Markdown(literal(note), visible=True)

    def overview():
        """The stats, the problems, the folders and the model: the Library beside its
        gallery. Counting them scans the catalog (~0.15 s at 100,000 images), so they are kept
        until the next commit."""
        library = ctx.library
        with ctx.catalog() as catalog:
            stats = library.status(catalog)
            errors, warnings = library.commits.cached(
                "problems", lambda: (details.errors(catalog, 200), details.warnings(catalog, 200))
            )
        folders = [root["path"] for root in stats["roots"]]
        model = () if tab.model_status is None else (model_settings.describe(ctx),)
        return (
            stats_markdown(stats),
            errors_markdown(errors, warnings),
            gr.Dropdown(choices=folders, value=folders[0] if folders else None),
            *model,
        )

    def show_page(page: int):
        """The gallery and the stats: after indexing or forgetting a folder."""
        return (*turn_page(page), *overview())

    def run_index(folders: list[str]):
        job = start_indexing(ctx, folders)
        if job is None:
            yield ("Indexing is already running; wait for it or press Cancel.", *settled())
            return
        yield from follow(job)

    def follow(job: BackgroundJob):
        """The run's progress; on each commit (FOLLOW_EVERY seconds apart at most) the stats
        again, and page 1 of the gallery while it was empty, so the counts follow the run."""
        commits = ctx.library.commits
        seen, refreshed = commits.stamp(), time.monotonic()
        empty = not turn_page(1)[1]
        for text in job.updates(lambda progress: progress.describe()):
            stamp = commits.stamp()
            if stamp != seen and time.monotonic() - refreshed >= FOLLOW_EVERY:
                seen, refreshed = stamp, time.monotonic()
                page = turn_page(1) if empty else [gr.skip()] * len(gallery_outputs)
                empty = empty and not page[1]
                yield (text, *page, *overview())
            elif empty:
                still = [gr.skip()] * (len(gallery_outputs) - 1)
                yield (text, *still, empty_note(0, text), *[gr.skip()] * len(overview_outputs))
            else:
                yield (text, *[gr.skip()] * len(page_outputs))
        if job.error is not None:
            yield (job.failure("Indexing"), *settled())
            return
        yield (summary_markdown(job.summary), *settled())

    def settled():
        """The stats once a run ends. The gallery is left to the event's .then(turn_page):
        read then, the page is the one the user is on now, not when the run started."""
        return (*[gr.skip()] * len(gallery_outputs), *overview())

    no_question = (gr.Group(visible=False), gr.skip(), None)

    def add_folder(folder: str):
        """Index the folder, or first ask about one outside the home and the library's
        folders (scan.outside_home_and_roots, the rule the API refuses by)."""
        folder = (folder or "").strip()
        if not folder:
            yield ("Type or paste the path of a folder first.", *skip_page, *no_question)
            return
        try:
            root = resolve_root(folder)
        except PictorError as exc:
            yield (literal(exc), *skip_page, *no_question)
            return
        with ctx.catalog() as catalog:
            real = outside_home_and_roots(root, catalog.roots())
        if real is None:
            yield from index_anyway(root)
            return
        question = f"{real} is outside your home folder and your library folders. Index it anyway?"
        yield ("", *skip_page, gr.Group(visible=True), literal(question), root)

    def index_anyway(root: str | None):
        """Index root (add_folder's question answered "Index it"), the question hidden."""
        if not root:
            yield (gr.skip(), *skip_page, *no_question)
            return
        for update in run_index([root]):
            yield (*update, *no_question)

    def reindex_all():
        with ctx.catalog() as catalog:
            roots = catalog.roots()
        if not roots:
            yield ("No folders yet: add one first.", *[gr.skip()] * len(page_outputs))
            return
        yield from run_index(roots)

    def reindex_root(folder: str | None):
        if not folder:
            yield ("Choose a library folder first.", *[gr.skip()] * len(page_outputs))
            return
        yield from run_index([folder])

    def ask_to_forget(folder: str | None):
        if not folder:
            return gr.Group(visible=False), ""
        preview = ctx.library.forget_folder(folder, dry_run=True)
        return gr.Group(visible=True), literal(forget_sentence(preview, False) + " Forget it?")

    def forget_folder(folder: str | None):
        hidden = gr.Group(visible=False)
        if not folder:
            return (hidden, "Choose a library folder first.", *[gr.skip()] * len(page_outputs))
        report = ctx.library.forget_folder(folder)
        return (hidden, literal(forget_sentence(report, True)), *show_page(1))

    def cancel():
        return ctx.jobs.cancel(
            "Nothing is being indexed.", "Cancelling… the work done so far is kept."
        )

    outputs = [tab.progress, *page_outputs]
    skip_page = [gr.skip()] * len(page_outputs)
    add_outputs = [*outputs, tab.add_confirm, tab.add_confirm_text, tab.add_pending]
    # Whatever draws a page of the gallery runs in one queue, in the order asked: the page
    # (a State) is read when each runs, so a refresh at the end of a run and a Next ▶ pressed
    # the moment it ends leave the user on the page Next ▶ went to, whichever came first.
    in_turn: dict[str, Any] = {"concurrency_id": "library-pages", "concurrency_limit": 1}
    # A run ends by refreshing the page the user is on (paging while it ran is kept).
    gr.on([tab.add.click, tab.folder.submit], add_folder, [tab.folder], add_outputs).then(
        turn_page, [tab.page], gallery_outputs, show_progress="hidden", **in_turn
    )
    tab.add_yes.click(index_anyway, [tab.add_pending], add_outputs).then(
        turn_page, [tab.page], gallery_outputs, show_progress="hidden", **in_turn
    )
    tab.add_no.click(
        lambda: (gr.Group(visible=False), None),
        None,
        [tab.add_confirm, tab.add_pending],
        queue=False,
    )
    tab.reindex.click(reindex_all, None, outputs).then(
        turn_page, [tab.page], gallery_outputs, show_progress="hidden", **in_turn
    )
    tab.cancel.click(cancel, None, [tab.progress], queue=False)
    tab.reindex_root.click(reindex_root, [tab.roots], outputs).then(
        turn_page, [tab.page], gallery_outputs, show_progress="hidden", **in_turn
    )
    tab.forget.click(ask_to_forget, [tab.roots], [tab.confirm, tab.confirm_text])
    tab.forget_no.click(lambda: gr.Group(visible=False), None, [tab.confirm], queue=False)
    tab.forget_yes.click(forget_folder, [tab.roots], [tab.confirm, *outputs])
    tab.prev.click(lambda page: turn_page(max(1, page - 1)), [tab.page], gallery_outputs, **in_turn)
    tab.next.click(lambda page: turn_page(page + 1), [tab.page], gallery_outputs, **in_turn)

    tab.refresh, tab.gallery_outputs = turn_page, gallery_outputs
    followed = gr.State(False)  # a page load found a run going and followed it to its end

    def follow_running():
        """The progress of an indexing run already going (`--library`), on a page load."""
        job = ctx.jobs.current
        if job is None:
            yield (*[gr.skip()] * len(outputs), False)
            return
        running = not job.done  # a run already over: its summary; the page is current
        for update in follow(job):
            yield (*update, running)

    def after_following(ran: bool, page: int):
        """The page the user is on, once a followed run ends; nothing when there was none
        (the first page is already shown: a second render would flash the gallery)."""
        return turn_page(page) if ran else tuple(gr.skip() for _ in gallery_outputs)

    # The first gallery page straight away (queue=False: no queue round trip before it),
    # then the stats, which need not hold it up; and any run in progress. The refresh after
    # it draws no loading bar over a gallery the user is looking at (the progress line says
    # what runs).
    first_page = demo.load(lambda: turn_page(1), None, gallery_outputs, queue=False)
    first_page.then(overview, None, overview_outputs, queue=False)
    following = demo.load(follow_running, None, [*outputs, followed], show_progress="hidden")
    following.then(after_following, [followed, tab.page], gallery_outputs, show_progress="hidden",
                   **in_turn)  # fmt: skip


def start_indexing(ctx: AppContext, folders: list[str]) -> BackgroundJob | None:
    """Index folders in the background (then predict); None if a run is already going.

    wait=False: a CLI run (or another app) indexing this data folder is reported at once.
    """
    library = ctx.library
    job = BackgroundJob(
        lambda report, token: index_then_predict(library, folders, report, token), "index"
    )
    return job if ctx.jobs.try_start(job) else None


def index_then_predict(library, folders: list[str], report, token):
    """Index (see Library.index), then let the active evaluator rate the new images."""
    from evaluator.service import predict_new

    summary = library.index(folders, report, token, wait=False)
    if not token.cancelled:
        predict_new(library)
    return summary


def newest_first(catalog, page: int) -> Listing:
    """The Library gallery: every image, newest first (date taken, else file mtime)."""
    request = ListRequest(sort=SortKey.taken, descending=True, page=page, page_size=PAGE_SIZE)
    return list_images(catalog, request)


def every_image(ctx: AppContext) -> tuple[list[str], str]:
    """All the library's images (a file present): "Select all results" in the Library."""
    with ctx.catalog() as catalog:
        ids = allowed_ids(catalog, Filter(), -1)
    return ids, f"all {plural(len(ids), 'image')} of the library"
