"""Assembles the five tabs and launches the server."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# Gradio phones home (usage analytics, a version check) unless told not to. Nothing of the
# user's may leave the machine, so it is off before gradio is first imported.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# gradio asks matplotlib for its backend around every event. Left to choose, matplotlib
# imports pyplot to find one: about half a second, on the first page after each start.
os.environ.setdefault("MPLBACKEND", "agg")

import gradio as gr
import httpx
from gradio import networking

from app import (
    api,
    detail,
    feedback,
    gradio_sessions,
    progress_targets,
    roles,
    selection,
    share_panel,
)
from app.context import AppContext
from app.edge_guard import LoginThrottle, guarded_app
from app.exposure import AllowedHosts, check_exposure, credentials, read_viewers, split_hosts
from app.safe_text import literal
from app.share_links import remember_public
from app.shared_album import SharedAlbumApp
from app.tabs import (
    albums,
    duplicate_selection,
    duplicates,
    events,
    filters,
    library,
    model_settings,
    people,
    people_review,
    people_selection,
    rate,
    ratings_backup,
    search,
    search_links,
    text_settings,
    timeline,
    timeline_selection,
    train,
    trash,
)
from app.tabs.library import start_indexing
from indexing.ingest.scan import resolve_root
from indexing.library import Library
from indexing.settings import Settings

STARTUP_CHECK_SECONDS = 60.0
TABS = ("Library", "Search", "Filters", "Rate", "Train")
ASSETS = Path(__file__).parent / "assets"
KEYS_JS = (ASSETS / "keys.js").read_text(encoding="utf-8")
SELECTION_JS = (ASSETS / "selection.js").read_text(encoding="utf-8")
CSS = (ASSETS / "pictor.css").read_text(encoding="utf-8")


def build_app(
    ctx: AppContext,
    exposure: str | None = None,
    log_path: Path | None = None,
    viewers: frozenset[str] = frozenset(),
) -> gr.Blocks:
    """The app; viewers: the logins that may browse and search but change nothing
    (app/roles.py)."""
    log_path = log_path or feedback.setup_log(ctx.settings.data_dir)
    gradio_sessions.install()  # a page load need not build all 500 components' configs
    with gr.Blocks(title="Pictor", analytics_enabled=False) as demo:
        title = gr.Markdown("# Pictor\nYour images, on your machine.")
        gr.Markdown(f"⚠️ **{literal(exposure)}**" if exposure else "", elem_id="exposure-warning")
        viewer_note = roles.render()
        banner = model_settings.render_banner(ctx)
        # One viewer, laid over whichever tab opens it (position: fixed), first in the page:
        # gradio finds each component it updates by a walk of the tree from the top, so the
        # viewer's 82 components, updated at each opening and each move, are found at once
        # instead of after the tabs' 830 (the browser tier: 6 % less time, docs/testing.md).
        viewer = detail.render_viewer()
        with gr.Tabs() as tabs:
            with gr.Tab("Library", id="library"):
                models = model_settings.render(ctx, banner)
                text_panel = text_settings.render(ctx)
                library_tab = library.render()
                with gr.Accordion("People", open=False, elem_id="people-view") as people_opened:
                    people_view = people.render(ctx)
                    review_view = people_review.render()
                sharing = share_panel.render()
                with gr.Accordion("Events", open=False, elem_id="events-view") as events_opened:
                    events_view = events.render()
                with gr.Accordion("Albums", open=False, elem_id="albums-view") as albums_opened:
                    albums_view = albums.render()
                gr.Markdown(
                    f"Problems and their details are logged to {literal(log_path)}.",
                    elem_id="log-path",
                )
            with gr.Tab("Search", id="search"):
                search_tab = search.render(ctx)
            with gr.Tab("Filters", id="filters") as filters_outer, gr.Tabs() as filter_tabs:
                with gr.Tab("Filter & sort", id="filter-sort"):
                    filters_tab = filters.render(ctx)
                filters_tab.container = filters_outer  # opening Filters lists the images
                with gr.Tab("Timeline", id="timeline") as timeline_opened:
                    timeline_target = filters.timeline_target(filters_tab, filter_tabs, ctx)
                    timeline_tab = timeline.render(ctx, timeline_target)
                with gr.Tab("Duplicates", id="duplicates"):
                    duplicates_tab = duplicates.render()
                with gr.Tab("Trash", id="trash") as trash_opened:
                    trash_tab = trash.render()
            with gr.Tab("Rate", id="rate") as rate_opened:
                rate_tab = rate.render(ctx)
                backup = ratings_backup.render()
            with gr.Tab("Train", id="train") as train_opened:
                train_tab = train.render()
        library_tab.model_status = models.current
        library.listen(library_tab, ctx, demo)
        search.listen(search_tab, ctx)
        filters.listen(filters_tab, ctx)
        timeline.listen(timeline_tab, ctx, timeline_opened, timeline_target)
        timeline_selection.listen(timeline_tab, ctx, timeline_target)
        trash.listen(trash_tab, ctx, trash_opened)
        people.listen(people_view, ctx, people_opened)
        people_review.listen(review_view, people_view, ctx)
        events.listen(events_view, ctx, events_opened)
        albums.listen(albums_view, ctx, albums_opened)
        rate.listen(rate_tab, ctx, tabs)
        train.listen(train_tab, ctx, train_opened)
        ratings_backup.listen(backup, ctx)
        rate.listen_handoff(
            rate_tab,
            tabs,
            search_tab.rate_these,
            [search_tab.query],
            lambda query: search_links.results_to_rate(ctx, query),
            rate.SEARCH_QUEUE,
            search_tab.status,
        )
        rate.listen_handoff(
            rate_tab, tabs, filters_tab.rate_these, filters_tab.controls,
            lambda *values: filters.filter_to_rate(ctx, *values), rate.FILTERS_QUEUE,
            filters_tab.message,
        )  # fmt: skip
        model_settings.listen(models, ctx)  # its status on load comes with the Library's page
        text_settings.listen(text_panel, ctx, demo)
        _listen_selection(ctx, library_tab, search_tab, filters_tab)
        _listen_album_selection(ctx, albums_view)
        people_selection.listen(people_view, ctx)
        library_source = detail.Source(
            "library",
            "the Library",
            library_tab.ids,
            library_tab.gallery,
            selecting=_selecting(library_tab),
        )
        search_source = detail.Source(
            "search",
            "Search",
            search_tab.ids,
            search_tab.gallery,
            search_tab.query,
            selecting=_selecting(search_tab),
        )
        filters_source = detail.Source(
            "filters",
            "Filters",
            filters_tab.ids,
            filters_tab.gallery,
            selecting=_selecting(filters_tab),
        )
        sources = [
            library_source,
            search_source,
            filters_source,
            duplicates.source(duplicates_tab),
            detail.Source(
                "people",
                "People",
                people_view.ids,
                people_view.photos,
                selecting=_selecting(people_view),
            ),
            detail.Source(
                "album",
                "the album",
                albums_view.ids,
                albums_view.photos,
                selecting=albums_view.select.mode,
            ),
        ]
        viewer_events = detail.listen(viewer, ctx, sources)
        duplicates.listen(duplicates_tab, ctx, viewer, viewer_events)
        duplicate_selection.listen(duplicates_tab, ctx)
        _listen_viewer(ctx, viewer, tabs, filter_tabs, search_tab, duplicates_tab, rate_tab)
        people.listen_viewer(people_view, ctx, viewer, tabs, people_opened)
        albums.listen_viewer(albums_view, ctx, viewer)
        share_panel.listen(sharing, ctx)
        editing = [
            rate_opened, train_opened, sharing.box, models.apply, text_panel.enabled,
            library_tab.add, library_tab.reindex, library_tab.cancel, library_tab.reindex_root,
            library_tab.forget, people_view.enabled, people_view.rename, people_view.merge,
            people_view.hide, people_view.write_xmp, people_view.move, people_view.not_this,
            viewer.panel.people.name, viewer.panel.people.save_name,
            viewer.panel.people.not_this, trash_tab.restore, trash_tab.restore_all, trash_tab.empty,
            viewer.panel.score, viewer.panel.save, viewer.panel.clear, viewer.panel.viewer.trash,
            viewer.panel.viewer.rate_similar,
            *review_view.answers, *([people_view.who] if people_view.who else []),
            *(tab.select.mode for tab in (library_tab, search_tab, filters_tab, people_view,
                                         albums_view) if tab.select is not None),
            *(tab.select.mode for tab in (timeline_tab, duplicates_tab) if tab.select),
            albums_view.new_name, albums_view.create, albums_view.rename_to, albums_view.rename,
            albums_view.delete, albums_view.order, albums_view.new_folder, albums_view.to_start,
            albums_view.to_end, albums_view.drop_folder, albums_view.rename_folder,
            viewer.panel.organise.earlier,
            viewer.panel.organise.later,
            events_view.name, events_view.accept,
            events_view.dismiss, events_view.export_album, events_view.export_to,
            events_view.export_zip, events_view.export,
            *([filters_tab.smart.name, filters_tab.smart.save] if filters_tab.smart else []),
        ]  # fmt: skip
        roles.listen(demo, viewer_note, editing, viewers)  # hidden from a viewer
    api.add_to(demo, ctx)
    progress_targets.narrow(demo, title)  # spinners only where they can show
    roles.guard(demo, viewers)  # before guard_all: a viewer's refusal is its own sentence
    roles.guard_calls(demo, viewers)
    feedback.guard_all(demo, log_path)
    return demo


def _selecting(tab) -> gr.Checkbox | None:
    """A tab's selection switch: while on, a click in its gallery selects, not opens."""
    return tab.select.mode if tab.select is not None else None


