"""Viewers and editors: a viewer (an --auth-file line ending in ':viewer') browses and
searches; everything that changes the library is an editor's.

The server decides, not the page: every callback of the app (each tab's events and the
named API endpoints alike, however a request reaches gradio: the page's queue, a forged
/gradio_api/call, gradio_client) is wrapped once the app is built (`guard`), and refuses a
viewer unless it is on the list below of callbacks that only read. The list is of what a
viewer MAY do, so an event added later is an editor's until someone adds it here: a new
button fails closed for a viewer, never open.

The same rule is checked again where gradio answers every event (`guard_calls`:
Blocks.process_api), which also covers events a gr.render adds while a page draws.

The page also hides what a viewer cannot use (`render`/`listen`): the Rate and Train tabs,
and says so in one sentence.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import gradio as gr
from gradio.context import LocalContext

VIEWER_REFUSAL = (
    "You are signed in as a viewer: you can browse and search, but this needs an editor's "
    "login (rating, trash, indexing, training, settings, albums, tags, captions, sharing)."
)
VIEWER_NOTE = (
    "**You are signed in as a viewer**: browse and search as you like; rating, the trash, "
    "indexing, training, settings, albums, tags, captions and sharing need an editor's login."
)

# Modules whose callbacks all only read (paging, searching, filtering, the text overlay).
READ_ONLY_MODULES = frozenset(
    {
        "app.tabs.search",
        "app.tabs.filters",
        "app.tabs.timeline",
        "app.tabs.search_links",
        "app.selection",  # selecting only (its actions are app.selection_actions')
        "app.detail_text",
        "app.roles",
        "gradio.renderable",
    }
)
# Callbacks that only read, by module and qualified name.
READ_ONLY_CALLS = frozenset(
    {
        ("app.api", "PictorApi.status"),
        ("app.api", "PictorApi.search"),
        ("app.api", "PictorApi.list_images"),
        ("app.api", "PictorApi.duplicates"),
        ("app.api", "PictorApi.dismissed"),
        ("app.api_albums", "AlbumApi.album_events"),
        ("app.api_albums", "AlbumApi.album_show"),
        ("app.detail", "_opener.<locals>.selected"),
        ("app.detail", "_opener.<locals>.selected_at"),
        ("app.detail", "_unless_selecting.<locals>.selected"),
        ("app.detail", "_unless_selecting.<locals>.selected_at"),
        ("app.detail", "closed"),
        ("app.detail", "listen.<locals>.show_folder"),
        ("app.share_panel", "listen.<locals>.load"),
        ("app.tabs.albums", "listen.<locals>.album_page"),
        ("app.tabs.albums", "listen.<locals>.cards"),
        ("app.tabs.albums", "listen.<locals>.click"),
        ("app.tabs.albums", "listen_viewer.<locals>.buttons"),
        ("app.tabs.duplicates", "_threshold_for"),
        ("app.tabs.events", "listen.<locals>.cards"),
        ("app.tabs.events", "listen.<locals>.select"),
        ("app.tabs.duplicates", "listen.<locals>.choose"),
        ("app.tabs.duplicates", "listen.<locals>.earlier"),
        ("app.tabs.duplicates", "listen.<locals>.find"),
        ("app.tabs.duplicates", "listen.<locals>.later"),
        ("app.tabs.duplicates", "listen.<locals>.redraw_if_here"),
        ("app.tabs.duplicates", "listen_show_duplicates.<locals>.run"),
        ("app.tabs.timeline_selection", "listen.<locals>.shown"),  # Select on/off: reads
        ("app.tabs.duplicate_selection", "listen.<locals>.shown"),
        ("app.tabs.library", "listen.<locals>.after_following"),
        ("app.tabs.library", "listen.<locals>.follow_running"),
        ("app.tabs.library", "listen.<locals>.overview"),
        ("app.tabs.library", "listen.<locals>.turn_page"),
        ("app.tabs.people", "listen.<locals>.cards"),
        ("app.tabs.people", "listen.<locals>.pick_face"),
        ("app.tabs.people", "listen.<locals>.select"),
        ("app.tabs.people", "listen_viewer.<locals>.chosen"),
        ("app.tabs.trash", "listen.<locals>.show"),
        ("app.tabs.trash", "listen.<locals>.select"),
    }
)
# Modules whose lambdas only read unless they call one of WRITING_NAMES, or any setter
# (a name starting with WRITING_PREFIX: set_stage, set_write_xmp_faces, ...).
READ_ONLY_LAMBDA_MODULES = frozenset(
    {"app.detail", "app.tabs.library", "app.tabs.people", "app.tabs.duplicates", "app.ui"}
    | {"app.tabs.text_settings", "app.detail_people", "app.tabs.albums"}
)
WRITING_NAMES = frozenset(
    {"rate", "restore", "act", "set_stage", "set_write_xmp", "trash", "forget", "index"}
)
WRITING_PREFIX = "set_"


def may_view(fn: Callable[..., Any]) -> bool:
    """Whether a viewer may run this callback (see the module docstring)."""
    fn = inspect.unwrap(fn)
    module = getattr(fn, "__module__", "") or ""
    name = getattr(fn, "__qualname__", "") or ""
    if module in READ_ONLY_MODULES or (module, name) in READ_ONLY_CALLS:
        return True
    if name.endswith("<lambda>") and module in READ_ONLY_LAMBDA_MODULES:
        code = getattr(fn, "__code__", None)
        used = set(code.co_names) | set(code.co_freevars) if code is not None else {"?"}
        return not used & WRITING_NAMES and not any(n.startswith(WRITING_PREFIX) for n in used)
    return False


def signed_in_viewer(viewers: Iterable[str]) -> bool:
    """Whether the request being answered comes from a viewer's session."""
    request = LocalContext.request.get(None)
    username = getattr(request, "username", None)
    return username is not None and username in viewers


