"""The Search tab: by meaning (CLIP: text, an image, or both, minus negative terms), by
names and metadata (full text: file names, folders, prompts, camera, places, subjects), or
both at once (metadata matches first, then semantic ones, each marked); facet pickers narrow
every mode. Results come best match first, or by date (newest or oldest first).

The boxes always show the query that runs: Find similar (app/tabs/search_links.py) puts the
chosen image in the upload box (a copy of its thumbnail, named after its file) and clears
what does not belong to it, and pressing Search again runs the same query (by the library
image's stored vector, while the box still holds that copy). Controls a mode does not use
are hidden in it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from app import facet_panel, selection
from app.components import finite, thumbnails
from app.context import AppContext
from app.detail_panel import video_poster
from app.safe_text import code, literal
from indexing.curate.smart_albums import resolve_smart_album
from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.metadata_search import FindResults, find
from indexing.query.result_order import ResultOrder
from indexing.query.search import (
    NEGATIVE_WEIGHT,
    Searcher,
    SearchQuery,
    SearchResults,
    parse_negative,
)
from indexing.records import timecode

PAGE_SIZE = 24
HINT = "Type what you are looking for, add an image, or both, then press Search."
SEMANTIC, METADATA, BOTH = "By meaning (CLIP)", "Names and metadata", "Both"
MODES = (SEMANTIC, METADATA, BOTH)
# The order control's choices, as the Search tab shows them.
ORDERS = {
    "Best match": ResultOrder.score,
    "Newest first": ResultOrder.newest,
    "Oldest first": ResultOrder.oldest,
}
BEST_MATCH = "Best match"
SIMILAR_HEADING = "**Similar to the image you chose.**"
MODE_INFO = (
    "Names and metadata: file names, folders, AI prompts, camera, places, subjects and "
    'the text read in images; "a phrase", prefix*, field:word (name, folder, prompt, '
    "camera, place, subject, text), -word."
)


@dataclass(frozen=True)
class SearchState:
    """What the gallery shows: the mode and the query (its page included), and where each
    video among the results matched (content id -> seconds; the viewer plays from there)."""

    mode: str
    search: SearchQuery
    moments: dict[str, float] = field(default_factory=dict)


@dataclass
class SearchTab:
    text: gr.Textbox
    image: gr.File
    negative: gr.Textbox
    weight: gr.Slider
    min_score: gr.Slider
    taste: gr.Slider
    folder: gr.Textbox
    min_width: gr.Number
    run: gr.Button
    rate_these: gr.Button
    status: gr.Markdown
    prev: gr.Button
    next: gr.Button
    page_label: gr.Markdown
    gallery: gr.Gallery
    query: gr.State  # the SearchState the gallery shows
    ids: gr.State  # content ids of the gallery, in order
    mode: gr.Radio
    facets: facet_panel.FacetPanel
    order: gr.Radio
    similar: gr.State  # {"content_id", "name"}: the library image Find similar put in the box
    select: selection.SelectionBar | None = None  # select many in the gallery

    @property
    def semantic_controls(self) -> list:
        """What only a search by meaning uses: hidden in the Names and metadata mode."""
        return [self.image, self.negative, self.weight, self.order, self.min_score, self.taste]


def render(ctx: AppContext) -> SearchTab:
    with gr.Row(equal_height=True):
        text = gr.Textbox(
            label="Search", placeholder="a red car at night", scale=5, elem_id="search-text"
        )
        run = gr.Button("Search", variant="primary", scale=1, elem_id="search-run")
        rate_these = gr.Button("Rate these", scale=1, elem_id="search-rate-these")
    mode = gr.Radio(list(MODES), value=SEMANTIC, label="Search", info=MODE_INFO,
                    elem_id="search-mode")  # fmt: skip
    with gr.Row():
        image = gr.File(
            label="Image (optional): find similar. A clip or GIF: find its video",
            file_types=["image", "video"],
            type="filepath",
            height=120,
            elem_id="search-image",
        )
        with gr.Column():
            negative = gr.Textbox(
                label="Not",
                placeholder="not: blurry, text",
                info=f"Comma-separated; each pulls the query away (weight {NEGATIVE_WEIGHT}).",
                elem_id="search-not",
            )
            weight = gr.Slider(
                0, 1, value=0.5, step=0.05, label="Text ◀ weight ▶ image", elem_id="search-weight"
            )
            order = gr.Radio(
                list(ORDERS), value=BEST_MATCH, label="Sort the matches",
                info="By date: taken, else the file's; undated last.", elem_id="search-order",
            )  # fmt: skip
            min_score = gr.Slider(
                -1, 1, value=-1, step=0.01, label="Minimum similarity", elem_id="search-min"
            )
            taste = gr.Slider(
                0,
                1,
                value=0,
                step=0.05,
                label="Taste: favour the ones you would like (your rating, else the prediction)",
                elem_id="search-taste",
            )
    with gr.Accordion("Only search within", open=False), gr.Row():
        folder = gr.Textbox(
            label="Folder", placeholder="/home/you/Pictures/2024", elem_id="search-folder"
        )
        min_width = gr.Number(label="Minimum width (px)", precision=0, elem_id="search-min-width")
    with gr.Accordion("Facets (counts follow the search)", open=False):
        facets = facet_panel.render("search")
    status = gr.Markdown(HINT, elem_id="search-status")
    with gr.Row(equal_height=True):
        prev = gr.Button("◀ Better", size="sm", elem_id="search-prev")
        page_label = gr.Markdown("", elem_id="search-page")
        next_ = gr.Button("More ▶", size="sm", elem_id="search-next")
    select = selection.render("search")
    gallery = thumbnails(
        label=gallery_label(ResultOrder.score),
        columns=6,
        height="auto",
        allow_preview=False,
        object_fit="cover",
        elem_id="search-gallery",
    )
    return SearchTab(
        text,
        image,
        negative,
        weight,
        min_score,
        taste,
        folder,
        min_width,
        run,
        rate_these,
        status,
        prev,
        next_,
        page_label,
        gallery,
        gr.State(None),
        gr.State([]),
        mode,
        facets,
        order,
        gr.State(None),
        select=select,
    )


def outputs(tab: SearchTab) -> list:
    return [tab.gallery, tab.ids, tab.query, tab.page_label, tab.status, *tab.facets.outputs]


def failed(message: str) -> tuple:
    return ([], [], None, "", message, *facet_panel.updates(None))


def run_search(ctx: AppContext, search: SearchQuery | SearchState, heading: str = "") -> tuple:
    """Gallery, ids, state, page label, status and facet counts for one page (or why not)."""
    state = search if isinstance(search, SearchState) else SearchState(SEMANTIC, search)
    query = state.search
    picked_album = query.filter.album
    items: list[tuple[str, str]] = []
    ids: list[str] = []
    moments: dict[str, float] = {}
    lines = [heading] if heading else []
    more = False
    try:
        query = resolved_search(ctx, query)  # the state keeps a smart album's name
        if state.mode == METADATA or (state.mode == BOTH and query.text):
            if not query.text:
                raise PictorError("Type words to look for in names, prompts, cameras or places.")
            found = find_by_metadata(ctx, query)
            for item in found.items:
                items.append(
                    (str(ctx.library.thumbs.path_for(item.content_id)), _found_caption(item))
                )
                ids.append(item.content_id)
            lines.append(_find_status(found, state.mode))
            more = found.matching > query.page * query.top
        if state.mode == SEMANTIC or (
            state.mode == BOTH and (query.text or query.image_path or query.image_content_id)
        ):
            results = Searcher.for_library(ctx.library).search(query)
            shown = set(ids)
            for hit in results.hits:
                if hit.content_id in shown:
                    continue
                caption = f"{hit.score:.3f}" if state.mode == SEMANTIC else f"≈ {hit.score:.3f}"
                if query.order.by_date:
                    caption += f" · {hit.day or 'no date'}"
                picture = str(ctx.library.thumbs.path_for(hit.content_id))
                if hit.moment is not None:  # a video: the frame of the moment found
                    moments[hit.content_id] = hit.moment.time
                    caption += f" · ▶ {timecode(hit.moment.time)}"
                    picture = video_poster(ctx, hit.content_id, hit.moment.time) or picture
                items.append((picture, caption))
                ids.append(hit.content_id)
            lines.append(status_text(results, ""))
            more = more or results.has_more
    except PictorError as exc:
        if not items:
            return failed(f"⚠️ {literal(exc)}")
        lines.append(f"⚠️ {literal(exc)}")
    counts = _facet_counts(ctx, replace(state, search=query), picked_album)
    label = f"Page {query.page}" + (", more follow" if more else "")
    state = replace(state, moments=moments)
    gallery = gr.update(value=items, label=gallery_label(query.order))
    return (gallery, ids, state, label, "  \n".join(lines), *counts)


def resolved_search(ctx: AppContext, query: SearchQuery) -> SearchQuery:
    """query with a smart album picked replaced by what that album holds now."""
    return replace(query, filter=resolve_smart_album(ctx.library, query.filter))


def gallery_label(order: ResultOrder) -> str:
    """The gallery's label says the order the results are in."""
    if order.by_date:
        return f"Results, {'newest' if order is ResultOrder.newest else 'oldest'} first"
    return "Results, best first"