def _listen_selection(ctx, library_tab, search_tab, filters_tab) -> None:
    """Select many in the Library, Search and Filters galleries (app/selection.py): how
    each lists all its results, and redraws its page after an action."""
    selection.listen(library_tab.select, ctx, selection.Wiring(
        library_tab.gallery, library_tab.ids, lambda: library.every_image(ctx), [],
        library_tab.refresh, [library_tab.page], library_tab.gallery_outputs,
    ))  # fmt: skip

    def search_again(current):
        return search.run_search(ctx, current) if current else search.failed(search.HINT)

    selection.listen(search_tab.select, ctx, selection.Wiring(
        search_tab.gallery, search_tab.ids, lambda q: search_links.every_result(ctx, q),
        [search_tab.query], search_again, [search_tab.query], search.outputs(search_tab),
        scope=[search_tab.query], scope_key=search_links.results_key,
    ))  # fmt: skip
    selection.listen(filters_tab.select, ctx, selection.Wiring(
        filters_tab.gallery, filters_tab.ids,
        lambda applied: filters.every_match(ctx, *filters.shown_values(applied)),
        [filters_tab.applied], filters_tab.refresh, [filters_tab.page, *filters_tab.controls],
        filters_tab.page_outputs, scope=[filters_tab.applied], scope_changes=True,
    ))  # fmt: skip