def guard(demo: gr.Blocks, viewers: frozenset[str]) -> int:
    """Wrap every callback a viewer may not run so that it refuses a viewer's request;
    how many were wrapped. With no viewers, nothing changes."""
    if not viewers:
        return 0
    wrapped = 0
    for block_fn in demo.fns.values():
        if block_fn.fn is not None and not may_view(block_fn.fn):
            block_fn.fn = editors_only(block_fn.fn, viewers)
            wrapped += 1
    return wrapped


def guard_calls(demo: gr.Blocks, viewers: frozenset[str]) -> None:
    """The same rule one level down: gradio answers every event of this app (the page's
    queue, /gradio_api/call, /run, gradio_client) through demo.process_api, events that
    gr.render adds as a page draws them included, which `guard` cannot wrap beforehand."""
    if not viewers:
        return
    answer = demo.process_api

    async def process_api(block_fn: Any, *args: Any, **kwargs: Any) -> Any:
        found = demo.fns[block_fn] if isinstance(block_fn, int) else block_fn
        request = kwargs.get("request")
        first = request[0] if isinstance(request, list) and request else request
        viewer = getattr(first, "username", None) in viewers
        if viewer and found.fn is not None and not may_view(found.fn):
            raise gr.Error(VIEWER_REFUSAL, print_exception=False)
        return await answer(block_fn, *args, **kwargs)

    demo.process_api = process_api  # type: ignore[method-assign]


def editors_only(fn: Callable[..., Any], viewers: frozenset[str]) -> Callable[..., Any]:
    """fn, of the same kind (plain, generator, async, async generator), refusing viewers."""

    def check() -> None:
        if signed_in_viewer(viewers):
            raise gr.Error(VIEWER_REFUSAL, print_exception=False)

    if inspect.isasyncgenfunction(fn):

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            check()
            async for item in fn(*args, **kwargs):
                yield item

    elif inspect.iscoroutinefunction(fn):

        async def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            check()
            return await fn(*args, **kwargs)

    elif inspect.isgeneratorfunction(fn):

        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            check()
            yield from fn(*args, **kwargs)

    else:

        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            check()
            return fn(*args, **kwargs)

    functools.update_wrapper(wrapper, fn)
    return wrapper


def render() -> gr.Markdown:
    """The sentence a viewer sees under the title (empty for an editor)."""
    return gr.Markdown("", elem_id="viewer-note")


def listen(demo: gr.Blocks, note: gr.Markdown, hidden: list[Any], viewers: frozenset[str]) -> None:
    """On each page load, a viewer gets the sentence and loses the tabs and controls in
    hidden (the server refuses them anyway)."""
    if not viewers:
        return

    def on_load(request: gr.Request) -> tuple:
        viewer = getattr(request, "username", None) in viewers
        # gradio 6 keeps a tab's button on an update to visible=False; "hidden" removes it.
        updates = [
            gr.update(visible=("hidden" if isinstance(c, gr.Tab) else False) if viewer else True)
            for c in hidden
        ]
        return (VIEWER_NOTE if viewer else "", *updates)

    demo.load(on_load, None, [note, *hidden], queue=False)