def find_by_metadata(ctx: AppContext, query: SearchQuery) -> FindResults:
    with ctx.catalog() as catalog:
        return find(
            catalog, query.text, _metadata_filter(query.filter), page=query.page,
            page_size=query.top,
        )  # fmt: skip


def _metadata_filter(flt: Filter) -> Filter:
    """The filter without the CLIP categories (full text does not use CLIP)."""
    return flt.model_copy(update={"exclude_text": (), "only_text": ()})


def _found_caption(item) -> str:
    """'name: invoice · prompt: fox' — which fields matched."""
    return "📝 " + " · ".join(f"{m.field}: {', '.join(m.words)}" for m in item.matched)


def _find_status(found: FindResults, mode: str) -> str:
    more = "more than " if found.more_than else ""
    text = f"{more}{found.matching:,} match the names and metadata"
    if mode == BOTH:
        text += " (📝, first); then similar by meaning (≈ similarity)"
    return text + "."


def _facet_counts(ctx: AppContext, state: SearchState, album: str | None = None) -> list:
    query = state.search.text if state.mode in (METADATA, BOTH) and state.search.text else None
    return facet_panel.counts(ctx, _metadata_filter(state.search.filter), query, album)


def page_label(results: SearchResults) -> str:
    more = ", more follow" if results.has_more else ""
    return f"Page {results.query.page}{more}"