def _listen_album_selection(ctx, view) -> None:
    """Select many in an album's photos: also Remove from this album and Set as cover."""
    redraw, inputs, outputs = view.refresh_album
    selection.listen(view.select, ctx, selection.Wiring(
        view.photos, view.ids, lambda path: albums.every_photo(ctx, path), [view.album],
        redraw, inputs, outputs, album=view.album, scope=[view.album], scope_changes=True,
    ))  # fmt: skip


def _listen_viewer(ctx, viewer, tabs, filter_tabs, search_tab, duplicates_tab, rate_tab) -> None:
    """The viewer's cross-tab actions (Find similar, Show its duplicates, Rate similar
    images: each closes it and opens its tab), and the Rate tab's own Find similar, Show its
    duplicates and Details (the viewer, on the image being rated)."""
    v, selected = viewer.panel.viewer, viewer.selected
    search_links.listen_find_similar(search_tab, ctx, v.similar, selected, tabs, viewer)
    duplicates.listen_show_duplicates(
        duplicates_tab, ctx, v.duplicates, selected, tabs, filter_tabs, viewer.box
    )
    rate.listen_handoff(
        rate_tab, tabs, v.rate_similar, [selected],
        lambda cid: search_links.similar_to_rate(ctx, cid), rate.SIMILAR_QUEUE,
        viewer.panel.message, viewer.box,
    )  # fmt: skip
    search_links.listen_find_similar(search_tab, ctx, rate_tab.similar, rate_tab.current, tabs)
    duplicates.listen_show_duplicates(
        duplicates_tab, ctx, rate_tab.duplicates, rate_tab.current, tabs, filter_tabs
    )
    rated = detail.Source("rate", "the Rate tab", None)
    rate_tab.details.click(
        lambda cid: detail.opened(ctx, rated, [cid] if cid else [], cid),
        [rate_tab.current],
        viewer.open_outputs,
    )


