"""The Filters tab: sort and filter the whole library, page through it, inspect an image.

Callbacks only turn widget values into a ListRequest and a Listing into widget values; the
query itself is indexing.query.listing, the same one `launch.py list` prints.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.context import Context

from app import facet_panel, selection
from app.components import finite, format_bytes, thumbnails
from app.context import AppContext
from app.safe_text import literal
from app.tabs import smart_album_row
from app.tabs.timeline import Target
from indexing.curate.smart_albums import resolve_smart_album
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.filters import KNOWN_FORMATS, VIDEO_FORMATS, Filter, SortKey
from indexing.query.listing import MAX_PAGE_SIZE, Listing, ListRequest, list_library
from indexing.query.ranking import allowed_ids
from indexing.records import timecode

PAGE_SIZE = 60
MB = 1_000_000
SORT_LABELS = {
    "Date taken": SortKey.taken,
    "Date added": SortKey.added,
    "Resolution (pixels)": SortKey.resolution,
    "Width": SortKey.width,
    "Height": SortKey.height,
    "Proportion (tall → wide)": SortKey.proportion,
    "File size": SortKey.size,
    "Name": SortKey.name,
    "Rating (yours, else predicted)": SortKey.rating,
    "Random": SortKey.random,
}
RATED = {"Any": None, "Rated by you": True, "Not rated by you": False}
# (label, Filter field of the minimum, of the maximum, factor from the widget to the field)
RANGES = (
    ("Width (px)", "min_width", "max_width", 1),
    ("Height (px)", "min_height", "max_height", 1),
    ("Megapixels", "min_pixels", "max_pixels", MB),
    ("Proportion (width / height)", "min_aspect", "max_aspect", None),
    ("File size (MB)", "min_bytes", "max_bytes", MB),
    ("Rating (0–10)", "min_rating", "max_rating", None),
    ("Duration (s, videos)", "min_duration", "max_duration", None),
)
KINDS = {"Images and videos": None, "Images": "image", "Videos": "video"}


@dataclass
class FiltersTab:
    container: Any
    sort: gr.Dropdown
    descending: gr.Checkbox
    ranges: list[gr.Number]
    taken_from: gr.Textbox
    taken_to: gr.Textbox
    formats: gr.CheckboxGroup
    folder: gr.Textbox
    rated: gr.Radio
    kind: gr.Radio
    exclude_text: gr.Textbox
    only_text: gr.Textbox
    sensitivity: gr.Slider
    seed: gr.Number
    reshuffle: gr.Button
    rate_these: gr.Button
    apply: gr.Button
    clear: gr.Button
    message: gr.Markdown
    count: gr.Markdown
    prev: gr.Button
    next: gr.Button
    page: gr.State
    ids: gr.State
    gallery: gr.Gallery
    facets: facet_panel.FacetPanel
    refresh: Any = None  # set by listen: (page, *control values) -> page outputs
    page_outputs: list[Any] | None = None
    select: selection.SelectionBar | None = None  # select many in the gallery
    smart: smart_album_row.SmartAlbumRow | None = None  # save these filters as a smart album
    applied: gr.State | None = None  # the control values of the results shown (not as typed)

    @property
    def controls(self) -> list[Any]:
        return [
            self.sort,
            self.descending,
            *self.ranges,
            self.taken_from,
            self.taken_to,
            self.formats,
            self.folder,
            self.rated,
            self.kind,
            self.exclude_text,
            self.only_text,
            self.sensitivity,
            self.seed,
            *self.facets.pickers,
        ]


def render(ctx: AppContext) -> FiltersTab:
    container = Context.block  # the Filters tab: opening it lists the images
    with gr.Row(equal_height=True):
        sort = gr.Dropdown(
            list(SORT_LABELS), value="Date taken", label="Sort by", scale=3, elem_id="filters-sort"
        )
        descending = gr.Checkbox(
            value=True, label="Descending (newest, largest, widest first)", elem_id="filters-desc"
        )
        seed = gr.Number(value=0, precision=0, label="Random seed", scale=1, elem_id="filters-seed")
        reshuffle = gr.Button("Reshuffle", scale=1, elem_id="filters-reshuffle")
        apply = gr.Button("Apply filters", variant="primary", scale=1, elem_id="filters-apply")
        clear = gr.Button("Clear filters", scale=1, elem_id="filters-clear")
        rate_these = gr.Button("Rate these", scale=1, elem_id="filters-rate-these")
    with gr.Accordion("Facets: what the library holds (counts follow the filters)", open=True):
        facets_panel = facet_panel.render("filters")
    with gr.Accordion("Filters (a limit of 0 or empty: no limit)", open=True):
        ranges: list[gr.Number] = []
        with gr.Row():
            for label, low, high, _ in RANGES:
                with gr.Column(min_width=140):
                    for bound, name in (("Min", low), ("Max", high)):
                        ranges.append(
                            gr.Number(
                                label=f"{bound} {label}",
                                placeholder="no limit",
                                elem_id=f"filters-{name}",
                            )
                        )
        with gr.Row():
            taken_from = gr.Textbox(
                label="Taken from", placeholder="YYYY-MM-DD", elem_id="filters-from"
            )
            taken_to = gr.Textbox(label="Taken to", placeholder="YYYY-MM-DD", elem_id="filters-to")
            formats = gr.CheckboxGroup(
                list(KNOWN_FORMATS + VIDEO_FORMATS), label="Formats (none: all)"
            )
            folder = gr.Textbox(
                label="Folder", placeholder="/home/you/Pictures/trip", elem_id="filters-folder"
            )
            rated = gr.Radio(list(RATED), value="Any", label="Your rating")
            kind = gr.Radio(
                list(KINDS), value="Images and videos", label="Type", elem_id="filters-kind"
            )
        with gr.Row():
            exclude_text = gr.Textbox(
                label="Hide images matching (CLIP)",
                placeholder="nsfw, screenshot, document",
                elem_id="filters-exclude-text",
            )
            only_text = gr.Textbox(
                label="Only images matching (CLIP)",
                placeholder="beach",
                elem_id="filters-only-text",
            )
            sensitivity = gr.Slider(
                0.05,
                0.95,
                value=0.5,
                step=0.05,
                label="Category sensitivity (higher matches more)",
                elem_id="filters-sensitivity",
            )
    message = gr.Markdown("", elem_id="filters-message")
    smart = smart_album_row.render()
    with gr.Row(equal_height=True):
        prev = gr.Button("◀ Previous", size="sm", elem_id="filters-prev")
        count = gr.Markdown("", elem_id="filters-count")
        next_ = gr.Button("Next ▶", size="sm", elem_id="filters-next")
    select = selection.render("filters")
    gallery = thumbnails(
        label="Images",
        columns=8,
        height="auto",
        allow_preview=False,
        object_fit="cover",
        elem_id="filters-gallery",
    )
    return FiltersTab(
        container, sort, descending, ranges, taken_from, taken_to, formats, folder, rated, kind,
        exclude_text, only_text, sensitivity, seed, reshuffle, rate_these, apply, clear, message,
        count, prev, next_, gr.State(1), gr.State([]), gallery, facets_panel, select=select,
        smart=smart, applied=gr.State(None),
    )  # fmt: skip


def resolved(ctx: AppContext, request: ListRequest) -> ListRequest:
    """request with a smart album picked replaced by what that album holds now."""
    flt = resolve_smart_album(ctx.library, request.filter)
    return request if flt is request.filter else request.model_copy(update={"filter": flt})


def request_from(page: int, values: list[Any]) -> ListRequest:
    """The ListRequest the widgets describe (values in FiltersTab.controls order)."""
    sort, descending, *rest = values
    ranges, rest = rest[: 2 * len(RANGES)], rest[2 * len(RANGES) :]
    rest, pickers = rest[:10], rest[10:]
    taken_from, taken_to, formats, folder, rated, kind, exclude, only, sensitivity, seed = rest
    chosen = facet_panel.filter_values(pickers) if pickers else {}
    bounds: dict[str, Any] = {}
    for n, (label, low, high, factor) in enumerate(RANGES):
        for bound, name, value in (("Min", low, ranges[2 * n]), ("Max", high, ranges[2 * n + 1])):
            number = finite(value, f"{bound} {label}")
            # An emptied number box arrives as 0, and 0 never limits anything: not set.
            bounds[name] = _scaled(number, factor) if number else None
    flt = Filter.parse(
        **bounds,
        taken_from=(taken_from or "").strip(),
        taken_to=(taken_to or "").strip(),
        rated=RATED.get(rated),
        kind=KINDS.get(kind),
        exclude_text=exclude,
        only_text=only,
        text_sensitivity=sensitivity,
        **{"formats": tuple(formats or ()), "folder": folder, **chosen},
    )
    return ListRequest.parse(
        filter=flt,
        sort=SORT_LABELS.get(sort, SortKey.taken),
        descending=bool(descending),
        seed=int(finite(seed, "Random seed") or 0),
        page=max(1, int(page)),
        page_size=PAGE_SIZE,
    )


def _scaled(value: float, factor: int | None) -> float | int:
    return value if factor is None else round(value * factor)


def card_caption(item) -> str:
    """'1920×1080 · 2.4 MB · 7.5 ★ yours' (or '6.8 predicted', or nothing when unrated)."""
    parts = [f"{item.width}×{item.height}", format_bytes(item.bytes)]
    if item.kind == "video":
        parts.insert(0, f"▶ {timecode(item.duration or 0)}")
    if item.rating is not None:
        parts.append(item.rating_label)
    return " · ".join(parts)


def listen(tab: FiltersTab, ctx: AppContext) -> None:
    page_outputs = [tab.gallery, tab.ids, tab.page, tab.count, tab.message, *tab.facets.outputs,
                    tab.applied]  # fmt: skip
    if tab.smart is not None:  # saves the filters of the results shown
        smart_album_row.listen(
            tab.smart, ctx, [tab.applied], lambda values: request_from(1, shown_values(values[0]))
        )

    def show(page: int, *values: Any, set_pickers: bool = False):
        """One page of the images the controls keep. The facet pickers get new counts; their
        values are set only where the caller sets them (Clear): one picked while this page
        was made stays picked, and is listed next (the event runs always_last)."""
        try:
            listing: Listing = list_library(
                ctx.library, resolved(ctx, request_from(page, list(values)))
            )
        except PictorError as exc:
            return [], [], 1, "", f"⚠️ {literal(exc)}", *facet_panel.updates(None), gr.skip()
        if not listing.items and page > 1:  # the filter shrank: show its last page
            listing = list_library(
                ctx.library, resolved(ctx, request_from(listing.pages, list(values)))
            )
        items = [
            (str(ctx.library.thumbs.path_for(item.content_id)), card_caption(item))
            for item in listing.items
        ]
        request = listing.request
        count = f"**{listing.count_line}** · page {request.page} of {listing.pages}"
        picked = request_from(page, list(values)).filter.album  # a smart album's name, kept
        counts = facet_panel.counts(
            ctx, request.filter.model_copy(update={"exclude_text": (), "only_text": ()}),
            album=picked, set_values=set_pickers,
        )  # fmt: skip
        shown = [i.content_id for i in listing.items]
        return items, shown, request.page, count, "", *counts, list(values)

    def reshuffle(*values: Any):
        seed = random.randrange(1, 1_000_000)
        changed = list(values)
        changed[0] = "Random"
        changed[tab.controls.index(tab.seed)] = seed
        return ("Random", seed, *show(1, *changed))

    # One event with every trigger (not one event each): the page's load time grows with
    # the number of events times the number of components.
    triggers = [tab.apply.click, tab.sort.change, tab.descending.change, tab.rated.change]
    triggers.append(tab.kind.change)
    boxes: list[gr.Textbox | gr.Number] = [tab.taken_from, tab.taken_to, tab.folder]
    boxes += [tab.exclude_text, tab.only_text, *tab.ranges, tab.seed]
    triggers += [box.submit for box in boxes]
    # Facets on input: a user's choice, not the counts' refresh.
    triggers += [picker.input for picker in tab.facets.pickers]
    if hasattr(tab.container, "select"):
        triggers.append(tab.container.select)
    # always_last: a choice made while a page is drawn (a facet picked the moment the last
    # results appear) is listed after it, never dropped ("once" would drop it).
    gr.on(triggers, lambda *values: show(1, *values), tab.controls, page_outputs,
          trigger_mode="always_last")  # fmt: skip
    tab.prev.click(
        lambda page, *values: show(max(1, page - 1), *values),
        [tab.page, *tab.controls],
        page_outputs,
    )
    tab.next.click(
        lambda page, *values: show(page + 1, *values), [tab.page, *tab.controls], page_outputs
    )
    tab.reshuffle.click(reshuffle, tab.controls, [tab.sort, tab.seed, *page_outputs])

    # Clear filters: every control back to the value it was rendered with, then the list.
    # The facet pickers are among the page's outputs already (their counts), so not twice.
    defaults = [control.value for control in tab.controls]
    others = tab.controls[: len(tab.controls) - len(tab.facets.pickers)]
    tab.clear.click(
        lambda: (*defaults[: len(others)], *show(1, *defaults, set_pickers=True)),
        None,
        [*others, *page_outputs],
    )
    tab.refresh, tab.page_outputs = show, page_outputs


def every_match(ctx: AppContext, *values: Any) -> tuple[list[str], str]:
    """Every image the current filters keep: "Select all results" in the Filters tab."""
    request = resolved(ctx, request_from(1, list(values)))
    if not request.filter.needs_clip:
        with ctx.catalog() as catalog:
            ids = allowed_ids(catalog, request.filter, -1)
        return ids, f"all {plural(len(ids), 'image')} these filters keep"
    ids, page = [], 1  # the text categories need CLIP: the listing's pages, in turn
    while True:
        wanted = {"page": page, "page_size": MAX_PAGE_SIZE}
        listing = list_library(ctx.library, request.model_copy(update=wanted))
        ids += [item.content_id for item in listing.items]
        if page >= listing.pages or not listing.items:
            return ids, f"all {plural(len(ids), 'image')} these filters keep"
        page += 1


def filter_to_rate(ctx: AppContext, *values: Any) -> tuple[str, Filter]:
    """The Filters tab's hand-off to the Rate tab: its current filter (unrated ones), a
    smart album picked as what it holds now."""
    return "filter", resolved(ctx, request_from(1, list(values))).filter


DATE_FIELDS = ("taken_from", "taken_to", "year", "month", "day")
TEXT_FIELDS = ("exclude_text", "only_text")


def shown_values(applied: list[Any] | None) -> list[Any]:
    """The control values of the results shown (FiltersTab.applied), or say to show them."""
    if applied is None:
        raise PictorError("Show the filtered images first (press Apply).")
    return list(applied)


def timeline_filter(ctx: AppContext, *values: Any) -> tuple[Filter, str]:
    """The rule the Timeline and its Show share: the Filters tab's filter (a smart album
    as what it holds now), less its dates (a group or event chosen there sets them) and its
    text categories (which need CLIP, so the timeline cannot count them; the note says so
    when they are set)."""
    flt = resolved(ctx, request_from(1, list(values))).filter
    note = ""
    if flt.needs_clip:
        note = (
            "The Hide/Only text filters are not counted here; Show still applies them, so "
            "its list can be shorter than the group."
        )
    cleared: dict[str, Any] = {name: None for name in DATE_FIELDS}
    cleared |= {name: () for name in TEXT_FIELDS}
    cleared["text_sensitivity"] = Filter().text_sensitivity  # nothing left for it to tune
    return flt.model_copy(update=cleared), note


def timeline_target(tab: FiltersTab, inner_tabs: gr.Tabs, ctx: AppContext):
    """Where the Timeline view sends a chosen month, day or event: this tab's date filters."""
    year, month, day = (
        tab.facets.pickers[facet_panel.NAMES.index(name)] for name in ("year", "month", "day")
    )
    any_ = facet_panel.ANY

    def choose(values: dict[str, str]) -> tuple:
        if "taken_from" in values:  # an event: its date range
            return (gr.Tabs(selected="filter-sort"), values["taken_from"], values["taken_to"],
                    any_, any_, any_)  # fmt: skip
        key = values.get("day") or values.get("month") or ""
        return (gr.Tabs(selected="filter-sort"), "", "", key[:4], key[:7],
                values.get("day", any_))  # fmt: skip

    def refresh() -> tuple:
        # Resolved when the listeners are made (after listen() has run): the listing itself.
        return (lambda *values: tab.refresh(1, *values)), tab.controls, tab.page_outputs

    return Target(
        [inner_tabs, tab.taken_from, tab.taken_to, year, month, day], choose, refresh,
        tab.controls, lambda *values: timeline_filter(ctx, *values),
    )  # fmt: skip
