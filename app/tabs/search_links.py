"""What links the Search tab with the others: Find similar (from the viewer, the Rate tab:
the Search tab, searching by that image), and the hand-offs to the Rate tab (the current
search's best results; an image's look-alikes, the viewer's "Rate similar images")."""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import gradio as gr

from app import detail, facet_panel
from app.context import AppContext
from app.tabs.search import (
    BEST_MATCH,
    BOTH,
    METADATA,
    SEMANTIC,
    SearchState,
    SearchTab,
    failed,
    find_by_metadata,
    outputs,
    resolved_search,
    search_shown,
)
from indexing.errors import PictorError
from indexing.query.ranking import present_paths
from indexing.query.search import Searcher, SearchQuery


def similar_outputs(tab: SearchTab) -> list:
    """What Find similar sets: the boxes of its query, then what a search shows."""
    boxes = [tab.text, tab.image, tab.similar, tab.negative, tab.min_score, tab.taste]
    return [*boxes, tab.order, tab.folder, tab.min_width, tab.mode, *outputs(tab)]


def similar_to(ctx: AppContext, content_id: str | None, min_score: float = -1.0) -> tuple:
    """Find similar: the boxes set to a search by one library image (its stored vector; no
    text, terms, taste or filters), and that search run, as pressing Search would run it."""
    if not content_id:
        unchanged = [gr.update() for _ in range(10)]
        return (*unchanged, *failed("Click an image first, then Find similar."))
    shown = _query_copy(ctx, content_id)
    similar = {"content_id": content_id, "name": Path(shown).name if shown else None}
    minimum = float(min_score)
    boxes = ("", shown, similar, "", minimum, 0.0, BEST_MATCH, "", None, SEMANTIC)
    anything = [facet_panel.ANY] * len(facet_panel.PICKERS)
    found = search_shown(ctx, "", shown, similar, "", 0.5, minimum, 0.0, BEST_MATCH, "", None,
                         SEMANTIC, *anything)  # fmt: skip
    return (*boxes, *found)


def _query_copy(ctx: AppContext, content_id: str) -> str | None:
    """A copy of the image's thumbnail named after its file ("photo 0.jpg" -> "photo 0.jpg",
    a video's poster "clip.mp4" -> "clip.jpg"), for the upload box to show; None without a
    thumbnail. In a private temporary folder of this process."""
    thumb = ctx.library.thumbs.path_for(content_id)
    if not thumb.is_file():
        return None
    with ctx.catalog() as catalog:
        paths = present_paths(catalog, [content_id]).get(content_id, [])
    stem = Path(paths[0]).stem if paths else content_id[:12]
    target = _copies() / content_id / f"{stem}{thumb.suffix}"
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(thumb, target)
    return str(target)


@functools.cache
def _copies() -> Path:
    return Path(tempfile.mkdtemp(prefix="pictor-query-"))  # mode 0700: only this user


def listen_find_similar(
    tab: SearchTab,
    ctx: AppContext,
    button: gr.Button,
    content_id: gr.State,
    tabs: gr.Tabs,
    viewer: detail.Viewer | None = None,
) -> None:
    """A "Find similar": this tab, searching by that image. From the viewer it closes the
    viewer, and a viewer opened on this tab's results keeps its minimum similarity."""
    if viewer is None:
        button.click(
            lambda cid: (gr.Tabs(selected="search"), *similar_to(ctx, cid)),
            [content_id],
            [tabs, *similar_outputs(tab)],
        )
        return

    def from_viewer(cid: str | None, shown: detail.Shown | None, minimum: float):
        here = shown is not None and shown.source == "search"
        found = similar_to(ctx, cid, minimum if here else -1.0)
        return (gr.Tabs(selected="search"), detail.closed(), *found)

    button.click(
        from_viewer, [content_id, viewer.listed, tab.min_score],
        [tabs, viewer.box, *similar_outputs(tab)],
    )  # fmt: skip


RATE_THESE_TOP = 500  # the best this many results of the current search become the queue


def results_to_rate(ctx: AppContext, current: SearchState | None) -> tuple[str, list[str]]:
    """The Search tab's hand-off to the Rate tab: the current search's best results."""
    if current is None:
        raise PictorError("Search first, then press Rate these.")
    top = replace(resolved_search(ctx, current.search), top=RATE_THESE_TOP, page=1)
    ids: list[str] = []
    if current.mode in (METADATA, BOTH):
        ids += [item.content_id for item in find_by_metadata(ctx, top).items]
    if current.mode in (SEMANTIC, BOTH):
        hits = Searcher.for_library(ctx.library).search(top).hits
        ids += [hit.content_id for hit in hits if hit.content_id not in set(ids)]
    if not ids:
        raise PictorError("This search has no results to rate.")
    return "ids", ids[:RATE_THESE_TOP]


def results_key(current: SearchState | None) -> str:
    """Which results a search shows, whatever its page (a selection lasts while it does)."""
    return "" if current is None else repr((current.mode, replace(current.search, page=1)))


SELECT_ALL_TOP = 1000  # "Select all results" of a search by meaning: its best this many
SELECT_ALL_FOUND = 100_000  # and of a search by names: up to this many matches


def every_result(ctx: AppContext, current: SearchState | None) -> tuple[list[str], str]:
    """Every result of the current search, for "Select all results": all the names and
    metadata matches (up to SELECT_ALL_FOUND), then the best SELECT_ALL_TOP by meaning."""
    if current is None:
        raise PictorError("Search first, then select all its results.")
    ids: dict[str, None] = {}
    query = resolved_search(ctx, current.search)
    if current.mode in (METADATA, BOTH) and query.text:
        page, size = 1, 1000
        while len(ids) < SELECT_ALL_FOUND:
            found = find_by_metadata(ctx, replace(query, top=size, page=page))
            ids.update(dict.fromkeys(item.content_id for item in found.items))
            if len(found.items) < size:
                break
            page += 1
    if current.mode == SEMANTIC or (
        current.mode == BOTH and (query.text or query.image_path or query.image_content_id)
    ):
        hits = (
            Searcher.for_library(ctx.library)
            .search(replace(query, top=SELECT_ALL_TOP, page=1))
            .hits
        )
        ids.update(dict.fromkeys(hit.content_id for hit in hits))
    if not ids:
        raise PictorError("This search has no results to select.")
    return list(ids), f"all {len(ids):,} results of this search"


def similar_to_rate(ctx: AppContext, content_id: str | None) -> tuple[str, list[str]]:
    """The viewer's "Rate similar images": the images most like this one (not itself), as a
    queue."""
    if not content_id:
        raise PictorError("Click an image first, then Rate similar images.")
    query = SearchQuery(image_content_id=content_id, top=RATE_THESE_TOP)
    hits = Searcher.for_library(ctx.library).search(query).hits
    return "ids", [hit.content_id for hit in hits]