def launch_ui(
    settings: Settings,
    *,
    block: bool = True,
    folders: Sequence[str] = (),
    login_throttle: LoginThrottle | None = None,
    library: Library | None = None,
) -> gr.Blocks:
    """Check what the server would expose, then build and start it; folders (--library)
    are added and indexed in the background as it starts. Every request passes
    app/edge_guard.py's checks (login_throttle: its count of wrong passwords, for tests).
    library: the one launch.py built on these settings (else the app makes its own).

    Refusals (--share without a password, a bad --auth, a folder that is not there) happen
    before anything starts or touches the network.
    """
    logins = credentials(settings.auth, settings.auth_file, warn=_warn)
    exposure = check_exposure(settings.host, settings.port, settings.share, logins)
    roots = [resolve_root(folder) for folder in folders]
    if exposure:
        _warn(exposure)
    allowed = AllowedHosts.for_server(
        settings.host, settings.share, split_hosts(settings.allowed_hosts)
    )
    # Thumbnails and previews are written once per content id and never changed, so gradio
    # serves them from where they are instead of hashing and copying each into its cache
    # every time a gallery shows it.
    gr.set_static_paths([settings.thumbs_dir, settings.previews_dir])
    ctx = AppContext.create(settings, library)
    if roots:
        start_indexing(ctx, list(dict.fromkeys(roots)))
    demo = build_app(ctx, exposure, viewers=read_viewers(settings.auth_file))
    demo.queue(default_concurrency_limit=4)
    networking.url_ok = _patient_url_ok
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=settings.share,
        auth=logins or None,
        allowed_paths=[
            str(settings.thumbs_dir),
            str(settings.previews_dir),
            str(settings.data_dir / "exports"),  # the Rate tab's ratings exports
        ],
        prevent_thread_lock=True,  # blocked below, once the public link is noted
        show_error=True,
        theme=gr.themes.Soft(),
        css=CSS,
        head=f"<script>{KEYS_JS}</script><script>{SELECTION_JS}</script>",
        _app=guarded_app(
            allowed,
            login_required=bool(logins),
            throttle=login_throttle,
            guest=SharedAlbumApp(ctx),
        ),
    )
    # The public link, for `album share` to print while the app runs.
    remember_public(settings.data_dir, demo.share_url if settings.share else None)
    if block:
        try:
            demo.block_thread()
        finally:
            remember_public(settings.data_dir, None)
    return demo


def _patient_url_ok(url: str) -> bool:
    """gradio's check, as it starts, that the server answers, given time. Its own gives up
    on the first request slower than 3 s (the first page, built on a busy 2-core machine)
    and then refuses to start."""
    deadline = time.monotonic() + STARTUP_CHECK_SECONDS
    while True:
        try:
            answer = httpx.head(url, timeout=10, verify=False)
            return answer.status_code in (200, 401, 301, 302, 303, 307, 308)
        except (ConnectionError, httpx.ConnectError, httpx.TimeoutException):
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)