def status_text(results: SearchResults, heading: str) -> str:
    count = len(results.hits)
    if count == 0:
        text = "No results on this page."
        if results.query.min_score > -1:
            text += " Lower the minimum similarity to see more."
    else:
        scores = [hit.score for hit in results.hits]
        text = f"{count} results, similarity {max(scores):.3f} to {min(scores):.3f}"
        order = results.query.order
        if order.by_date:
            text += f", {'newest' if order is ResultOrder.newest else 'oldest'} first"
        text += f" ({code(results.model)})."
    lines = [heading] if heading else []
    lines.append(text)
    lines += [f"ℹ️ {literal(note)}" for note in results.notes]
    return "  \n".join(lines)


def inputs(tab: SearchTab) -> list:
    """What search_shown reads, in its order."""
    return [
        tab.text,
        tab.image,
        tab.similar,
        tab.negative,
        tab.weight,
        tab.min_score,
        tab.taste,
        tab.order,
        tab.folder,
        tab.min_width,
        tab.mode,
        *tab.facets.pickers,
    ]


def search_shown(
    ctx: AppContext,
    text: str,
    image: str | None,
    similar: dict[str, Any] | None,
    negative: str,
    weight: float,
    min_score: float,
    taste: float,
    order: str,
    folder: str,
    min_width: float | None,
    mode: str,
    *pickers: str,
) -> tuple:
    """The search the boxes show, run (the Search button, Enter, a facet, Find similar)."""
    try:
        width = finite(min_width, "Minimum width")
        where = Filter.parse(
            folder=(folder or "").strip() or None,
            min_width=int(width) if width else None,
            **facet_panel.filter_values(list(pickers)),
        )
    except PictorError as exc:
        return failed(f"⚠️ {literal(exc)}")
    from_library = _similar_id(image, similar)
    built = SearchQuery(
        filter=where,
        text=(text or "").strip(),
        image_path=None if from_library else image or None,
        image_content_id=from_library,
        negative=parse_negative(negative or ""),
        image_weight=float(weight),
        min_score=float(min_score),
        taste=float(taste or 0),
        order=ORDERS.get(order, ResultOrder.score),
        top=PAGE_SIZE,
    )
    heading = SIMILAR_HEADING if from_library and not built.text else ""
    return run_search(ctx, SearchState(mode if mode in MODES else SEMANTIC, built), heading)


def _similar_id(image: str | None, similar: dict[str, Any] | None) -> str | None:
    """The library image Find similar chose, while the upload box still holds its copy."""
    if not similar:
        return None
    if image is None:  # it had no thumbnail to show
        return similar["content_id"] if similar["name"] is None else None
    return similar["content_id"] if Path(image).name == similar["name"] else None


def listen(tab: SearchTab, ctx: AppContext) -> None:
    def turn(current: SearchState | None, step: int):
        if current is None:
            return failed(HINT)
        page = max(1, current.search.page + step)
        return run_search(ctx, replace(current, search=replace(current.search, page=page)))

    triggers = [tab.run.click, tab.text.submit, *(p.input for p in tab.facets.pickers)]
    # One event (see app/key_button.py); a facet picked while a search runs is searched
    # after it (always_last), not dropped.
    gr.on(
        triggers, lambda *shown: search_shown(ctx, *shown), inputs(tab), outputs(tab),
        trigger_mode="always_last",
    )  # fmt: skip
    tab.prev.click(lambda current: turn(current, -1), [tab.query], outputs(tab))
    tab.next.click(lambda current: turn(current, 1), [tab.query], outputs(tab))
    # A file uploaded, or the box cleared, by hand: no longer Find similar's image.
    gr.on([tab.image.upload, tab.image.clear], lambda: None, None, [tab.similar])
    tab.mode.change(
        lambda mode: [gr.update(visible=mode != METADATA) for _ in tab.semantic_controls],
        [tab.mode], tab.semantic_controls,
    )  # fmt: skip
